"""The method's calendar: assessment cycles, follow-up and check-in windows, partition labels.

The one home of quarter arithmetic. A cycle is a fiscal quarter; the fiscal year starts on
the first day of ``ASSESSMENT_FISCAL_START_MONTH`` (1-12, default 1: calendar quarters). A
fiscal year is named by the calendar year it starts in, so with a February start the cycles
are ``2026-Q1`` = Feb-Apr 2026, ..., ``2026-Q4`` = Nov 2026-Jan 2027. Partition keys are the
cycle's first day (``YYYY-MM-DD``); marts carry the cycle key ``YYYY-Qn``. Windows are
half-open: ``start <= started_at < end``. The first cycle that can be assessed is
``ASSESSMENT_FIRST_CYCLE`` (default 2016-01-01, moved to its fiscal quarter's first day).

Standard library only: the Makefile runs ``python -m salesassess.method.calendar`` before any
virtual environment exists.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

FISCAL_START_MONTH_VARIABLE = "ASSESSMENT_FISCAL_START_MONTH"
FIRST_CYCLE_VARIABLE = "ASSESSMENT_FIRST_CYCLE"
DEFAULT_FIRST_CYCLE = "2016-01-01"
# the partition's window for a dbt run (macro partition_var, dbt_project/macros/cycle.sql)
PARTITION_VARIABLE = "ASSESSMENT_DBT_PARTITION"


class CalendarError(ValueError):
    """A partition key or calendar setting that is not valid: one line, for the user."""


def fiscal_start_month() -> int:
    """The month (1-12) the fiscal year starts in, from ``ASSESSMENT_FISCAL_START_MONTH``."""
    value = os.environ.get(FISCAL_START_MONTH_VARIABLE, "").strip() or "1"
    if not value.isdigit() or not 1 <= int(value) <= 12:
        raise CalendarError(f"{FISCAL_START_MONTH_VARIABLE}={value!r} is not a month 1-12")
    return int(value)


def _month_index(day: date) -> int:
    """Months since the start of fiscal year 0 (the first fiscal month of year 0 is 0)."""
    return day.year * 12 + day.month - 1 - (fiscal_start_month() - 1)


def _first_of(month_index: int) -> date:
    months = month_index + fiscal_start_month() - 1
    return date(months // 12, months % 12 + 1, 1)


def quarter_start(day: date) -> date:
    """The first day of the fiscal quarter containing ``day``."""
    return _first_of(_month_index(day) // 3 * 3)


def add_quarters(day: date, quarters: int) -> date:
    """The first day of the fiscal quarter ``quarters`` after the one containing ``day``."""
    return _first_of((_month_index(day) // 3 + quarters) * 3)


def next_quarter_start(day: date) -> date:
    return add_quarters(day, 1)


def cycle_key(day: date) -> str:
    """``YYYY-Qn`` of the fiscal quarter containing ``day`` (YYYY: the year it starts in)."""
    index = _month_index(day)
    return f"{index // 12}-Q{index % 12 // 3 + 1}"


def previous_cycle(cycle: str) -> str:
    """The cycle key before ``cycle``: ``2026-Q1`` -> ``2025-Q4``."""
    year, quarter = int(cycle[:4]), int(cycle[-1])
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def followup_label(cycle: str) -> str:
    """The raw tables' partition label of a cycle's 30-day follow-up window."""
    return f"{cycle}-followup"


def checkin_label(month: str) -> str:
    """The raw tables' partition label of a monthly check-in (``YYYY-MM``)."""
    return f"{month}-checkin"


def cycle_cron() -> str:
    """The cron of cycle starts: the first day of each fiscal quarter's first month."""
    if fiscal_start_month() == 1:
        return "0 0 1 */3 *"
    months = sorted((fiscal_start_month() - 1 + 3 * n) % 12 + 1 for n in range(4))
    return f"0 0 1 {','.join(str(m) for m in months)} *"


def first_cycle() -> date:
    """The first assessable cycle's first day (``ASSESSMENT_FIRST_CYCLE``)."""
    value = os.environ.get(FIRST_CYCLE_VARIABLE, "").strip() or DEFAULT_FIRST_CYCLE
    try:
        return quarter_start(date.fromisoformat(value))
    except ValueError as error:
        raise CalendarError(f"{FIRST_CYCLE_VARIABLE}={value!r} is not a date YYYY-MM-DD") from error


def first_checkin_month() -> date:
    """Monthly check-ins begin with the month after the first cycle's assessment."""
    return next_quarter_start(first_cycle())


@dataclass(frozen=True)
class CycleWindow:
    """One assessment cycle: its key and its half-open time window."""

    partition_key: str
    cycle: str
    start: datetime
    end: datetime

    @property
    def assessment_date(self) -> date:
        """The first day after the cycle's quarter."""
        return self.end.date()

    @property
    def followup_label(self) -> str:
        return followup_label(self.cycle)

    def dbt_vars(self) -> dict[str, str]:
        """The vars every partitioned dbt invocation receives."""
        return {
            "cycle": self.cycle,
            "cycle_start": self.start.isoformat(),
            "cycle_end": self.end.isoformat(),
            "previous_cycle": previous_cycle(self.cycle),
            "followup_label": self.followup_label,
        }


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _parse_key(partition_key: str, what: str) -> date:
    try:
        return date.fromisoformat(partition_key)
    except ValueError as error:
        raise CalendarError(
            f"partition {partition_key!r} is not a date YYYY-MM-DD ({what})"
        ) from error


