"""`make assess PARTITION=...`: materialise every asset of one quarter, as runs the Dagster
UI shows: the assessment, then the follow-up when its window has closed (else it says
when it will), then the monthly check-ins of the months after it that are over."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import dagster as dg

from orchestration.checkin_definitions import build_checkin_definitions
from orchestration.definitions import build_definitions
from orchestration.settings import AssessmentSettings
from salesassess.calendar import CalendarError, checkin_window, cycle_window, quarter_start
from salesassess.followup import followup_window_end, latest_coaching_date
from salesassess.warehouse import connect


def followup_closes_on(partition: str, settings: AssessmentSettings):
    window = cycle_window(partition)
    with connect(settings.warehouse_path(), read_only=True) as con:
        last = latest_coaching_date(con, window.cycle)
    return followup_window_end(window, last, int(settings.method()["followup_days"]))


def partitions_ending_at(partition: str, quarters: int) -> list[str]:
    """The ``quarters`` partition keys up to and including ``partition``, oldest first."""
    keys = [cycle_window(partition)]
    while len(keys) < quarters:
        keys.insert(0, cycle_window(previous_partition(keys[0].partition_key)))
    return [window.partition_key for window in keys]


def previous_partition(partition: str) -> str:
    start = cycle_window(partition).start.date()
    return quarter_start(start - timedelta(days=1)).isoformat()


def checkin_partitions(partition: str, today) -> list[str]:
    """The monthly check-ins following up ``partition``'s cycle whose month is over."""
    months = []
    day = cycle_window(partition).assessment_date
    for _ in range(3):
        window = checkin_window(day.isoformat())
        if window.cycle.partition_key == partition and window.end.date() <= today:
            months.append(window.partition_key)
        day = window.end.date()
    return months


def assess(partition: str, instance: dg.DagsterInstance, log_level: str) -> bool:
    """The cycle's assessment, its follow-up if the window has closed, and the check-ins of
    the months after it that are over."""
    defs = build_definitions()
    settings = AssessmentSettings()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}

    checkin_defs = build_checkin_definitions()

    def run(job: str, key: str, what: str) -> bool:
        location = checkin_defs if job == "monthly_checkin" else defs
        result = location.resolve_job_def(job).execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False, run_config=run_config
        )
        if not result.success:
            print(f"{what} failed; see the messages above")
        return result.success

    cycle = cycle_window(partition).cycle
    print(f"assessing {cycle} (partition {partition})", flush=True)
    if not run("assess_cycle", partition, f"assessment of {cycle}"):
        return False
    closes_on = followup_closes_on(partition, settings)
    if settings.as_of() < closes_on:
        print(f"follow-up of {cycle} not run: its window closes on {closes_on.isoformat()}")
    elif not run("followup_cycle", partition, f"follow-up of {cycle}"):
        return False
    return all(
        run("monthly_checkin", month, f"check-in of {month[:7]}")
        for month in checkin_partitions(partition, settings.as_of())
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partition", required=True, help="quarter's first day, YYYY-MM-DD")
    parser.add_argument(
        "--quarters", type=int, default=1, help="also assess the quarters before, oldest first"
    )
    parser.add_argument("--log-level", default="WARNING", help="Dagster console log level")
    args = parser.parse_args(argv)
    try:
        partitions = partitions_ending_at(args.partition, args.quarters)
    except CalendarError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with dg.DagsterInstance.get() as instance:
        for partition in partitions:
            if not assess(partition, instance, args.log_level):
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
