"""Who is counted, on what evidence (issue 28): the coaching effect without provisional
and inactive reps, and a weight calibration on too few won deals, by hand on real DuckDB
files. The SQL sides (who is active or provisional, the check-in minimum and the rise
short of target, the tie at the last won deal) are dbt unit tests run by
tests/method/test_followup.py::test_dbt_unit_tests_pass.

Coaching effect, cycle 2026-Q3, criteria a, b, c; (cycle score -> follow-up score):

* r1 (m1): coached on a 2.0 -> 2.8; b 3.0 -> 3.1; c 3.0 -> 3.0
* r2 (m1): coached on b 2.0 -> 2.6; a 3.0 -> 3.0; c 3.5 -> 3.4
* r3 (m1): coached on a 2.0 -> 3.5, provisional (scores not calibrated); b 3.0 -> 3.0;
  c 3.0 -> 3.2
* r4 (m1): no priority; a 3.5 -> 3.6, b 3.5 -> 3.4, c 3.0 -> 3.1
* r5 (m2): coached on a 1.0 -> 4.0, but inactive: out of both estimates, and m2, whose
  only rep r5 is, has no estimate (too_few_coached_reps)
* r6 (m1): unrepresentative sample, no priority: counted with the provisional reps only

With the provisional reps (r1, r2, r3, r4, r6): 3 coached reps, raw change coached
(0.8 + 0.6 + 1.5) / 3 = 0.9667; comparison r1 +0.1, 0; r2 0, -0.1; r3 0, +0.2; r4 +0.1,
-0.1, +0.1; r6 0, 0, 0 = 0.3 / 12 = 0.025. Confirmed (r1, r2, r4): 2 coached reps,
(0.8 + 0.6) / 2 = 0.7; comparison 0.1 / 7 = 0.0142857. n_provisional 1. The estimates are
recomputed on the full design (tests/method/test_coaching_effect.py) from these rows.
"""

from __future__ import annotations

import math

import duckdb
import pytest
import yaml
from scipy import stats

from assets.coaching_effect import build_coaching_effect_rows
from assets.validity import build_calibration_rows
from orchestration.settings import DBT_PROJECT_FILE
from salesassess.method.coaching_statistics import effect_text
from salesassess.publishing.python_marts import contracts, write_mart
from tests.method.test_coaching_effect import full_design_estimate

# rep, manager, criterion, cycle score, follow-up score, priority rank, sample status,
# active, provisional (of the rep's primary priority)
INPUTS = [
    ("r1", "m1", "a", 2.0, 2.8, 1, "ok", True, False),
    ("r1", "m1", "b", 3.0, 3.1, None, "ok", True, False),
    ("r1", "m1", "c", 3.0, 3.0, None, "ok", True, False),
    ("r2", "m1", "a", 3.0, 3.0, None, "ok", True, False),
    ("r2", "m1", "b", 2.0, 2.6, 1, "ok", True, False),
    ("r2", "m1", "c", 3.5, 3.4, None, "ok", True, False),
    ("r3", "m1", "a", 2.0, 3.5, 1, "ok", True, True),
    ("r3", "m1", "b", 3.0, 3.0, None, "ok", True, True),
    ("r3", "m1", "c", 3.0, 3.2, None, "ok", True, True),
    ("r4", "m1", "a", 3.5, 3.6, None, "ok", True, None),
    ("r4", "m1", "b", 3.5, 3.4, None, "ok", True, None),
    ("r4", "m1", "c", 3.0, 3.1, None, "ok", True, None),
    ("r5", "m2", "a", 1.0, 4.0, 1, "ok", False, False),
    ("r5", "m2", "b", 3.0, 3.0, None, "ok", False, False),
    ("r5", "m2", "c", 3.0, 3.0, None, "ok", False, False),
    ("r6", "m1", "a", 3.0, 3.0, None, "unrepresentative", True, None),
    ("r6", "m1", "b", 3.0, 3.0, None, "unrepresentative", True, None),
    ("r6", "m1", "c", 3.0, 3.0, None, "unrepresentative", True, None),
]
# (rep, manager, criterion, cycle score, follow-up score, coached) as the model sees them
ALL = [(r, m, c, x, y, rank == 1) for r, m, c, x, y, rank, _, active, _ in INPUTS if active]
CONFIRMED = [row for row in ALL if row[0] in ("r1", "r2", "r4")]


