"""Layer 2: pure helpers for cycles and dbt arguments."""

import json
from datetime import UTC, date, datetime

import pytest

from assets.dbt import partitioned_dbt_args
from orchestration.partitions import cycle_key, cycle_window, latest_complete_partition


def test_cycle_window_is_half_open_quarter():
    window = cycle_window("2026-07-01")
    assert window.cycle == "2026-Q3"
    assert window.start == datetime(2026, 7, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 10, 1, tzinfo=UTC)
    assert window.assessment_date == date(2026, 10, 1)


def test_fourth_quarter_ends_next_year():
    window = cycle_window("2025-10-01")
    assert (window.cycle, window.end) == ("2025-Q4", datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("key", ["2026-07-02", "2026-08-01", "Q3"])
def test_a_key_that_is_not_a_quarter_start_is_refused(key):
    with pytest.raises(ValueError, match=key):
        cycle_window(key)


def test_cycle_keys_and_latest_complete_quarter():
    assert [cycle_key(date(2026, m, 1)) for m in (1, 3, 4, 12)] == [
        "2026-Q1",
        "2026-Q1",
        "2026-Q2",
        "2026-Q4",
    ]
    assert latest_complete_partition(date(2026, 11, 28)) == "2026-07-01"
    assert latest_complete_partition(date(2026, 10, 1)) == "2026-07-01"
    assert latest_complete_partition(date(2026, 1, 15)) == "2025-10-01"


def test_dbt_args_carry_window_and_method_settings():
    args = partitioned_dbt_args("2026-04-01", {"min_scored_calls": 12, "cycle": "ignored"})
    assert args[:4] == ["build", "--exclude-resource-type", "unit_test", "--vars"]
    assert json.loads(args[4]) == {
        "cycle": "2026-Q2",
        "cycle_start": "2026-04-01T00:00:00+00:00",
        "cycle_end": "2026-07-01T00:00:00+00:00",
        "min_scored_calls": 12,
    }