def cycle_window(partition_key: str) -> CycleWindow:
    """The cycle of a partition key (the fiscal quarter's first day, ``YYYY-MM-DD``)."""
    first_day = _parse_key(partition_key, "a quarter's first day")
    if first_day != quarter_start(first_day):
        raise CalendarError(
            f"partition {partition_key!r} is not the first day of a quarter "
            f"(the quarter containing it starts {quarter_start(first_day).isoformat()})"
        )
    if first_day < first_cycle():
        raise CalendarError(
            f"partition {partition_key!r} is before the first cycle "
            f"{first_cycle().isoformat()}: set {FIRST_CYCLE_VARIABLE} to assess earlier quarters"
        )
    return CycleWindow(
        partition_key=partition_key,
        cycle=cycle_key(first_day),
        start=_midnight(first_day),
        end=_midnight(next_quarter_start(first_day)),
    )


def latest_complete_partition(today: date) -> str:
    """The first day of the last quarter that ended on or before ``today``."""
    return add_quarters(today, -1).isoformat()


@dataclass(frozen=True)
class CheckinWindow:
    """One monthly check-in: the month and the last quarterly assessment before it."""

    partition_key: str
    month: str
    end: datetime
    cycle: CycleWindow

    @property
    def label(self) -> str:
        """The partition label of the check-in's calls and scores in the raw tables."""
        return checkin_label(self.month)

    def dbt_vars(self) -> dict[str, str]:
        return {
            **self.cycle.dbt_vars(),
            "checkin_month": self.month,
            "checkin_end": self.end.isoformat(),
            "checkin_label": self.label,
        }


def checkin_window(partition_key: str) -> CheckinWindow:
    """The check-in of a month (partition key: the month's first day, ``YYYY-MM-DD``): it
    looks at the calls from the last assessment date up to the month's end, on the primary
    criterion of the cycle assessed on or before the month's first day."""
    first_day = _parse_key(partition_key, "a month's first day")
    if first_day.day != 1:
        raise CalendarError(f"partition {partition_key!r} is not the first day of a month")
    following = (first_day + timedelta(days=31)).replace(day=1)
    return CheckinWindow(
        partition_key=partition_key,
        month=first_day.strftime("%Y-%m"),
        end=_midnight(following),
        cycle=cycle_window(add_quarters(first_day, -1).isoformat()),
    )


def _window(partition_key: str, monthly: bool) -> CycleWindow | CheckinWindow:
    return checkin_window(partition_key) if monthly else cycle_window(partition_key)


def partitioned_dbt_args(
    partition_key: str,
    method_settings: Mapping[str, object] | None = None,
    *,
    monthly: bool = False,
    extra_vars: Mapping[str, object] | None = None,
    window_as_vars: bool = True,
) -> list[str]:
    """``dbt build`` arguments for one cycle (or check-in month): the method settings, then
    the half-open window and cycle key (and ``extra_vars``) as vars. With
    ``window_as_vars=False`` the window is left out, for a run given
    :func:`partition_environment` instead. Unit tests are design-time checks run by the test
    suite (tests/method/test_followup.py), not part of a production build."""
    window_vars = _window(partition_key, monthly).dbt_vars() if window_as_vars else {}
    dbt_vars = {**(method_settings or {}), **window_vars, **(extra_vars or {})}
    return [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(dbt_vars, sort_keys=True),
    ]


def partition_environment(partition_key: str, *, monthly: bool = False) -> dict[str, str]:
    """The window of one cycle (or check-in month) as the environment of a dbt run: one
    variable, read by the dbt macro ``partition_var`` at run time only. Unlike a var, it
    leaves dbt's saved parse of the project valid from one partition to the next."""
    window_vars = _window(partition_key, monthly).dbt_vars()
    return {PARTITION_VARIABLE: json.dumps(window_vars, sort_keys=True)}


def main(argv: list[str] | None = None) -> int:
    """``python -m salesassess.method.calendar latest [YYYY-MM-DD]``: the latest complete cycle's
    partition key (as of today, UTC, or the given day)."""
    import argparse

    from salesassess.platform.environment import load_dotenv

    load_dotenv()
    parser = argparse.ArgumentParser(
        prog="python -m salesassess.method.calendar",
        description="Print the partition key (first day) of the latest complete cycle.",
    )
    parser.add_argument("command", choices=["latest"], help="what to print")
    parser.add_argument(
        "day", nargs="?", default=None, help="as of this day, YYYY-MM-DD (default: today, UTC)"
    )
    args = parser.parse_args(argv)
    try:
        today = date.fromisoformat(args.day) if args.day else datetime.now(UTC).date()
        print(latest_complete_partition(today))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
