"""Step 5 for a team scored only by the automated scorer, on a small quarter by hand.

The rubric scores itself: on criterion a a call is at level 1 + the number of rep
utterances saying "alpha" (up to 5), on b, c and d the same with "bravo", "charlie" and
"delta". Every call is at level 3 on c and d. Team ``auto`` (r1, r2,
r3, manager m1) has transcripts and no human score at all. Team ``cal`` (r9, manager m9)
is the calibration sample: five calls scored by two humans on every criterion, who agree
with each other and with the automated scorer (level 3 everywhere), so the rubric and the
scorer are calibrated. Method settings: 2 scored calls make a sample, 2 follow-up calls a verdict.

Cycle 2026-Q3, levels per call (a / b):

* r1: a 2, 2, 2, 2, 1 -> 1.8; b 3 x5 -> 3.0
* r2: a 3 x5 -> 3.0; b 2 x5 -> 2.0
* r3: a 4, 4, 4, 3, 3 -> 3.6; b 4 x5 -> 4.0
* team auto benchmarks: a (1.8 + 3.0 + 3.6) / 3 = 2.8, b (3 + 2 + 4) / 3 = 3.0
* weighted gaps (weights a 40, b 30, c 20, d 10; c and d are 3.0 for everyone, gap 0):
  r1 a 40, b 0 -> priority a only; r2 a -8, b 30 -> priority b only; r3 none.

Follow-up window: no coaching session, so [2026-10-01, 2026-10-31) for everyone; it
closes on 2026-10-31. Calls one a day from 2026-10-02, levels in time order:

* r1: a 3, 3, 3, 2, 2, 2, 2, 2, 2, 2 -> 23 / 10 = 2.3; b 3 x10. 2.3 - 1.8 is
  0.4999999999999998 in binary floating point: exactly 0.5, improved.
* r2: a 3 x5; b 2 x5 -> 2.0, delta 0: not_improved.
* r3: a 4, 4, 4; b 4, 4, 4.
* manager m1: 1 of 2 coached reps improved -> 50%: mixed.

October check-in (5 most recent calls): r1's last five a-levels are 2 -> 2.0, +0.2 against
1.8: not_improving; r2 2.0 against 2.0: not_improving.

Coaching effect: the model holds the 12 rep-criteria of r1 (a coached), r2 (b coached)
and r3 (r9 has no follow-up call): raw change coached (0.5 + 0) / 2 = 0.25, comparison
(0.4 on r3's a, 0 on the 9 others) / 10 = 0.04. The estimate is recomputed from this table
on the full design (tests/method/test_coaching_effect.py): about +0.40 with a 95% interval of
about -2.1 to +2.9 on 1.6 degrees of freedom. A "mixed" 50% band, and no evidence either
way that coaching worked.
"""

from __future__ import annotations

import duckdb
import pytest
from scipy import stats

from tests.helpers import assess_landing, query
from tests.method.test_coaching_effect import full_design_estimate
from tests.method.test_followup import run_checkin, run_followup
from tests.publishing.test_reports import page_text

WORDS = {"a": ("alpha", 40), "b": ("bravo", 30), "c": ("charlie", 20), "d": ("delta", 10)}


def _criterion(criterion: str, word: str, weight: int) -> str:
    """Level 1 + the number of rep utterances saying ``word``."""
    rules = "".join(
        f"      {level}: [count: {{signal: {word}, at_least: {level - 1}}}]\n"
        for level in range(2, 6)
    )
    return (
        f"  - id: {criterion}\n    name: Criterion {criterion.upper()}\n"
        f"    weight: {weight}\n    anchors: [one, two, three, four, five]\n"
        f"    signals:\n      {word}: {{speaker: rep, phrases: [{word}]}}\n    rules:\n{rules}"
    )


RUBRIC = (
    'rubric_id: selfscored\nversion: "1"\neffective_from: "2020-01-01"\n'
    "scale: {min: 1, max: 5}\ncriteria:\n"
    + "".join(_criterion(c, word, weight) for c, (word, weight) in WORDS.items())
)

