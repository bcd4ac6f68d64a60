"""Jobs: one cycle's assessment, and its follow-up once the window has closed."""

from __future__ import annotations

import dagster as dg

FOLLOWUP = dg.AssetSelection.groups("follow_up") | dg.AssetSelection.assets(
    dg.AssetKey(["published", "followup_marts"])
)
# The scorecards are written by the assessment and written again, with the follow-up
# result, by the follow-up.
REPORTS = dg.AssetSelection.assets(dg.AssetKey(["reports", "rep_scorecards"]))
# Every job writes the warehouse: a run queue limit on this tag (dagster.yaml,
# concurrency.runs.tag_concurrency_limits) makes launched runs wait their turn; the writer
# lock (orchestration.writer) refuses any other writer.
WRITER_TAGS = {"assessment/writer": "warehouse"}

assess_cycle_job = dg.define_asset_job(
    name="assess_cycle",
    selection=dg.AssetSelection.all() - FOLLOWUP,
    description="Ingest, score and assess one quarterly cycle.",
    tags=WRITER_TAGS,
)

followup_job = dg.define_asset_job(
    name="followup_cycle",
    selection=FOLLOWUP | REPORTS,
    description="Step 5: re-score a cycle's coached reps on the 30 days after it, and rewrite the "
    "scorecards with the result.",
    tags=WRITER_TAGS,
)
