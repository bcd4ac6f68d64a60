"""Score step: the automated scorer over every call of the cycle with a transcript.

The rubric version the cycle is assessed under (the latest effective before the cycle's
end) declares the signals and rules (see :mod:`salesassess.scoring.auto_scorer`); its scores land in
``raw.auto_scores`` beside the human and external ones (``scorer_kind = auto``, a scorer id
naming the rubric version and scorer version) with the moment that decided each score.
A rubric without signals leaves the table empty for the cycle.

Then the learned scorer (:mod:`salesassess.scoring.learned_scorer`) trains, per criterion with
enough human scores of the cycle, a model on them, cross-validates it against the rules, and
lets the better of the two score the criterion's calls (``raw.auto_scorer_candidates``
keeps both held-out figures). Settings: the dbt vars ``learned_scorer_enabled``,
``learned_scorer_min_scored_calls`` and ``learned_scorer_use_external``.
"""

import dagster as dg

from assets.mart_metadata import SLICE_STATUS, markdown_table
from orchestration.assessment_engine import AssessmentEngine
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.landing.ingest import slice_status
from salesassess.method.calendar import cycle_window
from salesassess.scoring.learned_scorer import (
    LearnedSettings,
)

AUTO_SCORES_KEY = dg.AssetKey(["raw", "auto_scores"])


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
