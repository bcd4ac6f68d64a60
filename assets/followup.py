"""Step 5 follow-up: the 30 days after each assessment, ingested once the window closed.

The follow-up window of a cycle starts on the assessment date (or, per rep, on the
recorded coaching session date) and lasts ``followup_days``; it closes for the cycle when
the last rep's window has ended. The ``raw/followup`` asset refuses to run before that
(no partial numbers), then loads the rubric, reps, calls, transcripts and scores of the
window (every rep's calls, not only the coached reps': the others are the comparison of
the coaching effect) into the ``raw`` tables under the partition label ``<cycle>-followup``,
runs the automated scorer over the window's transcripts as the cycle does (so a team
scored automatically is followed up on the same footing), and records the window in
``raw.followup_windows``.
"""

from datetime import UTC, date, datetime

import dagster as dg

from assets.mart_metadata import SLICE_STATUS, markdown_table
from orchestration.assessment_engine import RUBRIC_TABLES, AssessmentEngine
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect, replace_cycle_rows
from salesassess.landing.ingest import ingest_kind, slice_status, store_rubrics
from salesassess.method.calendar import cycle_window, followup_label
from salesassess.method.followup import followup_window_end, latest_coaching_date
from salesassess.method.rubric import load_rubrics
from salesassess.method.statistics import paired_change
from salesassess.publishing.python_marts import write_mart
from salesassess.scoring.learned_scorer import LearnedSettings

FOLLOWUP_GROUP = "follow_up"
FOLLOWUP_KEY = dg.AssetKey(["raw", "followup_windows"])


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@dg.multi_asset(
    name="raw__followup",
    specs=[
        dg.AssetSpec(
            key=FOLLOWUP_KEY,
            group_name=FOLLOWUP_GROUP,
            deps=[dg.AssetKey(["raw", "coaching_sessions"])],
            description="Step 5: rubric, reps, calls, transcripts and scores of the 30 days "
            "after the assessment, loaded once the follow-up window has closed, and the "
            "automated scorer's scores of its transcripts.",
            kinds={"duckdb"},
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def followup(
    context: dg.AssetExecutionContext, settings: AssessmentSettings, engine: AssessmentEngine
):
    window = cycle_window(context.partition_key)
    days = int(settings.method()["followup_days"])
    label = followup_label(window.cycle)
    landing = settings.landing_path()
    with connect(settings.warehouse_path()) as con:
        closes_on = followup_window_end(window, latest_coaching_date(con, window.cycle), days)
        today = settings.as_of()
        if today < closes_on:
            raise dg.Failure(
                description=(
                    f"The follow-up window of {window.cycle} is still open: it closes on "
                    f"{closes_on.isoformat()} ({days} days after the assessment date "
                    f"{window.assessment_date.isoformat()} or the last coaching session), "
                    f"and today is {today.isoformat()}. Materialise the follow-up then; "
                    "nothing was written, so no partial numbers are published."
                ),
                allow_retries=False,
            )
        store_rubrics(con, load_rubrics(landing), label)
        start, end = _midnight(window.assessment_date), _midnight(closes_on)
        counts = {
            kind: ingest_kind(con, kind, landing, cycle=label, start=start, end=end)
            for kind in ("reps", "calls", "utterances", "scores")
        }
        engine.landed(con, settings, label, [*RUBRIC_TABLES, *counts])
        automated = engine.auto_score(
            con,
            settings,
            label,
            closes_on,
            LearnedSettings.from_method(settings.method()),
            cycle=window.cycle,
        )
        status = slice_status(con, label, automated, "the window")
        replace_cycle_rows(
            con,
            "raw.followup_windows",
            "cycle varchar, label varchar, window_start date, closes_on date, "
            "followup_days integer, loaded_at timestamptz",
            window.cycle,
            [(window.cycle, label, window.assessment_date, closes_on, days, datetime.now(UTC))],
        )
    metadata = {
        f"{kind}_accepted": dg.MetadataValue.int(sum(c.accepted for c in items))
        for kind, items in counts.items()
    }
    metadata["auto_scores"] = dg.MetadataValue.int(automated["rows_written"] if automated else 0)
    metadata["window"] = dg.MetadataValue.text(
        f"{window.assessment_date.isoformat()} .. {closes_on.isoformat()} (exclusive)"
    )
    metadata["dagster/row_count"] = metadata["calls_accepted"]
    metadata[SLICE_STATUS] = dg.MetadataValue.text(status)
    yield dg.MaterializeResult(asset_key=FOLLOWUP_KEY, metadata=metadata)


SIGNIFICANCE_KEY = dg.AssetKey(["marts", "fct_followup_significance"])


def followup_significance_row(con, cycle: str) -> tuple:
    """Paired t-test and Wilcoxon signed-rank of cycle vs follow-up score over the coached
    reps (those with a follow-up verdict) of a cycle; n_provisional of them were coached on
    a priority whose scores are not calibrated."""
    pairs = con.execute(
        "select cycle_score, followup_score, is_provisional from marts.fct_rescore_deltas "
        "where cycle = $cycle and status in ('improved', 'not_improved') order by rep_id",
        {"cycle": cycle},
    ).fetchall()
    result = paired_change([p[0] for p in pairs], [p[1] for p in pairs])
    return (
        cycle,
        result.n,
        result.mean_delta,
        result.t_statistic,
        result.t_p_value,
        result.wilcoxon_statistic,
        result.wilcoxon_p_value,
        result.reason,
        sum(1 for p in pairs if p[2]),
    )


def significance_text(row: tuple) -> str:
    """The significance row in a phrase: n, the mean change and the tests' p-values, or why
    a test has none."""
    n, mean, t_p, wilcoxon_p, reason = row[1], row[2], row[4], row[6], row[7]
    parts = [f"{n} coached reps followed up"]
    if mean is not None:
        parts.append(f"mean change {mean:+.2f}")
    parts += [
        f"{test} p={p:.3f}"
        for test, p in (("t-test", t_p), ("Wilcoxon", wilcoxon_p))
        if p is not None
    ]
    if reason:
        parts.append(reason.replace("_", " "))
    return ", ".join(parts)


@dg.multi_asset(
    name="followup_significance",
    specs=[
        dg.AssetSpec(
            key=SIGNIFICANCE_KEY,
            group_name=FOLLOWUP_GROUP,
            deps=[dg.AssetKey(["marts", "fct_rescore_deltas"])],
            description="Step 5: is the coached cohort's change real? Paired t-test and "
            "Wilcoxon signed-rank (follow-up - cycle score) with n.",
            kinds={"python", "duckdb"},
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def followup_significance(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    with connect(settings.warehouse_path()) as con:
        row = followup_significance_row(con, cycle)
        write_mart(con, "fct_followup_significance", cycle, [row])
    columns = ["cycle", "n", "mean_delta", "t_statistic", "t_p_value", "wilcoxon_statistic"]
    columns += ["wilcoxon_p_value", "note", "n_provisional"]
    yield dg.MaterializeResult(
        asset_key=SIGNIFICANCE_KEY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(1),
            SLICE_STATUS: dg.MetadataValue.text(significance_text(row)),
            "result": markdown_table([row], columns),
        },
    )