@pytest.fixture
def followed_up(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        con.execute("create schema marts")
        con.execute(
            "create table intermediate.int_followup_rep_criterion_scores (rep_id varchar, "
            "cycle varchar, manager_id varchar, criterion_id varchar, sample_status varchar, "
            "priority_rank bigint, cycle_score double, followup_score double, "
            "n_followup_calls bigint, followup_start date, is_active boolean, "
            "is_provisional boolean)"
        )
        for rep, manager, criterion, x, y, rank, sample, active, provisional in INPUTS:
            con.execute(
                "insert into intermediate.int_followup_rep_criterion_scores values "
                "(?, '2026-Q3', ?, ?, ?, ?, ?, ?, 10, '2026-10-01', ?, ?)",
                [rep, manager, criterion, sample, rank, x, y, active, provisional],
            )
        con.execute(
            "create table marts.fct_rescore_deltas as select * from (values "
            "('r1', '2026-Q3', 'm1'), ('r5', '2026-Q3', 'm2')) as t(rep_id, cycle, manager_id)"
        )
        yield con


def test_the_confirmed_effect_leaves_out_provisional_and_inactive_reps(followed_up):
    rows = build_coaching_effect_rows(followed_up, "2026-Q3", {"followup_min_calls": 5})
    names = [name for name, _ in contracts()["fct_coaching_effect"].columns]
    by_manager = {row[2]: dict(zip(names, row, strict=True)) for row in rows}
    assert list(by_manager) == ["team", "m1", "m2"]

    every, confirmed = full_design_estimate(ALL), full_design_estimate(CONFIRMED)
    team = by_manager["team"]
    for suffix, (effect, se, df) in (("", every), ("_confirmed", confirmed)):
        half = stats.t.ppf(0.975, df) * se
        assert team[f"effect{suffix}"] == pytest.approx(effect)
        assert team[f"std_error{suffix}"] == pytest.approx(se)
        assert team[f"df{suffix}"] == pytest.approx(df)
        assert team[f"ci_low{suffix}"] == pytest.approx(effect - half)
        assert team[f"ci_high{suffix}"] == pytest.approx(effect + half)
        assert team[f"note{suffix}"] is None
    assert (team["n_coached"], team["n_comparison"], team["n_provisional"]) == (3, 12, 1)
    assert team["is_provisional"] is True
    assert (team["n_coached_confirmed"], team["n_comparison_confirmed"]) == (2, 7)
    assert team["raw_change_coached"] == pytest.approx(2.9 / 3)
    assert team["raw_change_comparison"] == pytest.approx(0.3 / 12)
    assert team["raw_change_coached_confirmed"] == pytest.approx(0.7)
    assert team["raw_change_comparison_confirmed"] == pytest.approx(0.1 / 7)
    # r3's +1.5 pulls the estimate with the provisional reps above the confirmed one
    assert every[0] > confirmed[0]
    # m1 holds every active rep: the team's numbers
    assert {k: v for k, v in by_manager["m1"].items() if k not in ("scope", "manager_id")} == {
        k: v for k, v in team.items() if k not in ("scope", "manager_id")
    }
    # m2's only rep is inactive: nobody of m2 in either model
    m2 = by_manager["m2"]
    assert (m2["n_coached"], m2["n_provisional"], m2["is_provisional"]) == (0, 0, False)
    assert (m2["effect"], m2["note"]) == (None, "too_few_coached_reps")
    assert (m2["effect_confirmed"], m2["note_confirmed"]) == (None, "too_few_coached_reps")

    write_mart(followed_up, "fct_coaching_effect", "2026-Q3", rows)  # the contract holds


def test_the_summary_leads_with_the_confirmed_effect(followed_up):
    from salesassess.publishing.summary import effectiveness_lines

    write_mart(
        followed_up,
        "fct_coaching_effect",
        "2026-Q3",
        build_coaching_effect_rows(followed_up, "2026-Q3", {"followup_min_calls": 5}),
    )
    followed_up.execute(
        "create table marts.fct_manager_effectiveness as select * from (values "
        "('m1', '2026-Q3', 3, 3, 1.0, 'working', 1, 2, 2, 1.0, 'working'), "
        "('team', '2026-Q3', 3, 3, 1.0, 'working', 1, 2, 2, 1.0, 'working')) "
        "as t(manager_id, cycle, n_coached, n_improved, improved_share, status, n_provisional, "
        "n_coached_confirmed, n_improved_confirmed, improved_share_confirmed, status_confirmed)"
    )
    texts = []
    for effect, se, df in (full_design_estimate(CONFIRMED), full_design_estimate(ALL)):
        half = stats.t.ppf(0.975, df) * se
        texts.append(
            effect_text({"effect": effect, "ci_low": effect - half, "ci_high": effect + half})
        )
    confirmed, every = texts
    # r1 +0.8, r2 +0.6 and the provisional r3 +1.5: every coached rep improved; the line
    # leads with the two confirmed verdicts and effect, the provisional beside them
    band = f"2/2 improved (100%): {'working':<16}"
    beside = f"with the 1 provisional: 3/3 improved (100%), working, coaching effect {every}"
    assert effectiveness_lines(followed_up, "2026-Q3") == [
        f"  m1       {band} coaching effect {confirmed}; {beside}",
        f"  team     {band} coaching effect {confirmed}; {beside}",
        "  coaching effect: how much more the coached criterion rose than criteria not "
        "coached from the same score",
        "  (net of regression to the mean); raw change: coached criterion +0.70, criteria "
        "not coached +0.01",
    ]


# Weight calibration, cycle 2026-Q3, criteria a (weight 60) and b (40); 10 opportunities
# with scored calls, 8 won and 2 lost; mean score per opportunity:
#   a: won 3, 3, 3, 3, 4, 4, 4, 4; lost 2, 2     b: won 2, 2, 2, 2, 3, 3, 3, 3; lost 4, 4
# a: won mean 3.5, lost 2, overall 3.2, population variance (4 x 0.04 + 4 x 0.64 +
# 2 x 1.44) / 10 = 0.56; r = (3.5 - 2) x sqrt(0.8 x 0.2) / sqrt(0.56) = sqrt(9 / 14).
# b mirrors it: r = -sqrt(9 / 14). Suggested: b (r <= 0) the floor 5, a the rest 95: the
# 40% criterion cut to 5%, on 8 won deals.
A_SCORES = [3, 3, 3, 3, 4, 4, 4, 4, 2, 2]
B_SCORES = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4]


