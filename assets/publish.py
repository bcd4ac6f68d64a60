"""Publish step: what BI tools and managers read, replaced only by a checked partition.

Runs compute marts in the warehouse (``ASSESSMENT_WAREHOUSE``), which a run holds open for
writing. Once every blocking check of a cycle has passed (the publish assets sit
downstream of the checked marts, so a failed check stops them), the cycle's rows are
copied into a new copy of the published file (``ASSESSMENT_PUBLISHED``) which then
replaces the old one with an atomic rename. The published file is never opened for
writing, so a BI tool holding it open read-only never blocks a run and never sees half a
partition: it keeps the version it opened until it reconnects.
"""

import os
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.partitions import monthly_partitions, quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.calendar import checkin_window, cycle_window
from salesassess.warehouse import duckdb_settings

PUBLISH_GROUP = "publish"

ASSESSMENT_MARTS = (
    "fct_call_scores",
    "fct_call_criterion_scores",
    "fct_rep_scorecards",
    "fct_rep_criterion_scores",
    "fct_coaching_priorities",
    "fct_top_bottom_gaps",
    "fct_coaching_evidence",
    "fct_practice_scenarios",
    "fct_review_queue",
    "fct_scoring_coverage",
    "fct_calibration_review",
    "fct_criterion_win_correlation",
    "fct_weight_calibration",
    "fct_rubric_reliability",
)
FOLLOWUP_MARTS = ("fct_rescore_deltas", "fct_manager_effectiveness", "fct_followup_significance")
CHECKIN_MARTS = ("fct_monthly_checkins",)


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_catalog = $c "
            "and table_schema = 'marts' and table_name = $t order by ordinal_position",
            {"c": catalog, "t": table},
        ).fetchall()
    ]


def publish_cycle(
    warehouse: Path,
    published: Path,
    cycle: str,
    tables: Sequence[str],
    key_column: str = "cycle",
) -> dict[str, int]:
    """Replace ``cycle``'s rows (or a check-in month's, by ``key_column``) of ``tables`` in
    the published file, atomically."""
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    if published.exists():
        shutil.copyfile(published, staging)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(staging), config=duckdb_settings(staging)) as con:
            own = con.execute("select current_database()").fetchone()[0]
            con.execute(f"attach '{warehouse}' as warehouse (read_only)")
            con.execute("create schema if not exists marts")
            for table in tables:
                source = f"warehouse.marts.{table}"
                target = f"marts.{table}"
                if not _columns(con, "warehouse", table):
                    continue
                if _columns(con, own, table) != _columns(con, "warehouse", table):
                    # a new version of the mart's columns: start it again from the warehouse
                    con.execute(f"drop table if exists {target}")
                    con.execute(f"create table {target} as select * from {source} where false")
                con.execute("begin transaction")
                where = f"where {key_column} = $cycle"
                con.execute(f"delete from {target} {where}", {"cycle": cycle})
                con.execute(
                    f"insert into {target} by name select * from {source} {where}",
                    {"cycle": cycle},
                )
                con.execute("commit")
                counts[table] = con.execute(
                    f"select count(*) from {target} {where}", {"cycle": cycle}
                ).fetchone()[0]
            con.execute(
                "create table if not exists marts.published_cycles "
                "(cycle varchar, tables varchar, published_at timestamptz)"
            )
            con.execute(
                "delete from marts.published_cycles where cycle = $cycle and tables = $tables",
                {"cycle": cycle, "tables": ",".join(tables)},
            )
            con.execute(
                "insert into marts.published_cycles values ($cycle, $tables, $at)",
                {"cycle": cycle, "tables": ",".join(tables), "at": datetime.now(UTC)},
            )
            con.execute("detach warehouse")
            con.execute("checkpoint")
        os.replace(staging, published)
    finally:
        staging.unlink(missing_ok=True)
    return counts


def _build_publish_asset(
    name: str, tables: Sequence[str], description: str, *, monthly: bool = False
):
    key = dg.AssetKey(["published", name])

    @dg.multi_asset(
        name=f"publish_{name}",
        specs=[
            dg.AssetSpec(
                key=key,
                group_name=PUBLISH_GROUP,
                deps=[dg.AssetKey(["marts", table]) for table in tables],
                description=description,
                kinds={"duckdb"},
            )
        ],
        partitions_def=monthly_partitions if monthly else quarterly_partitions,
        backfill_policy=dg.BackfillPolicy.multi_run(1),
    )
    def _publish(context: dg.AssetExecutionContext, settings: AssessmentSettings):
        if monthly:
            partition, key_column = checkin_window(context.partition_key).month, "month"
        else:
            partition, key_column = cycle_window(context.partition_key).cycle, "cycle"
        counts = publish_cycle(
            settings.warehouse_path(), settings.published_path(), partition, tables, key_column
        )
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "published_file": dg.MetadataValue.path(str(settings.published_path())),
                "rows": dg.MetadataValue.md(
                    "| mart | rows |\n|---|---|\n"
                    + "\n".join(f"| {t} | {n} |" for t, n in counts.items())
                ),
                "dagster/row_count": dg.MetadataValue.int(sum(counts.values())),
            },
        )

    return _publish


publish_assessment = _build_publish_asset(
    "assessment_marts",
    ASSESSMENT_MARTS,
    "Publish the cycle's assessment marts to the file BI tools read, after every blocking "
    "check passed.",
)
publish_followup = _build_publish_asset(
    "followup_marts",
    FOLLOWUP_MARTS,
    "Publish the cycle's follow-up marts to the file BI tools read.",
)
publish_checkins = _build_publish_asset(
    "checkin_marts",
    CHECKIN_MARTS,
    "Publish the month's check-ins to the file BI tools read.",
    monthly=True,
)
