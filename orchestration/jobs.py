"""Jobs: one cycle's full assessment."""

from __future__ import annotations

import dagster as dg

assess_cycle_job = dg.define_asset_job(
    name="assess_cycle",
    selection=dg.AssetSelection.all(),
    description="Ingest, score and assess one quarterly cycle.",
)
