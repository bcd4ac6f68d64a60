"""The Dagster code location: one function assembling Definitions from small modules."""

from __future__ import annotations

import dagster as dg

from assets.coaching_effect import coaching_effect_asset
from assets.dbt import assessment_dbt_models, followup_dbt_models
from assets.followup import followup, followup_significance
from assets.ingest import ingest_assets
from assets.publish import publish_assessment, publish_followup
from assets.reliability import rubric_reliability
from assets.reports import rep_scorecard_reports
from assets.scoring import auto_scores
from assets.validity import criterion_validity
from orchestration.checks import build_quality_checks
from orchestration.jobs import assess_cycle_job, followup_job
from orchestration.resources import build_resources
from orchestration.schedules import followup_schedule, quarterly_assessment_schedule


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[
            *ingest_assets,
            auto_scores,
            assessment_dbt_models,
            criterion_validity,
            rubric_reliability,
            followup,
            followup_dbt_models,
            followup_significance,
            coaching_effect_asset,
            publish_assessment,
            publish_followup,
            rep_scorecard_reports,
        ],
        asset_checks=build_quality_checks(),
        jobs=[assess_cycle_job, followup_job],
        schedules=[quarterly_assessment_schedule, followup_schedule],
        resources=build_resources(),
        # One DuckDB file allows one writer: the steps of a run execute one after another.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
