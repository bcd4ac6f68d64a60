"""Schedules: the quarterly assessment of the quarter that just closed."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import assess_cycle_job

quarterly_assessment_schedule = dg.build_schedule_from_partitioned_job(
    assess_cycle_job,
    name="quarterly_assessment",
    description="On the first day of each quarter, assess the quarter that just closed.",
)