@pytest.fixture
def calibration_sample(tmp_path):
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_rubric_criteria_in_force as select * from (values "
            "('a', 60, 1), ('b', 40, 2)) as t(criterion_id, weight, criterion_position)"
        )
        con.execute(
            "create table intermediate.int_weight_calibration_sample (cycle varchar, "
            "criterion_id varchar, current_weight integer, opportunity_id varchar, won integer, "
            "mean_score double)"
        )
        for i, (a, b) in enumerate(zip(A_SCORES, B_SCORES, strict=True)):
            won = int(i < 8)
            for criterion, weight, score in (("a", 60, a), ("b", 40, b)):
                con.execute(
                    "insert into intermediate.int_weight_calibration_sample values "
                    "('2026-Q3', ?, ?, ?, ?, ?)",
                    [criterion, weight, f"o{i:02d}", won, float(score)],
                )
        yield con


def _method(**overrides) -> dict:
    """The shipped defaults (dbt_project.yml's vars), whatever ASSESSMENT_CONFIG says."""
    defaults = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8"))["vars"]
    return {**defaults, **overrides}


def test_eight_won_deals_are_insufficient_and_the_suggestion_is_not_ready(calibration_sample):
    method = _method()
    assert method["weight_calibration_min_won_deals"] == 50
    rows = build_calibration_rows(calibration_sample, "2026-Q3", method)
    r = math.sqrt(9 / 14)
    p_value = 2 * stats.t.sf(r * math.sqrt(8 / (1 - r * r)), 8)
    assert rows == [
        ("a", "2026-Q3", 60, 95, pytest.approx(r), pytest.approx(p_value), 10, 8,
         "insufficient_won_deals", "insufficient_won_deals", False),
        ("b", "2026-Q3", 40, 5, pytest.approx(-r), pytest.approx(p_value), 10, 8,
         "insufficient_won_deals", "insufficient_won_deals", False),
    ]  # fmt: skip
    write_mart(calibration_sample, "fct_weight_calibration", "2026-Q3", rows)


def test_enough_won_deals_make_the_suggestion_ready(calibration_sample):
    rows = build_calibration_rows(
        calibration_sample, "2026-Q3", _method(weight_calibration_min_won_deals=8)
    )
    assert [(row[0], row[3], row[8], row[9], row[10]) for row in rows] == [
        ("a", 95, "ok", "ready", True),
        ("b", 5, "ok", "ready", True),
    ]
