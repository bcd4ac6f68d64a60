"""Jobs: one cycle's full assessment."""

from __future__ import annotations

import dagster as dg

from orchestration.partitions import quarterly_partitions

assess_cycle_job = dg.define_asset_job(
    name="assess_cycle",
    selection=dg.AssetSelection.all(),
    partitions_def=quarterly_partitions,
    description="Ingest, score and assess one quarterly cycle.",
)
