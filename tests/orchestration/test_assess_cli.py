"""`make assess` (orchestration.assess): exit codes a scheduler can trust."""

from __future__ import annotations

import re

import pytest

from orchestration.assess import main
from tests.helpers import FIXTURE_PARTITION, SMALL_LANDING, query


def test_a_partition_that_is_not_a_quarter_start_is_one_line_and_exit_2(capsys):
    assert main(["--partition", "2026-07-02"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "error: partition '2026-07-02' is not the first day of a quarter "
        "(the quarter containing it starts 2026-07-01)\n"
    )


def test_a_partition_before_the_first_cycle_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_FIRST_CYCLE", "2022-01-01")
    assert main(["--partition", "2021-10-01"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.fixture
def no_priorities(environment, tmp_path):
    # every rep's sample is too small for a priority: a valid, empty coaching result
    config = tmp_path / "method.yaml"
    config.write_text("min_scored_calls: 1000\n", encoding="utf-8")
    environment["patch"].setenv("ASSESSMENT_CONFIG", str(config))
    environment["patch"].setenv("ASSESSMENT_TODAY", "2026-11-28")
    return environment["warehouse"]


def test_a_cycle_without_priorities_assesses_and_checks_in_with_exit_0(no_priorities, capsys):
    assert main(["--partition", FIXTURE_PARTITION]) == 0
    out = capsys.readouterr().out
    assert "failed" not in out
    # what a person sees (not a terminal: plain lines): one line per step, elapsed and counts
    # (tests/orchestration/test_pipeline.py: 5 calls of 2026-Q3 accepted, 2 quarantined; 7 rows
    # quarantined in all; c1, c2, c4, c7 scored; no rep reaches 1000 scored calls)
    assert "\r" not in out and "\x1b" not in out
    assert "Running with dbt" not in out  # dbt's own lines go to the log file
    assert re.search(r"^  raw__calls +\d+\.\d s  5 accepted, 2 quarantined$", out, re.M)
    assert re.search(r"^  assessment_dbt_models +\d+\.\d s  \d+ assets, checks", out, re.M)
    assert re.search(r"^  rep_scorecard_reports +\d+\.\d s  3 rep scorecards$", out, re.M)
    assert (
        "  2026-Q3: 5 calls ingested, 7 rows quarantined, 4 calls scored, "
        "0 of 3 reps with coaching priorities; published to "
        f"{no_priorities.with_name('published.duckdb')}\n" in out
    )
    assert re.search(r"^assessment of 2026-Q3 done in \d+\.\d s$", out, re.M)
    assert query(no_priorities, "select count(*) from marts.fct_coaching_priorities") == [(0,)]
    # the check-in month that is over by 2026-11-28 ran and recorded its (empty) window
    assert query(no_priorities, "select month from raw.checkin_windows order by month") == [
        ("2026-10",)
    ]
    assert query(no_priorities, "select count(*) from marts.fct_monthly_checkins") == [(0,)]


def test_a_failed_step_is_named_with_its_error_and_a_log_holding_the_traceback(
    environment, tmp_path, capsys
):
    # a landing without a rubric: the rubric step stops the cycle
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("reps.csv", "calls.csv"):
        (landing / name).write_bytes((SMALL_LANDING / name).read_bytes())
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    environment["patch"].setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert main(["--partition", FIXTURE_PARTITION]) == 1
    out = capsys.readouterr().out
    log = tmp_path / "home" / "assess_logs" / f"assess_cycle-{FIXTURE_PARTITION}.log"
    error = (
        f"RubricError: {landing / 'rubric.yaml'}: rule rubric_present: no rubric.yaml and no "
        "rubrics/ folder in the landing folder"
    )
    assert re.search(r"^  raw__rubric +\d+\.\d s  FAILED: " + re.escape(error) + "$", out, re.M)
    assert re.search(
        r"^assessment of 2026-Q3 failed after \d+\.\d s at step raw__rubric: "
        + re.escape(f"{error}; the full log: {log} (or run with -v)")
        + "$",
        out,
        re.M,
    )
    text = log.read_text(encoding="utf-8")
    assert "Stack Trace:" in text and 'File "' in text and error in text


def test_a_blocking_check_that_fails_is_named_with_what_it_found(environment, tmp_path, capsys):
    # every rep without a manager: both quarantined, the cycle has no rep to assess
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("rubric.yaml", "calls.csv"):
        (landing / name).write_bytes((SMALL_LANDING / name).read_bytes())
    (landing / "reps.csv").write_text("rep_id,rep_name,manager_id\nr1,Ana Silva,\nr2,Ben,\n")
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    assert main(["--partition", FIXTURE_PARTITION]) == 1
    out = capsys.readouterr().out
    found = (
        "raw.reps 2026-Q3: 1 of 6 expectations fail, 0 failing row(s) of 0. [has_reps] the "
        "cycle has at least one rep: fails (observed 0)."
    )
    assert re.search(r"^  raw__reps +\d+\.\d s  0 accepted, 2 quarantined$", out, re.M)
    assert re.search(r"^  raw__reps_gx_quality +\d+\.\d s  FAILED: " + re.escape(found), out, re.M)
    assert re.search(
        r"^assessment of 2026-Q3 failed after \d+\.\d s at step raw__reps_gx_quality: "
        + re.escape(found + "; the full log: "),
        out,
        re.M,
    )


def test_a_settings_file_that_is_missing_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSESSMENT_CONFIG", str(tmp_path / "method.yaml"))
    assert main(["--partition", FIXTURE_PARTITION]) == 2
    assert capsys.readouterr().err == (
        f"error: ASSESSMENT_CONFIG names {tmp_path / 'method.yaml'}, which is no file\n"
    )
