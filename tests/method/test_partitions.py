"""Layer 2: pure helpers for cycles and dbt arguments."""

import json
import os
from datetime import UTC, date, datetime

import pytest

from assets.dbt import _environment, _keep_partial_parse, partitioned_dbt_args
from salesassess.method.calendar import (
    PARTITION_VARIABLE,
    CalendarError,
    checkin_window,
    cycle_cron,
    cycle_key,
    cycle_window,
    latest_complete_partition,
    partition_environment,
    previous_cycle,
)


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
        "previous_cycle": "2026-Q1",
        "followup_label": "2026-Q2-followup",
        "min_scored_calls": 12,
    }


def test_the_window_can_go_to_dbt_in_the_environment_instead():
    """Dagster's runs: the method settings as vars (dbt's saved parse stays valid), the
    window in one environment variable that the macro partition_var reads."""
    args = partitioned_dbt_args(
        "2026-11-01", {"min_scored_calls": 12}, monthly=True, window_as_vars=False
    )
    assert json.loads(args[4]) == {"min_scored_calls": 12}
    environment = partition_environment("2026-11-01", monthly=True)
    assert list(environment) == [PARTITION_VARIABLE]
    window = json.loads(environment[PARTITION_VARIABLE])
    assert window == checkin_window("2026-11-01").dbt_vars()
    assert (window["checkin_month"], window["cycle"]) == ("2026-11", "2026-Q3")
    assert json.loads(partition_environment("2026-04-01")[PARTITION_VARIABLE]) == {
        "cycle": "2026-Q2",
        "cycle_start": "2026-04-01T00:00:00+00:00",
        "cycle_end": "2026-07-01T00:00:00+00:00",
        "previous_cycle": "2026-Q1",
        "followup_label": "2026-Q2-followup",
    }


def test_the_window_is_in_the_environment_only_while_dbt_starts(monkeypatch):
    monkeypatch.delenv(PARTITION_VARIABLE, raising=False)
    monkeypatch.setenv("ASSESSMENT_WAREHOUSE", "kept.duckdb")
    with _environment({PARTITION_VARIABLE: "{}", "ASSESSMENT_WAREHOUSE": "w.duckdb"}):
        assert (os.environ[PARTITION_VARIABLE], os.environ["ASSESSMENT_WAREHOUSE"]) == (
            "{}",
            "w.duckdb",
        )
    assert PARTITION_VARIABLE not in os.environ
    assert os.environ["ASSESSMENT_WAREHOUSE"] == "kept.duckdb"


def test_a_runs_parse_is_kept_whole_for_the_next_run(tmp_path):
    run, project = tmp_path / "run", tmp_path / "target"
    run.mkdir()
    project.mkdir()
    kept = project / "partial_parse.msgpack"
    kept.write_bytes(b"previous")
    _keep_partial_parse(run, project)  # the run saved no parse: the previous one stays
    assert kept.read_bytes() == b"previous"
    (run / "partial_parse.msgpack").write_bytes(b"this run's")
    _keep_partial_parse(run, project)
    assert [path.name for path in project.iterdir()] == ["partial_parse.msgpack"]
    assert kept.read_bytes() == b"this run's"
    _keep_partial_parse(run, tmp_path / "no such folder")  # cannot write there: nothing kept
    assert not (tmp_path / "no such folder").exists()


def test_a_quarter_in_2020_is_a_cycle_by_default():
    window = cycle_window("2020-04-01")
    assert (window.cycle, window.end) == ("2020-Q2", datetime(2020, 7, 1, tzinfo=UTC))


def test_a_partition_before_the_first_cycle_names_the_setting(monkeypatch):
    monkeypatch.setenv("ASSESSMENT_FIRST_CYCLE", "2021-01-01")
    with pytest.raises(
        CalendarError, match="before the first cycle 2021-01-01: set ASSESSMENT_FIRST"
    ):
        cycle_window("2020-10-01")


def test_a_fiscal_year_starting_in_february(monkeypatch):
    # fiscal year 2026 = Feb 2026 .. Jan 2027, named by the year it starts in
    monkeypatch.setenv("ASSESSMENT_FISCAL_START_MONTH", "2")
    window = cycle_window("2026-02-01")
    assert (window.cycle, window.start, window.end) == (
        "2026-Q1",
        datetime(2026, 2, 1, tzinfo=UTC),
        datetime(2026, 5, 1, tzinfo=UTC),
    )
    assert cycle_key(date(2027, 1, 31)) == "2026-Q4"
    assert cycle_key(date(2026, 1, 31)) == "2025-Q4"
    assert cycle_window("2026-11-01").end == datetime(2027, 2, 1, tzinfo=UTC)
    assert cycle_cron() == "0 0 1 2,5,8,11 *"
    assert latest_complete_partition(date(2026, 11, 28)) == "2026-08-01"
    # the January check-in follows up the Aug-Oct cycle (assessed on Nov 1)
    assert checkin_window("2027-01-01").cycle.cycle == "2026-Q3"
    with pytest.raises(CalendarError, match="the quarter containing it starts 2026-05-01"):
        cycle_window("2026-07-01")


def test_previous_cycle_crosses_the_year():
    assert [previous_cycle(c) for c in ("2026-Q1", "2026-Q4")] == ["2025-Q4", "2026-Q3"]


def test_the_fiscal_start_month_must_be_a_month(monkeypatch):
    monkeypatch.setenv("ASSESSMENT_FISCAL_START_MONTH", "13")
    with pytest.raises(CalendarError, match="ASSESSMENT_FISCAL_START_MONTH='13' is not a month"):
        cycle_key(date(2026, 1, 1))