# rep: ([a levels], [b levels]) in time order
CYCLE = {
    "r1": ([2, 2, 2, 2, 1], [3] * 5),
    "r2": ([3] * 5, [2] * 5),
    "r3": ([4, 4, 4, 3, 3], [4] * 5),
    "r9": ([3] * 5, [3] * 5),
}
FOLLOWUP = {
    "r1": ([3, 3, 3, 2, 2, 2, 2, 2, 2, 2], [3] * 10),
    "r2": ([3] * 5, [2] * 5),
    "r3": ([4] * 3, [4] * 3),
}
# The coaching effect's model rows, by hand from the levels above
EFFECT_TABLE = [
    # rep, manager, criterion, cycle score, follow-up score, coached
    ("r1", "m1", "a", 1.8, 2.3, True),
    ("r2", "m1", "a", 3.0, 3.0, False),
    ("r3", "m1", "a", 3.6, 4.0, False),
    ("r1", "m1", "b", 3.0, 3.0, False),
    ("r2", "m1", "b", 2.0, 2.0, True),
    ("r3", "m1", "b", 4.0, 4.0, False),
] + [(rep, "m1", c, 3.0, 3.0, False) for rep in ("r1", "r2", "r3") for c in "cd"]


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("automated_landing")
    (folder / "rubric.yaml").write_text(RUBRIC)
    (folder / "method.yaml").write_text("min_scored_calls: 2\nfollowup_min_calls: 2\n")
    (folder / "reps.csv").write_text(
        "rep_id,rep_name,manager_id,team\n"
        "r1,Ana Silva,m1,auto\nr2,Ben Okafor,m1,auto\nr3,Chen Li,m1,auto\n"
        "r9,Dana Park,m9,cal\n"
    )
    calls = ["call_id,rep_id,started_at,duration_s"]
    utterances = ["call_id,seq,start_ms,end_ms,speaker_role,text"]
    scores = ["call_id,criterion_id,score,scorer_id,scorer_kind"]

    def add(call_id, rep, started, a_level, b_level):
        calls.append(f"{call_id},{rep},{started},600")
        lines = ["Hello."] + ["alpha"] * (a_level - 1) + ["bravo"] * (b_level - 1)
        lines += ["charlie", "charlie", "delta", "delta"]  # level 3 on c and d
        for seq, text in enumerate(lines, start=1):
            utterances.append(f"{call_id},{seq},{seq * 5000},{seq * 5000 + 4000},rep,{text}")

    for rep, (a_levels, b_levels) in CYCLE.items():
        for n, (a, b) in enumerate(zip(a_levels, b_levels, strict=True), start=1):
            add(f"{rep}_c{n}", rep, f"2026-08-{n:02d}T10:00:00Z", a, b)
            if rep == "r9":
                scores += [
                    f"{rep}_c{n},{criterion},3,{scorer},human"
                    for criterion in "abcd"
                    for scorer in ("h1", "h2")
                ]
    for rep, (a_levels, b_levels) in FOLLOWUP.items():
        for n, (a, b) in enumerate(zip(a_levels, b_levels, strict=True), start=1):
            add(f"{rep}_f{n}", rep, f"2026-10-{n + 1:02d}T10:00:00Z", a, b)
    (folder / "calls.csv").write_text("\n".join(calls) + "\n")
    (folder / "utterances.csv").write_text("\n".join(utterances) + "\n")
    (folder / "scores.csv").write_text("\n".join(scores) + "\n")
    return folder


@pytest.fixture(scope="module")
def warehouse(environment, landing):
    assess_landing(environment, landing)
    assert run_followup(environment["patch"], "2026-10-31").success
    return environment["warehouse"]


def test_cycle_priorities_come_from_the_automated_scorer(warehouse):
    rows = query(
        warehouse,
        "select rep_id, rank, criterion_id, rep_score, calibration_status "
        "from marts.fct_coaching_priorities where cycle = '2026-Q3' order by rep_id, rank",
    )
    assert rows == [
        ("r1", 1, "a", pytest.approx(1.8), "calibrated"),
        ("r2", 1, "b", 2.0, "calibrated"),
    ]


