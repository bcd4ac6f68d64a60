"""Quarterly assessment cycles.

Dagster has no quarterly partitions class; a cycle is a time window on the cron
``0 0 1 */3 *`` (the first day of January, April, July and October, UTC). Partition
keys are the quarter's first day (``YYYY-MM-DD``); marts carry the cycle key ``YYYY-Qn``.
Windows are half-open: ``start <= started_at < end``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import dagster as dg

CYCLE_CRON = "0 0 1 */3 *"
FIRST_CYCLE = "2022-01-01"

quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule=CYCLE_CRON,
    fmt="%Y-%m-%d",
    start=FIRST_CYCLE,
    timezone="UTC",
)


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

    def dbt_vars(self) -> dict[str, str]:
        """The vars every partitioned dbt invocation receives."""
        return {
            "cycle": self.cycle,
            "cycle_start": self.start.isoformat(),
            "cycle_end": self.end.isoformat(),
        }


def cycle_key(day: date) -> str:
    """``YYYY-Qn`` of the calendar quarter containing ``day``."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def next_quarter_start(day: date) -> date:
    start = quarter_start(day)
    return quarter_start(start + timedelta(days=95))


def cycle_window(partition_key: str) -> CycleWindow:
    """The cycle of a partition key (the quarter's first day, ``YYYY-MM-DD``)."""
    try:
        first_day = date.fromisoformat(partition_key)
    except ValueError as error:
        raise ValueError(
            f"partition key {partition_key!r} is not a date YYYY-MM-DD (a quarter's first day)"
        ) from error
    if first_day != quarter_start(first_day):
        raise ValueError(
            f"partition key {partition_key!r} is not the first day of a calendar quarter"
        )
    end = next_quarter_start(first_day)
    return CycleWindow(
        partition_key=partition_key,
        cycle=cycle_key(first_day),
        start=datetime(first_day.year, first_day.month, 1, tzinfo=UTC),
        end=datetime(end.year, end.month, 1, tzinfo=UTC),
    )


def latest_complete_partition(today: date) -> str:
    """The first day of the last quarter that ended on or before ``today``."""
    return (quarter_start(quarter_start(today) - timedelta(days=1))).isoformat()


# Monthly check-ins begin with the month after the first cycle's assessment.
FIRST_CHECKIN_MONTH = "2022-04-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(
    start_date=FIRST_CHECKIN_MONTH, timezone="UTC", fmt="%Y-%m-%d"
)


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
        return f"{self.month}-checkin"

    def dbt_vars(self) -> dict[str, str]:
        return {
            **self.cycle.dbt_vars(),
            "checkin_month": self.month,
            "checkin_end": self.end.isoformat(),
        }


def checkin_window(partition_key: str) -> CheckinWindow:
    """The check-in of a month (partition key: the month's first day, ``YYYY-MM-DD``): it
    looks at the calls from the last assessment date up to the month's end, on the primary
    criterion of the cycle assessed on or before the month's first day."""
    try:
        first_day = date.fromisoformat(partition_key)
    except ValueError as error:
        raise ValueError(
            f"partition key {partition_key!r} is not a date YYYY-MM-DD (a month's first day)"
        ) from error
    if first_day.day != 1:
        raise ValueError(f"partition key {partition_key!r} is not the first day of a month")
    following = (first_day + timedelta(days=31)).replace(day=1)
    assessed = quarter_start(quarter_start(first_day) - timedelta(days=1))
    return CheckinWindow(
        partition_key=partition_key,
        month=first_day.strftime("%Y-%m"),
        end=datetime(following.year, following.month, 1, tzinfo=UTC),
        cycle=cycle_window(assessed.isoformat()),
    )


def partitioned_dbt_args(
    partition_key: str,
    method_settings: Mapping[str, object] | None = None,
    *,
    monthly: bool = False,
    extra_vars: Mapping[str, object] | None = None,
) -> list[str]:
    """``dbt build`` arguments for one cycle (or check-in month): the method settings, then
    the half-open window and cycle key (and ``extra_vars``) as vars. Unit tests are
    design-time checks run by the test suite (tests/test_followup.py), not part of a
    production build."""
    window = checkin_window(partition_key) if monthly else cycle_window(partition_key)
    dbt_vars = {**(method_settings or {}), **window.dbt_vars(), **(extra_vars or {})}
    return [
        "build",
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        json.dumps(dbt_vars, sort_keys=True),
    ]
