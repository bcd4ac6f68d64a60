"""Publish step: what BI tools and managers read, replaced only by a checked partition.

Runs compute marts in the warehouse (``ASSESSMENT_WAREHOUSE``), which a run holds open for
writing. Once every blocking check of a cycle has passed (the publish assets sit
downstream of the checked marts, so a failed check stops them), the cycle's rows are
written into a new copy of the published file (``ASSESSMENT_PUBLISHED``) which then
replaces the old one with an atomic rename. The published file is never opened for
writing, so a BI tool holding it open read-only never blocks a run and never sees half a
partition: it keeps the version it opened until it reconnects.

* The copy is staged under one fixed name, ``.<published name>.staging``; a stage a killed
  run left (and the per-process stages of earlier versions) is removed at the start.
* The copy is written in DuckDB 1.1's storage format (``PUBLISHED_STORAGE_VERSION``), which
  the DuckDB 1.x drivers BI tools bundle can open.
* A cycle is published whole: once a cycle's follow-up is published, a new assessment of
  the cycle waits in the ``pending`` schema (``published_cycles.status = 'pending'``) and
  the marts keep the previous assessment with its follow-up, until the follow-up computed
  from the new assessment is published with it. A kill in between leaves the previous
  consistent set.
* Every published mart is also written as Parquet, one folder per mart partitioned by
  cycle (or month), switched in atomically (``ASSESSMENT_PUBLISHED_PARQUET``).
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb

from assets.mart_metadata import markdown_table
from orchestration.partitions import monthly_partitions, quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import duckdb_settings
from salesassess.method.calendar import checkin_window, cycle_window
from salesassess.publishing.folder_swap import switch_folder

PUBLISH_GROUP = "publish"
PUBLISHED_STORAGE_VERSION = "v1.1.0"

# what a dashboard labels the fact marts with: names, teams, weights, anchors
DIMENSIONS = ("dim_reps", "dim_managers", "dim_criteria", "dim_criterion_anchors")
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
    *DIMENSIONS,
)
FOLLOWUP_MARTS = (
    "fct_rescore_deltas",
    "fct_manager_effectiveness",
    "fct_followup_significance",
    "fct_coaching_effect",
)
CHECKIN_MARTS = ("fct_monthly_checkins",)
PARTS = {"assessment": ASSESSMENT_MARTS, "followup": FOLLOWUP_MARTS, "checkin": CHECKIN_MARTS}


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            # duckdb_columns(): information_schema.columns is a view over it, twice as slow
            "select column_name from duckdb_columns() where database_name = $c "
            "and schema_name = $s and table_name = $t order by column_index",
            {"c": catalog, "s": schema, "t": table},
        ).fetchall()
    ]


def staging_path(published: Path) -> Path:
    return published.with_name(f".{published.name}.staging")


def remove_stale_stages(published: Path) -> list[Path]:
    """Stages a killed or failed publish left next to the published file (the fixed stage,
    its WAL, and the per-process ``.<name>.<pid>.tmp`` of earlier versions)."""
    removed = []
    for leftover in published.parent.glob(f".{published.name}.*"):
        if leftover.is_file():
            leftover.unlink()
            removed.append(leftover)
    return removed


def _has_rows(con: duckdb.DuckDBPyConnection, schema: str, tables: Sequence[str], cycle) -> bool:
    for table in tables:
        if (
            _columns(con, "pub", schema, table)
            and con.execute(
                f"select count(*) from pub.{schema}.{table} where cycle = $cycle", {"cycle": cycle}
            ).fetchone()[0]
        ):
            return True
    return False


def _replace_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target_schema: str,
    table: str,
    key_column: str,
    cycle: str,
) -> int:
    """Replace ``cycle``'s rows of ``pub.<target_schema>.<table>`` by those of ``source``."""
    source_catalog, source_schema = source.split(".")
    target = f"pub.{target_schema}.{table}"
    if _columns(con, "pub", target_schema, table) != _columns(
        con, source_catalog, source_schema, table
    ):
        # a new version of the mart's columns: start it again from the source
        con.execute(f"drop table if exists {target}")
        con.execute(f"create table {target} as select * from {source}.{table} where false")
    where = f"where {key_column} = $cycle"
    con.execute(f"delete from {target} {where}", {"cycle": cycle})
    con.execute(
        f"insert into {target} by name select * from {source}.{table} {where}", {"cycle": cycle}
    )
    return con.execute(f"select count(*) from {target} {where}", {"cycle": cycle}).fetchone()[0]


def _record(con: duckdb.DuckDBPyConnection, cycle: str, part: str, tables, status: str) -> None:
    con.execute(
        "create table if not exists pub.marts.published_cycles (cycle varchar, tables varchar, "
        "published_at timestamptz, part varchar, status varchar)"
    )
    present = _columns(con, "pub", "marts", "published_cycles")
    for column in ("part", "status"):  # files published before parts were recorded
        if column not in present:
            con.execute(f"alter table pub.marts.published_cycles add column {column} varchar")
    con.execute(
        "delete from pub.marts.published_cycles where cycle = $cycle "
        "and (part = $part or tables = $tables)",
        {"cycle": cycle, "part": part, "tables": ",".join(tables)},
    )
    con.execute(
        "insert into pub.marts.published_cycles by name select $cycle as cycle, $tables as "
        "tables, $at as published_at, $part as part, $status as status",
        {
            "cycle": cycle,
            "tables": ",".join(tables),
            "at": datetime.now(UTC),
            "part": part,
            "status": status,
        },
    )


