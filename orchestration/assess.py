"""`make assess PARTITION=...`: materialise every asset of one quarter, as runs the Dagster
UI shows: the assessment, then the follow-up when its window has closed (else it says
when it will)."""

from __future__ import annotations

import argparse
import sys

import dagster as dg

from assets.followup import followup_window_end, latest_coaching_date
from assets.warehouse import connect
from orchestration.definitions import build_definitions
from orchestration.partitions import cycle_window
from orchestration.settings import AssessmentSettings


def followup_closes_on(partition: str, settings: AssessmentSettings):
    window = cycle_window(partition)
    with connect(settings.warehouse_path()) as con:
        last = latest_coaching_date(con, window.cycle)
    return followup_window_end(window, last, int(settings.method()["followup_days"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partition", required=True, help="quarter's first day, YYYY-MM-DD")
    args = parser.parse_args(argv)
    cycle_window(args.partition)
    defs = build_definitions()
    settings = AssessmentSettings()
    with dg.DagsterInstance.get() as instance:
        result = defs.resolve_job_def("assess_cycle").execute_in_process(
            partition_key=args.partition, instance=instance, raise_on_error=False
        )
        if not result.success:
            print(f"assessment of {args.partition} failed; see the messages above")
            return 1
        closes_on = followup_closes_on(args.partition, settings)
        if settings.as_of() < closes_on:
            print(
                f"follow-up of {cycle_window(args.partition).cycle} not run: its window "
                f"closes on {closes_on.isoformat()}"
            )
            return 0
        result = defs.resolve_job_def("followup_cycle").execute_in_process(
            partition_key=args.partition, instance=instance, raise_on_error=False
        )
        if not result.success:
            print(f"follow-up of {args.partition} failed; see the messages above")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
