"""Who is coached, on what evidence: inactive reps and a sample crowded into one week.

One hand-built team t1 (manager m1), cycle 2026-Q3, assessed and then followed up; rubric
a=40, b=30, c=20, d=10 on 1..5; every number the method's default (min_scored_calls 10,
sample_min_weeks 4, sample_max_week_share 0.5). One human (h1) scores; h2 double-scores
five of p1's calls identically, so the rubric is calibrated and only the sample makes a
priority provisional. ISO weeks of 2026: W27 starts on Monday 2026-06-29.

  rep  calls by ISO week                    scored (a, b, c, d)         sample
  p1   W28..W39, 1 each = 12                all 12: (3, 4, 4, 4)        ok
  p2   W30..W38 x 3 + W39 x 16 = 43         10 of W39: (2, 2, 2, 2)     unrepresentative
  p3   W28..W33 x 3 = 18, INACTIVE          all 18: (1, 1, 1, 1)        ok (not coached)
  p4   W30 x 7, W31..W33 x 1 = 10           all 10: (4, 4, 4, 4)        ok: W30 holds 7/10
                                                                        of the calls too
  p5   W30 x 7, W31 x 4, W32 x 4 = 15       W30 x 7 + W31 x 3: (4, ...) ok: 3 weeks < 4
  p6   W30..W33 x 5 = 20                    W30 x 5 + W31 x 5: (4, ...) ok: 5/10 is not
                                                                        more than half
Team benchmark over the active reps with enough scored calls (p1, p2, p4, p5, p6; p3 is
inactive): a (3+2+4+4+4)/5 = 3.4; b, c, d (4+2+4+4+4)/5 = 3.6.

Follow-up window [2026-10-01, 2026-10-31): p1 (coached on a) has 5 calls scored a=5 but
the window's reps snapshot marks p1 inactive; p2 has 5 calls scored a=2.5; p3 (inactive
in the cycle, never coached) 5 calls scored a=5.
"""

import shutil
from datetime import date, timedelta

import pytest

from tests.helpers import SMALL_LANDING, materialize_cycle, query

W27 = date(2026, 6, 29)

# rep: ([(iso week, calls)], scores, how many calls of which weeks are scored)
REPS = {
    "p1": ([(w, 1) for w in range(28, 40)], (3, 4, 4, 4), None),
    "p2": ([(w, 3) for w in range(30, 39)] + [(39, 16)], (2, 2, 2, 2), {39: 10}),
    "p3": ([(w, 3) for w in range(28, 34)], (1, 1, 1, 1), None),
    "p4": ([(30, 7), (31, 1), (32, 1), (33, 1)], (4, 4, 4, 4), None),
    "p5": ([(30, 7), (31, 4), (32, 4)], (4, 4, 4, 4), {30: 7, 31: 3}),
    "p6": ([(w, 5) for w in range(30, 34)], (4, 4, 4, 4), {30: 5, 31: 5}),
}
NAMES = {
    "p1": "Pia Spread",
    "p2": "Cody Crowded",
    "p3": "Ivy Leaving",
    "p4": "Max Majority",
    "p5": "Nora Narrow",
    "p6": "Hal Half",
}
# follow-up calls: rep -> score on a, five calls each in October
FOLLOWUP = {"p1": 5, "p2": 2.5, "p3": 5}


