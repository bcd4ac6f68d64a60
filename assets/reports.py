"""The ``reports/rep_scorecards`` asset: a cycle's static HTML scorecards, written under
``ASSESSMENT_REPORTS_DIR`` (default ``data/reports``) once its marts are checked and
published, from the published file (one version per cycle state: never one run's
assessment next to another's follow-up). The pages and charts are made by
:mod:`salesassess.publishing.reporting`."""

import json

import dagster as dg

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.method.calendar import cycle_window
from salesassess.publishing.reporting import REPORT_MARTS, write_cycle_reports

REPORTS_KEY = dg.AssetKey(["reports", "rep_scorecards"])
__all__ = ["REPORTS_KEY", "REPORT_MARTS", "rep_scorecard_reports"]


@dg.multi_asset(
    name="rep_scorecard_reports",
    specs=[
        dg.AssetSpec(
            key=REPORTS_KEY,
            group_name="publish",
            deps=[
                dg.AssetKey(["published", "assessment_marts"]),
                dg.AssetKey(["published", "followup_marts"]),
            ],
            description="Static HTML scorecards of the cycle: one page per rep (criteria vs "
            "team as a chart, the trend over the last cycles, last cycle's priorities and "
            "their follow-up, two priorities with practice scenarios, three evidence moments, "
            "close rate, follow-up once available), an index per manager and per cycle, the "
            "manager-effectiveness and criterion-vs-win charts. Written under "
            "ASSESSMENT_REPORTS_DIR.",
            kinds={"html", "python"},
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def rep_scorecard_reports(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    report, result = write_cycle_reports(
        settings.published_path(),
        settings.reports_path(),
        cycle,
        int(settings.method()["min_scored_calls"]),
    )
    preview = [
        (
            rep.manager_id,
            rep.rep_name,
            rep.weighted_score,
            ", ".join(p["criterion_id"] for p in rep.priorities) or rep.sample_status,
            rep.followup["status"] if rep.followup else "-",
        )
        for rep in report.reps[:10]
    ]
    yield dg.MaterializeResult(
        asset_key=REPORTS_KEY,
        metadata={
            "index": dg.MetadataValue.path(str(result.folder / "index.html")),
            "rep_pages": dg.MetadataValue.int(result.rep_pages),
            "manager_pages": dg.MetadataValue.int(result.manager_pages),
            "followup_included": dg.MetadataValue.bool(result.followup_included),
            "render_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "team_gaps": dg.MetadataValue.json(
                json.loads(json.dumps(report.team_gaps, default=str))
            ),
            "preview": markdown_table(
                preview, ["manager", "rep", "weighted score", "priorities", "follow-up"]
            ),
        },
    )
