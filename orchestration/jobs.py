"""Jobs: one cycle's assessment, its follow-up once the window has closed, and the
monthly check-ins (partitioned by month, so in a job of their own)."""

from __future__ import annotations

import dagster as dg

from assets.checkins import checkin_windows
from assets.dbt import checkin_dbt_models
from assets.publish import publish_checkins

CHECKINS = dg.AssetSelection.assets(checkin_windows, checkin_dbt_models, publish_checkins)

FOLLOWUP = (
    dg.AssetSelection.groups("follow_up")
    | dg.AssetSelection.assets(dg.AssetKey(["published", "followup_marts"]))
) - CHECKINS

assess_cycle_job = dg.define_asset_job(
    name="assess_cycle",
    selection=dg.AssetSelection.all() - FOLLOWUP - CHECKINS,
    description="Ingest, score and assess one quarterly cycle.",
)

followup_job = dg.define_asset_job(
    name="followup_cycle",
    selection=FOLLOWUP,
    description="Step 5: re-score a cycle's coached reps on the 30 days after it.",
)

checkin_job = dg.define_asset_job(
    name="monthly_checkin",
    selection=CHECKINS,
    description="Step 5: each coached rep's 5 most recent calls on the primary criterion "
    "against the cycle score, once a month.",
)