def publish_cycle(
    warehouse: Path,
    published: Path,
    cycle: str,
    tables: Sequence[str],
    key_column: str = "cycle",
    part: str | None = None,
) -> dict[str, int]:
    """Replace ``cycle``'s rows (or a check-in month's, by ``key_column``) of ``tables`` in
    the published file, atomically. ``part`` (assessment, followup, checkin; by default the
    part whose marts ``tables`` are) decides whether the cycle is published whole now or
    its assessment waits for its follow-up."""
    part = part or next((name for name, marts in PARTS.items() if tuple(tables) == marts), "")
    published.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_stages(published)
    staging = staging_path(published)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(config=duckdb_settings(staging)) as con:
            con.execute(
                f"attach {_literal(staging)} as pub (storage_version '{PUBLISHED_STORAGE_VERSION}')"
            )
            if published.exists():
                con.execute(f"attach {_literal(published)} as old (read_only)")
                con.execute("copy from database old to pub")
                con.execute("detach old")
            con.execute(f"attach {_literal(warehouse)} as warehouse (read_only)")
            con.execute("create schema if not exists pub.marts")
            con.execute("create schema if not exists pub.pending")
            con.execute("begin transaction")
            # once the cycle's follow-up is published, a new assessment waits for its own
            waits = part == "assessment" and _has_rows(con, "marts", FOLLOWUP_MARTS, cycle)
            schema = "pending" if waits else "marts"
            for table in tables:
                if _columns(con, "warehouse", "marts", table):
                    counts[table] = _replace_rows(
                        con, "warehouse.marts", schema, table, key_column, cycle
                    )
            _record(con, cycle, part, tables, "pending" if waits else "current")
            if part == "followup" and _has_rows(con, "pending", ASSESSMENT_MARTS, cycle):
                for table in ASSESSMENT_MARTS:
                    if _columns(con, "pub", "pending", table):
                        _replace_rows(con, "pub.pending", "marts", table, "cycle", cycle)
                        con.execute(
                            f"delete from pub.pending.{table} where cycle = $cycle",
                            {"cycle": cycle},
                        )
                _record(con, cycle, "assessment", ASSESSMENT_MARTS, "current")
            con.execute("commit")
            con.execute("detach warehouse")
            con.execute("detach pub")
        os.replace(staging, published)
    finally:
        remove_stale_stages(published)
    return counts


def export_parquet(published: Path, folder: Path) -> dict[str, int]:
    """Every mart of the published file as Parquet, ``<folder>/<mart>/cycle=<cycle>/`` (the
    monthly check-ins by ``month``), switched in whole and atomically. Returns the files
    per mart."""
    files: dict[str, int] = {}

    def build(version: Path) -> None:
        with duckdb.connect(
            str(published), read_only=True, config=duckdb_settings(published)
        ) as con:
            tables = [
                row[0]
                for row in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'marts' order by 1"
                ).fetchall()
            ]
            own = con.execute("select current_database()").fetchone()[0]
            for table in tables:
                columns = _columns(con, own, "marts", table)
                key = "month" if table in CHECKIN_MARTS else "cycle"
                out = version / table
                if key in columns:
                    # one plain copy per partition value (the value in the folder name
                    # only, as partition_by writes it), not copy's partition_by: that
                    # writes rows in the order the threads finish, so two runs' files of a
                    # mart over one row group differ (issue 32); a plain copy keeps the
                    # order by, and the same rows give the same bytes
                    values = con.execute(
                        f"select distinct {key} from marts.{table} order by 1"
                    ).fetchall()
                    for (value,) in values:
                        part = out / f"{key}={'NULL' if value is None else value}"
                        part.mkdir(parents=True)
                        con.execute(
                            f"copy (select * exclude ({key}) from marts.{table} "
                            f"where {key} is not distinct from $value order by all) "
                            f"to {_literal(part / 'data_0.parquet')} (format parquet)",
                            {"value": value},
                        )
                    out.mkdir(exist_ok=True)
                else:  # a table without the partition column: one file
                    out.mkdir()
                    con.execute(
                        f"copy (select * from marts.{table} order by all) to "
                        f"{_literal(out / 'data.parquet')} (format parquet)"
                    )
                files[table] = sum(1 for _ in out.rglob("*.parquet"))

    switch_folder(folder, build)
    return files


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
        published = settings.published_path()
        counts = publish_cycle(settings.warehouse_path(), published, partition, tables, key_column)
        parquet = settings.published_parquet_path()
        export_parquet(published, parquet)
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "published_file": dg.MetadataValue.path(str(published)),
                "parquet_folder": dg.MetadataValue.path(str(parquet)),
                "rows": markdown_table(list(counts.items()), ["mart", "rows"]),
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