def test_followup_calls_are_scored_automatically(warehouse):
    rows = query(
        warehouse,
        "select count(distinct call_id), count(*) from raw.auto_scores "
        "where cycle = '2026-Q3-followup'",
    )
    assert rows == [(18, 72)]  # 10 + 5 + 3 calls, on a, b, c and d
    sources = query(
        warehouse,
        "select distinct score_source from intermediate.int_followup_call_scores",
    )
    assert sources == [("auto",)]


def test_verdicts_and_band_of_an_automatically_scored_team(warehouse):
    deltas = query(
        warehouse,
        "select rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, delta, "
        "status from marts.fct_rescore_deltas where cycle = '2026-Q3' order by rep_id",
    )
    assert deltas == [
        ("r1", "a", pytest.approx(1.8), pytest.approx(2.3), 10, pytest.approx(0.5), "improved"),
        ("r2", "b", 2.0, 2.0, 5, 0.0, "not_improved"),
    ]
    # the stored difference really is below 0.5: only the precision rule makes r1 improved
    assert query(
        warehouse,
        "select delta, delta < 0.5 from marts.fct_rescore_deltas "
        "where cycle = '2026-Q3' and rep_id = 'r1'",
    ) == [(0.4999999999999998, True)]
    bands = query(
        warehouse,
        "select manager_id, n_coached, n_improved, improved_share, status "
        "from marts.fct_manager_effectiveness where cycle = '2026-Q3' order by manager_id",
    )
    assert bands == [("m1", 2, 1, 0.5, "mixed"), ("team", 2, 1, 0.5, "mixed")]


def test_coaching_effect_rows(warehouse):
    rows = query(
        warehouse,
        "select scope, manager_id, n_coached, n_comparison, raw_change_coached, "
        "raw_change_comparison, effect, ci_low, ci_high, p_value, method, note "
        "from marts.fct_coaching_effect where cycle = '2026-Q3' order by scope desc",
    )
    effect, se, df = full_design_estimate(EFFECT_TABLE)
    half = stats.t.ppf(0.975, df) * se
    expected = (
        2,
        10,
        pytest.approx(0.25),
        pytest.approx(0.04),
        pytest.approx(effect),
        pytest.approx(effect - half),
        pytest.approx(effect + half),
        pytest.approx(2 * stats.t.sf(abs(effect / se), df)),
        "ancova_rep_criterion_fe_cr2_satterthwaite",
        None,
    )
    assert rows == [("team", "team", *expected), ("manager", "m1", *expected)]
    assert 0.3 < effect < 0.5 and effect - half < 0 < effect + half


def test_summary_and_report_show_the_effect_beside_the_band(environment, warehouse):
    from salesassess.publishing.summary import effectiveness_lines

    effect, se, df = full_design_estimate(EFFECT_TABLE)
    half = stats.t.ppf(0.975, df) * se
    text = f"{effect:+.2f} (95% CI {effect - half:+.2f} to {effect + half:+.2f})"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        lines = effectiveness_lines(con, "2026-Q3")
    assert lines == [
        f"  m1       1/2 improved (50%): mixed            coaching effect {text}",
        f"  team     1/2 improved (50%): mixed            coaching effect {text}",
        "  coaching effect: how much more the coached criterion rose than criteria not "
        "coached from the same score",
        "  (net of regression to the mean); raw change: coached criterion +0.25, criteria "
        "not coached +0.04",
    ]
    index = environment["warehouse"].with_name("reports") / "2026-Q3" / "index.html"
    assert f"m1 1 of 2 mixed {text} team 1 of 2 mixed {text}" in page_text(index)


def test_checkin_scores_automatically_too(environment, warehouse):
    assert run_checkin(environment["patch"], "2026-11-01").success
    rows = query(
        warehouse,
        "select rep_id, criterion_id, checkin_score, n_checkin_calls, delta, status "
        "from marts.fct_monthly_checkins where month = '2026-10' order by rep_id",
    )
    assert rows == [
        ("r1", "a", 2.0, 5, pytest.approx(0.2), "not_improving"),
        ("r2", "b", 2.0, 5, 0.0, "not_improving"),
    ]
