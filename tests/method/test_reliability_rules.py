"""Reliability statistics that say the right thing: the one-way ICC against published and
hand-worked values, kappa on half points, and a small quarter (2026-Q3) in which an
automated scorer is 2 points off while the humans agree.

Quarter: one rep, calls y1..y5, rubric a=40, b=30, c=20, d=10 on 1..5.
  a: humans agree, and differ from call to call: y1 h1 = h2 = 1, y2 h1 = h2 = 2,
     y3 h3 = h4 = 3, y4 h3 = h4 = 1, y5 h3 = h4 = 2; the automated scorer 3, 4, 5, 3, 4.
  b: h1 = h2 = auto on every call: 1, 2, 3, 4, 5 (the same raters on every call).
  c, d: everybody 3.
"""

import math
import shutil

import duckdb
import pytest

from salesassess.method.statistics import icc_1_1, quadratic_weighted_kappa
from tests.helpers import SMALL_LANDING, assess_landing, materialize_cycle, query

# Shrout & Fleiss (1979), Psychological Bulletin 86(2):420-428, the worked example of
# 6 targets rated by 4 judges; their Table 4 gives ICC(1,1) = .17 (R psych's
# tests/testthat/test_ICC.R asserts the same to two decimals).
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def test_icc_1_1_matches_shrout_and_fleiss():
    assert round(icc_1_1(SHROUT_FLEISS), 2) == 0.17
    # a rating's column carries no rater in the one-way model: shuffling rows changes nothing
    shuffled = [row[::-1] if i % 2 else row for i, row in enumerate(SHROUT_FLEISS)]
    assert icc_1_1(shuffled) == pytest.approx(icc_1_1(SHROUT_FLEISS), abs=1e-12)


def test_icc_1_1_with_different_numbers_of_ratings_per_unit():
    # units (2, 4), (3, 5, 7), (8, 8): N = 7 ratings, n = 3 units, grand mean 37/7.
    # SSB = 2(3 - 37/7)^2 + 3(5 - 37/7)^2 + 2(8 - 37/7)^2 = 1246/49, BMS = 1246/98;
    # SSW = 2 + 8 + 0 = 10, WMS = 10/(7 - 3) = 5/2; k0 = (7 - 17/7)/2 = 16/7.
    # ICC = (1246/98 - 5/2) / (1246/98 + (9/7)(5/2)) = 1001/1561 = 143/223.
    nan = math.nan
    assert icc_1_1([[2, 4, nan], [3, 5, 7], [8, 8, nan]]) == pytest.approx(143 / 223)
    assert icc_1_1([[1, 2], [3, nan]]) is None  # one unit with two ratings
    assert icc_1_1([[3, 3], [3, 3]]) is None  # no variation at all


def test_quadratic_kappa_weighs_half_points_by_value():
    # (3, 3.5), (4, 4), (2, 2): observed mean squared difference 0.25/3 = 1/12; expected
    # over {3, 4, 2} x {3.5, 4, 2}: (0.25 + 1 + 1 + 0.25 + 0 + 4 + 2.25 + 4 + 0)/9 = 12.75/9;
    # kappa = 1 - (1/12) / (12.75/9) = 1 - 9/153 = 16/17.
    categories = [1, 2, 3, 3.5, 4, 5]
    kappa = quadratic_weighted_kappa([3, 4, 2], [3.5, 4, 2], categories, by_value=True)
    assert kappa == pytest.approx(16 / 17)
    # equally spaced levels: the same kappa by value as by position
    assert quadratic_weighted_kappa(
        [1, 2, 3, 5], [2, 2, 4, 5], [1, 2, 3, 4, 5], by_value=True
    ) == pytest.approx(quadratic_weighted_kappa([1, 2, 3, 5], [2, 2, 4, 5], [1, 2, 3, 4, 5]))


