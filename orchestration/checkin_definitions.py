"""The monthly check-ins' code location.

Check-ins are partitioned by month, the rest of the method by quarter. They live in a
code location of their own (``workspace.yaml`` loads both) so that every asset of
``orchestration.definitions`` shares the quarterly partitions and
``dagster asset materialize -m orchestration.definitions --select '*' --partition
2026-07-01`` materialises a whole quarter. The Dagster UI shows both locations in one
asset graph: the check-ins read the quarterly marts by asset key.
"""

from __future__ import annotations

import dagster as dg

from assets.checkins import checkin_windows
from assets.dbt import checkin_dbt_models
from assets.publish import publish_checkins
from orchestration.jobs import WRITER_TAGS
from orchestration.resources import build_resources

checkin_job = dg.define_asset_job(
    name="monthly_checkin",
    selection=dg.AssetSelection.assets(checkin_windows, checkin_dbt_models, publish_checkins),
    description="Step 5: each coached rep's 5 most recent calls on the primary criterion "
    "against the cycle score, once a month.",
    tags=WRITER_TAGS,
)

monthly_checkin_schedule = dg.build_schedule_from_partitioned_job(
    checkin_job,
    name="monthly_checkin",
    hour_of_day=4,
    description="On the first day of each month, check the month that just closed against "
    "the last quarterly assessment.",
)


def build_checkin_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[checkin_windows, checkin_dbt_models, publish_checkins],
        jobs=[checkin_job],
        schedules=[monthly_checkin_schedule],
        resources=build_resources(),
        executor=dg.in_process_executor,
    )


defs = build_checkin_definitions()
