"""Monthly check-ins (Step 5): is the primary coaching priority improving between cycles?

For each month, the ``raw/checkin_windows`` asset loads the rubric, reps, calls,
transcripts and scores from the last quarterly assessment date to the month's end into
the ``raw`` tables under the label ``<month>-checkin`` and runs the automated scorer over
the transcripts, as the cycle does; the ``fct_monthly_checkins`` dbt model then compares each
coached rep's 5 most recent scored calls on the primary criterion with the cycle score.
A month is checked once it is over, and only after its cycle has been assessed.
"""

from datetime import UTC, datetime

import dagster as dg

from assets.mart_metadata import SLICE_STATUS
from orchestration.assessment_engine import RUBRIC_TABLES, AssessmentEngine
from orchestration.partitions import monthly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect, replace_cycle_rows
from salesassess.landing.ingest import ingest_kind, slice_status, store_rubrics
from salesassess.method.calendar import checkin_window
from salesassess.method.rubric import load_rubrics
from salesassess.scoring.learned_scorer import LearnedSettings

CHECKIN_GROUP = "follow_up"
CHECKIN_WINDOWS_KEY = dg.AssetKey(["raw", "checkin_windows"])
CHECKIN_WINDOWS_DDL = (
    "month varchar, cycle varchar, label varchar, window_start date, window_end date, "
    "loaded_at timestamptz"
)
PRIORITIES_KEY = dg.AssetKey(["marts", "fct_coaching_priorities"])
# A month's check-in reads the quarterly cycle assessed before it: the quarter before the
# one the month is in.
PREVIOUS_CYCLE = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


def assessed_priorities(con, cycle: str, materialised: bool = False) -> int | None:
    """Primary coaching priorities recorded for a cycle: None if the cycle was never
    assessed here (no scorecards, and ``materialised`` false: the priorities' partition
    was never materialised, as an assessment without a rubric in force leaves it), 0 if it
    was and no rep earned a priority."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'marts' "
        "and table_name in ('fct_coaching_priorities', 'fct_rep_scorecards')"
    ).fetchone()[0]
    if exists < 2:
        return 0 if materialised else None
    assessed, priorities = con.execute(
        "select (select count(*) from marts.fct_rep_scorecards where cycle = $cycle), "
        "(select count(*) from marts.fct_coaching_priorities where cycle = $cycle and rank = 1)",
        {"cycle": cycle},
    ).fetchone()
    return priorities if assessed or materialised else None


@dg.multi_asset(
    name="raw__checkin_windows",
    specs=[
        dg.AssetSpec(
            key=CHECKIN_WINDOWS_KEY,
            group_name=CHECKIN_GROUP,
            deps=[
                dg.AssetDep(PRIORITIES_KEY, partition_mapping=PREVIOUS_CYCLE),
                dg.AssetDep(
                    dg.AssetKey(["raw", "coaching_sessions"]), partition_mapping=PREVIOUS_CYCLE
                ),
            ],
            description="Monthly check-in: rubric, reps, calls, transcripts and scores from "
            "the last assessment date to the month's end, loaded once the month is over, and "
            "the automated scorer's scores of the transcripts.",
            kinds={"duckdb"},
        )
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def checkin_windows(
    context: dg.AssetExecutionContext, settings: AssessmentSettings, engine: AssessmentEngine
):
    window = checkin_window(context.partition_key)
    cycle = window.cycle
    today = settings.as_of()
    if today < window.end.date():
        raise dg.Failure(
            description=(
                f"The check-in month {window.month} is not over: it ends on "
                f"{window.end.date().isoformat()} and today is {today.isoformat()}. "
                "Nothing was written."
            ),
            allow_retries=False,
        )
    landing = settings.landing_path()
    with connect(settings.warehouse_path()) as con:
        materialised = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=PRIORITIES_KEY, asset_partitions=[cycle.partition_key]),
            limit=1,
        ).records
        priorities = assessed_priorities(con, cycle.cycle, bool(materialised))
        if priorities is None:
            raise dg.Failure(
                description=(
                    f"The check-in of {window.month} follows up the {cycle.cycle} assessment, "
                    f"which was not assessed in this warehouse: materialise the "
                    f"{cycle.partition_key} partition first (make assess "
                    f"PARTITION={cycle.partition_key}). Nothing was written."
                ),
                allow_retries=False,
            )
        store_rubrics(con, load_rubrics(landing), window.label)
        start = datetime.combine(cycle.assessment_date, datetime.min.time(), tzinfo=UTC)
        counts = {
            kind: ingest_kind(con, kind, landing, cycle=window.label, start=start, end=window.end)
            for kind in ("reps", "calls", "utterances", "scores")
        }
        engine.landed(con, settings, window.label, [*RUBRIC_TABLES, *counts])
        automated = engine.auto_score(
            con,
            settings,
            window.label,
            window.end.date(),
            LearnedSettings.from_method(settings.method()),
            cycle=cycle.cycle,
        )
        status = slice_status(con, window.label, automated, "the window")
        replace_cycle_rows(
            con,
            "raw.checkin_windows",
            CHECKIN_WINDOWS_DDL,
            window.month,
            [
                (
                    window.month,
                    cycle.cycle,
                    window.label,
                    cycle.assessment_date,
                    window.end.date(),
                    datetime.now(UTC),
                )
            ],
            key_column="month",
        )
    metadata = {
        f"{kind}_accepted": dg.MetadataValue.int(sum(c.accepted for c in items))
        for kind, items in counts.items()
    }
    metadata["auto_scores"] = dg.MetadataValue.int(automated["rows_written"] if automated else 0)
    metadata["window"] = dg.MetadataValue.text(
        f"{cycle.assessment_date.isoformat()} .. {window.end.date().isoformat()} (exclusive), "
        f"priorities of {cycle.cycle}"
    )
    metadata["dagster/row_count"] = metadata["calls_accepted"]
    metadata[SLICE_STATUS] = dg.MetadataValue.text(status)
    metadata["primary_priorities"] = dg.MetadataValue.int(priorities)
    yield dg.MaterializeResult(asset_key=CHECKIN_WINDOWS_KEY, metadata=metadata)