HUMANS_A = {"y1": ("h1", "h2", 1), "y2": ("h1", "h2", 2), "y3": ("h3", "h4", 3)}
HUMANS_A |= {"y4": ("h3", "h4", 1), "y5": ("h3", "h4", 2)}
AUTO_A = {"y1": 3, "y2": 4, "y3": 5, "y4": 3, "y5": 4}
B_SCORES = {"y1": 1, "y2": 2, "y3": 3, "y4": 4, "y5": 5}
HUMANS_B = [("h1", "human"), ("h2", "human"), ("auto:y", "auto")]


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reliability_landing")
    shutil.copy(SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    (folder / "method.yaml").write_text("min_scored_calls: 3\n")
    (folder / "reps.csv").write_text("rep_id,rep_name,manager_id,team\nr1,Ana Silva,m1,t\n")
    calls = ["call_id,rep_id,started_at,duration_s"]
    scores = ["call_id,criterion_id,score,scorer_id,scorer_kind"]
    for day, call in enumerate(HUMANS_A, start=1):
        calls.append(f"{call},r1,2026-08-{day:02d}T10:00:00Z,600")
        first, second, value = HUMANS_A[call]
        scores += [f"{call},a,{value},{first},human", f"{call},a,{value},{second},human"]
        scores.append(f"{call},a,{AUTO_A[call]},auto:y,auto")
        for criterion, value in (("b", B_SCORES[call]), ("c", 3), ("d", 3)):
            scores += [f"{call},{criterion},{value},{s},{k}" for s, k in HUMANS_B]
    (folder / "calls.csv").write_text("\n".join(calls) + "\n")
    (folder / "scores.csv").write_text("\n".join(scores) + "\n")
    return folder


COLUMNS = (
    "n_calls, n_pairs, within_one_rate, quadratic_weighted_kappa, krippendorff_alpha_interval, "
    "icc_1_1, icc_2_1, calibration_status"
)


def reliability(warehouse, comparison: str, criterion: str):
    return query(
        warehouse,
        f"select {COLUMNS} from marts.fct_rubric_reliability where cycle = '2026-Q3' "
        "and comparison = $comparison and criterion_id = $criterion",
        {"comparison": comparison, "criterion": criterion},
    )


# auto vs the humans' mean on a: (3, 1), (4, 2), (5, 3), (3, 1), (4, 2).
# Interval alpha: observed sum over units of 2 x 2^2 = 40; the 10 values 3 4 5 3 4 1 2 3 1 2
# (mean 2.8, sum of squares about it 15.6) give sum_c sum_k n_c n_k d^2 = 2 x 10 x 15.6 =
# 312; alpha = 1 - (10 - 1) x 40 / 312 = -2/13.
# ICC(1,1): unit means 2 3 4 2 3, BMS = 2 x 2.8 / 4 = 1.4; WMS = 10 / (10 - 5) = 2;
# (1.4 - 2) / (1.4 + 2) = -3/17. Kappa over the 10 scorer-human pairs (each call twice):
# observed 4; expected Var(auto) + Var(human) + (3.8 - 1.8)^2 = 0.56 + 0.56 + 4 = 5.12;
# 1 - 4/5.12 = 7/32. ICC(2,1): the humans differ between calls, so none.
AUTO_A_EXPECTED = [
    (
        5,
        10,
        0.0,
        pytest.approx(7 / 32),
        pytest.approx(-2 / 13),
        pytest.approx(-3 / 17),
        None,
        "not_calibrated",
    )
]
# The humans among themselves on a agree perfectly (alpha and ICC(1,1) 1; ICC(2,1) none:
# h1/h2 scored y1 y2, h3/h4 the others). On b the same raters scored every call, and agree.
HUMAN_A_EXPECTED = [(5, 5, 1.0, 1.0, 1.0, 1.0, None, "calibrated")]
AUTO_B_EXPECTED = [(5, 10, 1.0, 1.0, 1.0, 1.0, 1.0, "not_calibrated")]


@pytest.fixture(scope="module")
def warehouse(environment, landing):
    return assess_landing(environment, landing)


def test_a_scorer_two_points_off_is_compared_with_the_humans_only(warehouse):
    assert reliability(warehouse, "auto_vs_human", "a") == AUTO_A_EXPECTED
    assert reliability(warehouse, "human", "a") == HUMAN_A_EXPECTED
    assert reliability(warehouse, "auto_vs_human", "b") == AUTO_B_EXPECTED
    gate = query(
        warehouse,
        "select comparison, calibration_status, reason from intermediate.int_rubric_calibration "
        "order by comparison",
    )
    assert gate == [
        ("auto_vs_human", "not_calibrated", "within-1 agreement under 80% on: a (0%)"),
        (
            "external_vs_human",
            "insufficient_double_scoring",
            "fewer than 5 double-scored calls on: a (0), b (0), c (0), d (0)",
        ),
        ("human", "calibrated", None),
    ]


def test_scores_of_a_checkin_window_do_not_count_for_reliability(environment, warehouse):
    # A check-in window's scores are stored under '<month>-checkin', a label that sorts
    # before '2026-Q3': two humans 4 points apart and the scorer on a call of October.
    with duckdb.connect(str(warehouse)) as con:
        for scorer, kind, score in (("h1", "human", 1), ("h2", "human", 5), ("auto:y", "auto", 3)):
            con.execute(
                "insert into raw.scores by name select 'k1' as call_id, 'a' as criterion_id, "
                "$score as score, $scorer as scorer_id, $kind as scorer_kind, "
                "'1' as rubric_version_resolved, '2026-10-checkin' as cycle",
                {"score": score, "scorer": scorer, "kind": kind},
            )
    assert materialize_cycle("2026-07-01").success
    assert reliability(warehouse, "auto_vs_human", "a") == AUTO_A_EXPECTED
    assert reliability(warehouse, "human", "a") == HUMAN_A_EXPECTED
