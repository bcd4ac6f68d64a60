"""Step 5 on a real materialisation: the follow-up window, its date edges, and the gate.

The small fixture's cycle 2026-Q3 gives r1 the primary priority d (cycle score 3.0) and
r2 the priority a (2.0); r3 has none. Added here: r1 was coached on 2026-10-05, so r1's
window is [2026-10-05, 2026-11-04); r2 has no session: [2026-10-01, 2026-10-31). The
cycle's follow-up window closes on 2026-11-04. The October check-in looks at the calls
from the same window starts to 2026-11-01.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SMALL_LANDING, materialize_cycle, query

FOLLOWUP_CALLS = [
    # call, rep, started_at, score on the rep's primary criterion
    ("f1", "r1", "2026-10-05T00:00:00Z", 5),  # at the window's start: in
    ("f2", "r1", "2026-11-03T23:59:59Z", 5),  # 29 days 23:59:59 later: in
    ("f3", "r1", "2026-11-04T00:00:00Z", 1),  # exactly 30 days: out
    ("f4", "r1", "2026-10-04T23:59:59Z", 1),  # before the coaching session: out
    ("f5", "r1", "2026-10-10T10:00:00Z", 4),
    ("f6", "r1", "2026-10-20T10:00:00Z", 4),
    ("f7", "r1", "2026-10-25T10:00:00Z", 5),
    ("g1", "r2", "2026-10-01T00:00:00Z", 2),
    ("g2", "r2", "2026-10-15T00:00:00Z", 2),
    ("g3", "r2", "2026-10-30T23:59:59Z", 3),
    # after r2's follow-up window [2026-10-01, 2026-10-31), inside the October check-in
    ("g4", "r2", "2026-10-31T12:00:00Z", 1),
    ("g5", "r2", "2026-10-31T13:00:00Z", 1),
    ("g6", "r2", "2026-10-31T14:00:00Z", 1),
]
PRIMARY = {"r1": "d", "r2": "a"}


def write_followup_landing(folder: Path) -> Path:
    """The small landing with the follow-up window's calls, their scores on each rep's
    primary criterion and r1's coaching session."""
    shutil.copytree(SMALL_LANDING, folder, dirs_exist_ok=True)
    with (folder / "calls.csv").open("a") as calls:
        for call, rep, started, _ in FOLLOWUP_CALLS:
            calls.write(f"{call},{rep},{started},600,\n")
    with (folder / "scores.csv").open("a") as scores:
        for call, rep, _, score in FOLLOWUP_CALLS:
            scores.write(f"{call},{PRIMARY[rep]},{score},h1,human,\n")
    (folder / "coaching_sessions.csv").write_text(
        "rep_id,cycle,criterion_id,delivered_on,coach_id\nr1,2026-Q3,d,2026-10-05,m1\n"
    )
    return folder


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    return write_followup_landing(tmp_path_factory.mktemp("followup_landing"))


@pytest.fixture(scope="module")
def warehouse(environment, landing):
    environment["patch"].setenv("ASSESSMENT_LANDING_DIR", str(landing))
    assert materialize_cycle("2026-07-01").success
    return environment["warehouse"]


def run_followup(patch, today: str):
    from orchestration.definitions import build_definitions

    patch.setenv("ASSESSMENT_TODAY", today)
    return (
        build_definitions()
        .resolve_job_def("followup_cycle")
        .execute_in_process(partition_key="2026-07-01", raise_on_error=False)
    )


def test_followup_before_the_window_closes_gives_a_clear_message(environment, warehouse):
    result = run_followup(environment["patch"], "2026-11-03")
    assert not result.success
    failure = next(event for event in result.all_events if event.is_step_failure)
    message = failure.step_failure_data.user_failure_data.description
    assert "follow-up window of 2026-Q3 is still open: it closes on 2026-11-04" in message
    assert "today is 2026-11-03" in message
    tables = query(
        warehouse,
        "select table_name from information_schema.tables where table_name = 'fct_rescore_deltas'",
    )
    assert tables == []


def test_rescore_deltas_on_the_window_edges(environment, warehouse):
    assert run_followup(environment["patch"], "2026-11-04").success
    rows = query(
        warehouse,
        "select rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, delta, "
        "status, followup_start::varchar, change_coaching_approach "
        "from marts.fct_rescore_deltas where cycle = '2026-Q3' order by rep_id",
    )
    # r1: f1 f2 f5 f6 f7 = 5, 5, 4, 4, 5 -> 4.6; 4.6 - 3.0 = 1.6 -> improved.
    # r2: g1 g2 g3 = 3 calls < 5 -> insufficient_followup (mean 7/3).
    assert rows == [
        (
            "r1",
            "d",
            3.0,
            pytest.approx(4.6),
            5,
            pytest.approx(1.6),
            "improved",
            "2026-10-05",
            False,
        ),
        (
            "r2",
            "a",
            2.0,
            pytest.approx(7 / 3),
            3,
            pytest.approx(1 / 3),
            "insufficient_followup",
            "2026-10-01",
            False,
        ),
    ]


def test_manager_effectiveness(environment, warehouse):
    rows = query(
        warehouse,
        "select manager_id, n_coached, n_improved, n_insufficient_followup, improved_share, "
        "status from marts.fct_manager_effectiveness where cycle = '2026-Q3' "
        "order by manager_id",
    )
    assert rows == [("m1", 1, 1, 1, 1.0, "working"), ("team", 1, 1, 1, 1.0, "working")]


def run_checkin(patch, today: str, month: str = "2026-10-01"):
    from orchestration.checkin_definitions import build_checkin_definitions

    patch.setenv("ASSESSMENT_TODAY", today)
    return (
        build_checkin_definitions()
        .resolve_job_def("monthly_checkin")
        .execute_in_process(partition_key=month, raise_on_error=False)
    )


