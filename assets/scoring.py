"""Score step: the automated scorer over every call of the cycle with a transcript.

The rubric version the cycle is assessed under (the latest effective before the cycle's
end) declares the signals and rules (see :mod:`salesassess.auto_scorer`); its scores land in
``raw.auto_scores`` beside the human and external ones (``scorer_kind = auto``, a scorer id
naming the rubric version and scorer version) with the moment that decided each score.
A rubric without signals leaves the table empty for the cycle.

Then the learned scorer (:mod:`salesassess.learned_scorer`) trains, per criterion with enough
human scores of the cycle, a model on them, cross-validates it against the rules, and
lets the better of the two score the criterion's calls (``raw.auto_scorer_candidates``
keeps both held-out figures). Settings: the dbt vars ``learned_scorer_enabled``,
``learned_scorer_min_scored_calls`` and ``learned_scorer_use_external``.
"""

import dagster as dg

from assets.mart_metadata import SLICE_STATUS, markdown_table
from orchestration.assessment_engine import AssessmentEngine
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.auto_scorer import OUTPUT_COLUMNS, score_calls
from salesassess.calendar import cycle_window
from salesassess.ingest import slice_status
from salesassess.learned_scorer import (
    LearnedSettings,
    learn_and_score,
    score_window_with_cycle_models,
)
from salesassess.rubric import load_rubric_file, rubric_files
from salesassess.scorer_spec import load_scorer
from salesassess.warehouse import connect

AUTO_SCORES_KEY = dg.AssetKey(["raw", "auto_scores"])


def cycle_rubric_file(landing_dir, cycle_end_date):
    """The rubric file in force for the cycle: the latest effective before its end."""
    candidates = [
        (rubric.effective_from, rubric.version, file)
        for file in rubric_files(landing_dir)
        for rubric in [load_rubric_file(file)]
        if rubric.effective_from < cycle_end_date
    ]
    return max(candidates)[2] if candidates else None


def auto_score_partition(
    con,
    landing_dir,
    label: str,
    before,
    learned: LearnedSettings | None = None,
    cycle: str | None = None,
) -> dict | None:
    """The automated scorer over the calls with a transcript in ``raw.utterances`` under
    ``label`` (a cycle, or a follow-up or check-in window), under the rubric in force
    before the day ``before`` (the window's end); its scores replace the label's rows of
    ``raw.auto_scores``. ``None`` (and no rows) when that rubric declares no scorer.
    With ``learned``, the learned scorer follows the rules (its report is the result's
    ``learned``): for the cycle itself it trains and competes with the rules; for a window
    of ``cycle`` the criteria it won in the cycle score the window with the cycle's model,
    so a follow-up compares like with like."""
    file = cycle_rubric_file(landing_dir, before)
    spec = load_scorer(file) if file else None
    if spec is None or not spec.criteria:
        columns = ", ".join(f"{name} {kind}" for name, kind in OUTPUT_COLUMNS)
        con.execute("create schema if not exists raw")
        con.execute(f"create table if not exists raw.auto_scores ({columns})")
        con.execute("delete from raw.auto_scores where cycle = $c", {"c": label})
        return None
    counts = "_learned_signal_counts" if learned is not None else None
    result = score_calls(
        con, spec, cycle=label, rubric_version=spec.rubric_version, signal_counts_table=counts
    )
    if learned is not None:
        result["learned"] = learned_after_rules(con, spec, label, learned, cycle, counts)
    return result


def learned_after_rules(con, spec, label: str, learned: LearnedSettings, cycle, counts):
    """The learned scorer after the rules scored ``label`` (each call's signal counts in the
    temp table ``counts``): for the cycle itself it trains and competes with the rules; for
    a window of ``cycle`` the criteria it won in the cycle score the window with the
    cycle's model. Its report."""
    if cycle not in (None, label):
        return score_window_with_cycle_models(
            con, spec, label, cycle, settings=learned, signal_counts_table=counts
        )
    return learn_and_score(con, spec, cycle=label, settings=learned, signal_counts_table=counts)


@dg.multi_asset(
    name="auto_scores",
    specs=[
        dg.AssetSpec(
            key=AUTO_SCORES_KEY,
            group_name="score",
            deps=[
                dg.AssetKey(["raw", "utterances"]),
                dg.AssetKey(["raw", "rubric_criteria"]),
                dg.AssetKey(["raw", "scores"]),
            ],
            description="The automated scorer: every call with a transcript scored on every "
            "criterion with rules, or by a model learned from the cycle's human scores where "
            "its cross-validated agreement is higher, with the transcript moment as evidence.",
            kinds={"duckdb"},
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def auto_scores(
    context: dg.AssetExecutionContext, settings: AssessmentSettings, engine: AssessmentEngine
):
    window = cycle_window(context.partition_key)
    with connect(settings.warehouse_path()) as con:
        result = engine.auto_score(
            con,
            settings,
            window.cycle,
            window.end.date(),
            LearnedSettings.from_method(settings.method()),
        )
        status = slice_status(con, window.cycle, result, window.cycle)
        if result is None:
            context.log.info(f"{window.cycle}: the rubric in force declares no automated scorer")
            yield dg.MaterializeResult(
                asset_key=AUTO_SCORES_KEY,
                metadata={"dagster/row_count": 0, SLICE_STATUS: dg.MetadataValue.text(status)},
            )
            return
        learned = result["learned"]
        distribution = con.execute(
            "select criterion_id, count(*), avg(score), "
            "count(*) filter (where evidence_start_ms is not null) "
            "from raw.auto_scores where cycle = $c group by criterion_id order by 1",
            {"c": window.cycle},
        ).fetchall()
    yield dg.MaterializeResult(
        asset_key=AUTO_SCORES_KEY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(row[1] for row in distribution)),
            SLICE_STATUS: dg.MetadataValue.text(status),
            "scorer_id": dg.MetadataValue.text(result["scorer_id"]),
            "per_criterion": markdown_table(
                distribution, ["criterion_id", "calls", "mean score", "with moment"]
            ),
            "seconds": dg.MetadataValue.json(result.get("seconds", {})),
            "learned_scorer_id": dg.MetadataValue.text(learned["scorer_id"] or "none"),
            "learned": dg.MetadataValue.json(
                {
                    "training_calls": learned.get("training_calls", 0),
                    "reason": learned.get("reason"),
                    "seconds": learned["seconds"],
                    "criteria": {
                        criterion: {
                            "scored_by": figures["scored_by"],
                            "within_one_rules": figures["rules"]["within_one_rate"],
                            "within_one_learned": figures["learned"]["within_one_rate"],
                        }
                        for criterion, figures in learned["criteria"].items()
                    },
                }
            ),
        },
    )
