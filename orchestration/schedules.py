"""Schedules: the quarterly assessment, and the follow-up once each window has closed."""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.jobs import assess_cycle_job, followup_job
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import cycle_window, latest_complete_partition
from salesassess.method.followup import followup_window_end, latest_coaching_date

quarterly_assessment_schedule = dg.build_schedule_from_partitioned_job(
    assess_cycle_job,
    name="quarterly_assessment",
    description="On the first day of each quarter, assess the quarter that just closed.",
)


@dg.schedule(
    job=followup_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    name="followup_when_window_closes",
    description="Daily: once the latest cycle's follow-up window has closed, re-score it "
    "(once per cycle).",
)
def followup_schedule(context: dg.ScheduleEvaluationContext, settings: AssessmentSettings):
    today = (context.scheduled_execution_time or datetime.now(UTC)).date()
    partition = latest_complete_partition(today)
    window = cycle_window(partition)
    days = int(settings.method()["followup_days"])
    try:
        with connect(settings.warehouse_path(), read_only=True) as con:
            last_coaching = latest_coaching_date(con, window.cycle)
    except duckdb.Error as error:
        return dg.SkipReason(f"warehouse not readable now ({error}); trying tomorrow")
    closes_on = followup_window_end(window, last_coaching, days)
    if today < closes_on:
        return dg.SkipReason(f"follow-up window of {window.cycle} closes on {closes_on}")
    return dg.RunRequest(run_key=f"followup-{partition}", partition_key=partition)