def reps_csv(inactive: set[str]) -> str:
    lines = ["rep_id,rep_name,manager_id,manager_name,team,active"]
    for rep, name in NAMES.items():
        active = "false" if rep in inactive else "true"
        lines.append(f"{rep},{name},m1,Maria Gomez,t1,{active}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample_landing")
    shutil.copy(SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    (folder / "method.yaml").write_text("min_scored_calls: 10\n")
    (folder / "reps.csv").write_text(reps_csv({"p3"}))
    calls = ["call_id,rep_id,started_at,duration_s"]
    scores = ["call_id,criterion_id,score,scorer_id,scorer_kind"]
    for rep, (weeks, values, scored_weeks) in REPS.items():
        n = 0
        for week, count in weeks:
            for i in range(count):
                n += 1
                day = W27 + timedelta(weeks=week - 27, days=i % 5)
                call = f"{rep}_{n:02d}"
                calls.append(f"{call},{rep},{day.isoformat()}T{8 + i // 5:02d}:00:00Z,600")
                if scored_weeks is not None and i >= scored_weeks.get(week, 0):
                    continue
                for criterion, score in zip("abcd", values, strict=True):
                    scores.append(f"{call},{criterion},{score},h1,human")
                    if rep == "p1" and n <= 5:
                        scores.append(f"{call},{criterion},{score},h2,human")
    for rep, score in FOLLOWUP.items():
        for i in range(5):
            call = f"{rep}_f{i + 1}"
            calls.append(f"{call},{rep},2026-10-{2 + 5 * i:02d}T10:00:00Z,600")
            scores.append(f"{call},a,{score},h1,human")
    (folder / "calls.csv").write_text("\n".join(calls) + "\n")
    (folder / "scores.csv").write_text("\n".join(scores) + "\n")
    return folder


@pytest.fixture(scope="module")
def warehouse(environment, landing):
    patch = environment["patch"]
    patch.setenv("ASSESSMENT_LANDING_DIR", str(landing))
    patch.setenv("ASSESSMENT_CONFIG", str(landing / "method.yaml"))
    assert materialize_cycle("2026-07-01").success
    # p1 leaves after the cycle: the follow-up window's reps snapshot says active = false
    (landing / "reps.csv").write_text(reps_csv({"p1", "p3"}))
    from orchestration.definitions import build_definitions

    patch.setenv("ASSESSMENT_TODAY", "2026-10-31")
    result = (
        build_definitions()
        .resolve_job_def("followup_cycle")
        .execute_in_process(partition_key="2026-07-01", raise_on_error=False)
    )
    assert result.success
    return environment["warehouse"]


def test_scorecards_show_every_rep_with_rep_status_and_the_sample_judged(warehouse):
    rows = query(
        warehouse,
        "select rep_id, n_calls, n_scored_calls, sample_status, sample_reason, rep_status, "
        "weighted_score from marts.fct_rep_scorecards where cycle = '2026-Q3' order by rep_id",
    )
    assert rows == [
        ("p1", 12, 12, "ok", None, "active", pytest.approx(0.4 * 3 + 0.6 * 4)),
        (
            "p2",
            43,
            10,
            "unrepresentative",
            "10 of 10 scored calls fall in ISO week 2026-W39 (more than 50%), while all 43 "
            "calls span 10 ISO weeks",
            "active",
            pytest.approx(2.0),
        ),
        # inactive: the scores are shown
        ("p3", 18, 18, "ok", None, "inactive", pytest.approx(1.0)),
        ("p4", 10, 10, "ok", None, "active", pytest.approx(4.0)),
        ("p5", 15, 10, "ok", None, "active", pytest.approx(4.0)),
        ("p6", 20, 10, "ok", None, "active", pytest.approx(4.0)),
    ]


def test_inactive_rep_is_out_of_the_benchmark(warehouse):
    # with p3 (all 1s) the benchmark on a would be (17 + 1) / 6 = 3.0
    rows = query(
        warehouse,
        "select criterion_id, any_value(team_benchmark) from marts.fct_rep_criterion_scores "
        "where cycle = '2026-Q3' group by criterion_id order by criterion_id",
    )
    assert rows == [
        ("a", pytest.approx(3.4)),
        ("b", pytest.approx(3.6)),
        ("c", pytest.approx(3.6)),
        ("d", pytest.approx(3.6)),
    ]


def test_priorities_skip_the_inactive_rep_and_flag_the_crowded_sample(warehouse):
    # p1: a (3.4 - 3) x 40 = 16, b c d above the team. p2: a 1.4 x 40 = 56, b 1.6 x 30 = 48.
    # p3 (inactive) would have a (3.4 - 1) x 40 = 96: no priority.
    rows = query(
        warehouse,
        "select rep_id, rank, criterion_id, weighted_gap, calibration_status, is_provisional, "
        "sample_status, sample_reason is not null from marts.fct_coaching_priorities "
        "where cycle = '2026-Q3' order by rep_id, rank",
    )
    assert rows == [
        ("p1", 1, "a", pytest.approx(16.0), "calibrated", False, "ok", False),
        ("p2", 1, "a", pytest.approx(56.0), "calibrated", True, "unrepresentative", True),
        ("p2", 2, "b", pytest.approx(48.0), "calibrated", True, "unrepresentative", True),
    ]


def test_inactive_rep_gets_no_evidence_and_no_practice_scenario(warehouse):
    evidence = query(
        warehouse,
        "select rep_id, count(*) from marts.fct_coaching_evidence where cycle = '2026-Q3' "
        "group by rep_id order by rep_id",
    )
    assert evidence == [("p1", 3), ("p2", 3)]
    scenarios = query(
        warehouse,
        "select rep_id, rank from marts.fct_practice_scenarios where cycle = '2026-Q3' "
        "order by rep_id, rank",
    )
    assert scenarios == [("p1", 1), ("p2", 1), ("p2", 2)]


def test_team_view_leaves_out_the_inactive_rep(warehouse):
    # by weighted score (no close rates), 5 reps: ceil(5 x 0.25) = 2 per group. Top: p4, p5,
    # p6 tie at 4.0 (all in); bottom: p2 (2.0) and p1 (3.6): a (2 + 3) / 2 = 2.5. With p3
    # (1.0) the bottom would be p3 and p2: 1.5.
    rows = query(
        warehouse,
        "select criterion_id, n_top_reps, n_bottom_reps, top_mean, bottom_mean "
        "from marts.fct_top_bottom_gaps where cycle = '2026-Q3' and criterion_id = 'a'",
    )
    assert rows == [("a", 3, 2, 4.0, 2.5)]


def test_review_queue_says_which_weeks_to_score(warehouse):
    # p2: 10 scored calls in W39 -> ceil(10 / 0.5 - 10) = 10 more from the other weeks,
    # W30..W38 (3 unscored calls each): one per week, then a second in one week.
    weeks = ", ".join(f"2026-W{w}" for w in range(30, 39))
    summary = query(
        warehouse,
        "select count(*), count(distinct iso_week), min(iso_week), max(iso_week), "
        "any_value(weeks_to_score), any_value(n_calls_to_score), any_value(sample_status), "
        "count(*) filter (where call_id in (select call_id from marts.fct_call_scores "
        "where n_criteria_scored > 0)) "
        "from marts.fct_review_queue where cycle = '2026-Q3' and rep_id = 'p2'",
    )
    assert summary == [(10, 9, "2026-W30", "2026-W38", weeks, 10, "unrepresentative", 0)]
    others = query(
        warehouse,
        "select distinct sample_status, weeks_to_score, n_calls_to_score "
        "from marts.fct_review_queue where cycle = '2026-Q3' and rep_id != 'p2' "
        "order by sample_status",
    )
    assert others == [("ok", None, 0)]


def test_rep_inactive_at_followup_gets_no_verdict(warehouse):
    # p1: 5 calls of 5 against 3 would be improved, but p1 is inactive in the window's
    # snapshot: status inactive. p2: 2.5 - 2.0 = 0.5 -> improved, provisional (its sample).
    # p3, inactive in the cycle, has no priority, so no row despite its 5 window calls.
    rows = query(
        warehouse,
        "select rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, status, "
        "change_coaching_approach, is_provisional from marts.fct_rescore_deltas "
        "where cycle = '2026-Q3' order by rep_id",
    )
    assert rows == [
        ("p1", "a", 3.0, 5.0, 5, "inactive", False, False),
        ("p2", "a", 2.0, 2.5, 5, "improved", False, True),
    ]


def test_bands_count_only_active_reps_with_a_verdict(warehouse):
    # m1: p2 improved (1/1, working, provisional); with p1 it would have read 2/2.
    rows = query(
        warehouse,
        "select manager_id, n_coached, n_improved, n_insufficient_followup, improved_share, "
        "status, n_provisional, is_provisional from marts.fct_manager_effectiveness "
        "where cycle = '2026-Q3' order by manager_id",
    )
    assert rows == [
        ("m1", 1, 1, 0, 1.0, "working", 1, True),
        ("team", 1, 1, 0, 1.0, "working", 1, True),
    ]
    significance = query(
        warehouse,
        "select n, n_provisional from marts.fct_followup_significance where cycle = '2026-Q3'",
    )
    assert significance == [(1, 1)]


def test_scorecard_pages_say_inactive_and_unrepresentative(environment, warehouse):
    folder = environment["warehouse"].with_name("reports") / "2026-Q3" / "m1"
    inactive = " ".join((folder / "p3.html").read_text().split())
    assert "inactive (scores shown; no coaching priority or follow-up)" in inactive
    assert "No coaching priority this cycle (inactive rep)" in inactive
    crowded = " ".join((folder / "p2.html").read_text().split())
    assert "unrepresentative sample: 10 of 10 scored calls fall in ISO week 2026-W39" in crowded
    assert "<strong>improved</strong>" in crowded
    leaver = " ".join((folder / "p1.html").read_text().split())
    assert "<strong>inactive</strong>" in leaver
