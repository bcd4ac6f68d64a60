"""Materialise every asset of one quarter, as runs the Dagster UI shows: the assessment,
then the follow-up once its window has closed (else it says when it closes), then the
monthly check-ins of the months after it that are over. Prints one line per step with its
elapsed time and counts; -v adds Dagster's and dbt's full logs."""

from __future__ import annotations

import contextlib
import os
import sys
from datetime import timedelta
from pathlib import Path

import yaml

from salesassess.method.calendar import CalendarError, checkin_window, cycle_window, quarter_start
from salesassess.platform.commands import fail, parser, prepare_environment

PROG = "python -m orchestration.assess"


def followup_closes_on(partition: str, settings):
    from salesassess.engines.warehouse import connect
    from salesassess.method.followup import followup_window_end, latest_coaching_date

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


def cycle_counts(settings, cycle: str) -> str:
    """The cycle's key counts from the warehouse, for the line closing its assessment."""
    from salesassess.engines.warehouse import connect

    with connect(settings.warehouse_path(), read_only=True) as con:
        calls, quarantined, scored, reps, with_priorities = con.execute(
            "select (select count(*) from raw.calls where cycle = $c), "
            "(select count(*) from raw.quarantine where cycle = $c), "
            "(select count(*) from marts.fct_call_scores where cycle = $c "
            " and weighted_score is not null), "
            "(select count(*) from marts.fct_rep_scorecards where cycle = $c), "
            "(select count(distinct rep_id) from marts.fct_coaching_priorities where cycle = $c)",
            {"c": cycle},
        ).fetchone()
    return (
        f"{calls:,} calls ingested, {quarantined:,} rows quarantined, {scored:,} calls scored, "
        f"{with_priorities} of {reps} reps with coaching priorities"
    )


def assess(partition: str, instance, verbose: bool, log_level: str) -> bool:
    """The cycle's assessment, its follow-up if the window has closed, and the check-ins of
    the months after it that are over."""
    import time

    import dagster as dg

    from orchestration.checkin_definitions import build_checkin_definitions
    from orchestration.definitions import build_definitions
    from orchestration.progress import StepPrinter, log_file_logger, progress_logger
    from orchestration.settings import AssessmentSettings

    defs = build_definitions()
    checkin_defs = build_checkin_definitions()
    settings = AssessmentSettings()
    log_dir = Path(os.environ["DAGSTER_HOME"]) / "assess_logs"

    def run(job: str, key: str, what: str) -> bool:
        location = checkin_defs if job == "monthly_checkin" else defs
        started = time.monotonic()
        print(f"{what} ({job}, partition {key})", flush=True)
        loggers = {}
        run_config: dict = {"loggers": {"progress": {}}}
        log_file = None
        if verbose:
            loggers["console"] = dg.colored_console_logger
            run_config["loggers"]["console"] = {"config": {"log_level": log_level}}
        else:
            # what dbt and the libraries print goes to a file; the step lines to the screen
            log_dir.mkdir(parents=True, exist_ok=True)
            log_file = log_dir / f"{job}-{key}.log"
        with contextlib.ExitStack() as stack:
            printer = stack.enter_context(StepPrinter(sys.stdout))
            loggers["progress"] = progress_logger(printer)
            if log_file is not None:
                output = stack.enter_context(log_file.open("w", encoding="utf-8"))
                stack.enter_context(contextlib.redirect_stdout(output))
                loggers["log_file"] = log_file_logger(output)
                run_config["loggers"]["log_file"] = {}
            result = (
                location.resolve_job_def(job)
                .with_logger_defs(loggers)
                .execute_in_process(
                    partition_key=key,
                    instance=instance,
                    raise_on_error=False,
                    run_config=run_config,
                )
            )
        elapsed = time.monotonic() - started
        if not result.success:
            where = "the lines above" if log_file is None else f"{log_file} (or run with -v)"
            step = "".join(f" at step {key}: {error}" for key, error in printer.failures[:1])
            print(f"{what} failed after {elapsed:.1f} s{step}; the full log: {where}", flush=True)
        else:
            print(f"{what} done in {elapsed:.1f} s", flush=True)
        return result.success

    cycle = cycle_window(partition).cycle
    if not run("assess_cycle", partition, f"assessment of {cycle}"):
        return False
    print(
        f"  {cycle}: {cycle_counts(settings, cycle)}; published to {settings.published_path()}",
        flush=True,
    )
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
    arguments = parser(PROG, __doc__)
    arguments.add_argument(
        "--partition",
        required=True,
        help="the quarter to assess: its first day, YYYY-MM-DD (e.g. 2026-07-01)",
    )
    arguments.add_argument(
        "--quarters", type=int, default=1, help="also assess the quarters before, oldest first"
    )
    arguments.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print Dagster's and dbt's full logs besides the step lines",
    )
    arguments.add_argument(
        "--log-level", default="DEBUG", help="level of the full logs printed with -v"
    )
    args = arguments.parse_args(argv)
    prepare_environment()
    try:
        partitions = partitions_ending_at(args.partition, args.quarters)
    except CalendarError as error:
        return fail(str(error))
    if args.quarters < 1:
        return fail("--quarters must be 1 or more")

    import dagster as dg

    from orchestration.settings import AssessmentSettings
    from orchestration.writer import hold_warehouse, killed_runs_line
    from salesassess.platform.writer_lock import LockUnavailable, WarehouseBusy

    settings = AssessmentSettings()
    try:
        settings.method()  # a settings file that is missing or no mapping: before any run
    except (ValueError, yaml.YAMLError) as error:
        return fail(str(error))
    warehouse = settings.warehouse_path()
    holder = f"make assess --partition {args.partition} --quarters {args.quarters}"
    with dg.DagsterInstance.get() as instance:
        try:
            # one writer: no other run's step slips in between these runs' steps
            with hold_warehouse(warehouse, instance, holder, outputs=settings.outputs()) as killed:
                if killed:
                    print(killed_runs_line(killed), flush=True)
                for partition in partitions:
                    if not assess(partition, instance, args.verbose, args.log_level):
                        return 1
        except WarehouseBusy as error:
            print(f"error: {error}", file=sys.stderr)
            return 3
        except LockUnavailable as error:  # a configured path under a file, or unwritable
            return fail(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