def failure_message(result) -> str:
    failure = next(event for event in result.all_events if event.is_step_failure)
    return failure.step_failure_data.user_failure_data.description


def test_checkin_before_the_month_is_over_gives_a_clear_message(environment, warehouse):
    result = run_checkin(environment["patch"], "2026-10-31")
    assert not result.success
    message = failure_message(result)
    assert "check-in month 2026-10 is not over: it ends on 2026-11-01" in message
    assert "today is 2026-10-31" in message


def test_checkin_of_a_cycle_never_assessed_says_which_partition_to_run(environment, warehouse):
    # July 2026 follows up 2026-Q2, which this warehouse never assessed.
    result = run_checkin(environment["patch"], "2026-11-28", month="2026-07-01")
    assert not result.success
    message = failure_message(result)
    assert "follows up the 2026-Q2 assessment" in message
    assert "make assess PARTITION=2026-04-01" in message


def test_monthly_checkin_on_the_window_edges(environment, warehouse):
    assert run_checkin(environment["patch"], "2026-11-01").success
    rows = query(
        warehouse,
        "select rep_id, criterion_id, cycle_score, checkin_score, n_checkin_calls, delta, "
        "status, window_start::varchar, first_call_at::varchar, last_call_at::varchar "
        "from marts.fct_monthly_checkins where month = '2026-10' order by rep_id",
    )
    # r1 (coached 2026-10-05): f1 at the session, f5, f6, f7 = 5, 4, 4, 5 -> 4.5; f4 a
    # second before the session and f2 (November) are out. 4.5 - 3.0 = 1.5, but 4 calls
    # are fewer than min_checkin_calls (5) -> insufficient_checkin, no verdict.
    # r2 (from 2026-10-01): six calls, the five most recent g6 g5 g4 g3 g2 = 1, 1, 1, 3, 2
    # -> 1.6 (g1 drops out); 1.6 - 2.0 = -0.4 -> not_improving.
    assert rows == [
        (
            "r1",
            "d",
            3.0,
            pytest.approx(4.5),
            4,
            pytest.approx(1.5),
            "insufficient_checkin",
            "2026-10-05",
            "2026-10-05 00:00:00+00",
            "2026-10-25 10:00:00+00",
        ),
        (
            "r2",
            "a",
            2.0,
            pytest.approx(1.6),
            5,
            pytest.approx(-0.4),
            "not_improving",
            "2026-10-01",
            "2026-10-15 00:00:00+00",
            "2026-10-31 14:00:00+00",
        ),
    ]
    published = environment["warehouse"].with_name("published.duckdb")
    assert query(published, "select count(*) from marts.fct_monthly_checkins") == [(2,)]


def test_dbt_unit_tests_pass(environment, warehouse):
    """The method's formulas as dbt unit_tests (weighted score, consolidation, the seed's
    priority example, re-score statuses and edges, check-in edges), run against this
    warehouse's schemas."""
    assert run_followup(environment["patch"], "2026-11-04").success
    assert run_checkin(environment["patch"], "2026-11-04").success
    dbt = Path(sys.executable).parent / "dbt"
    project = ROOT / "dbt_project"
    completed = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", "."],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "ASSESSMENT_WAREHOUSE": str(warehouse)},
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    passed = set(re.findall(r" PASS \S+::(\S+)", completed.stdout))
    assert passed == {
        "call_weighted_score_is_weight_average_of_criteria",
        "seed_example_weighted_gap_outranks_raw_gap",
        "consolidation_prefers_humans_then_external_then_auto",
        "rescore_statuses_and_change_of_approach",
        "checkin_most_recent_calls_and_edges",
        "checkin_minimum_calls_and_rise_below_target",
        "weight_calibration_ties_at_the_last_won_deal",
        "weight_calibration_ties_cut_by_opportunity_id",
        "coaching_effect_inputs_active_and_provisional",
    }, completed.stdout[-3000:]


def test_followup_significance_needs_two_coached_reps(environment, warehouse):
    # Only r1 has a follow-up verdict (r2 is insufficient_followup): n = 1, a mean
    # change of 4.6 - 3.0 but no test.
    rows = query(
        warehouse,
        "select n, mean_delta, t_p_value, note from marts.fct_followup_significance "
        "where cycle = '2026-Q3'",
    )
    assert rows == [(1, pytest.approx(1.6), None, "too_few_observations")]


def test_provisional_priorities_are_flagged_in_every_followup_mart(environment, warehouse):
    # The fixture's rubric is not calibrated (c2's reviewers differ by 2 on a and d), so
    # every priority is provisional, and so is every Step 5 row that counts one: r1's
    # improved verdict makes m1's and the team's band provisional (r2, insufficient, is
    # not counted), and the significance test's single coached rep is provisional.
    deltas = query(
        warehouse,
        "select rep_id, is_provisional from marts.fct_rescore_deltas where cycle = '2026-Q3' "
        "order by rep_id",
    )
    assert deltas == [("r1", True), ("r2", True)]
    bands = query(
        warehouse,
        "select manager_id, n_provisional, is_provisional from marts.fct_manager_effectiveness "
        "where cycle = '2026-Q3' order by manager_id",
    )
    assert bands == [("m1", 1, True), ("team", 1, True)]
    checkins = query(
        warehouse,
        "select rep_id, is_provisional from marts.fct_monthly_checkins where month = '2026-10' "
        "order by rep_id",
    )
    assert checkins == [("r1", True), ("r2", True)]
    significance = query(
        warehouse,
        "select n, n_provisional from marts.fct_followup_significance where cycle = '2026-Q3'",
    )
    assert significance == [(1, 1)]
