"""The method's rules on a small quarter assessed end to end (2026-Q3), values by hand.

Rubric a=40, b=30, c=20, d=10 on 1..5; min_scored_calls 3, every other number the
method's default (min_double_scored_calls 5, min_priority_gap 0.1, top_bottom_share 0.25,
4 reps with a close rate to rank by it). One human (h1) scores every call.

Team t1 (calls x (a, b, c, d)):
  r1 Ana Silva    10 calls: 9 x (4, 4, 4, 1) + (4, 4, 4, 2) -> 4, 4, 4, 1.1
  r2 Ben Okafor    3 calls: (2, 3, 3, 1); r2_1 is also scored by h2, with half points:
                   h1 (2, 2.5, 3, 1), h2 (2, 3.5, 3, 1): the mean keeps b at 3
  r3 Will Price    3 calls: (3, 4, 2, 1)
  r4 Zoë Müller    3 calls: 2 x (5, 5, 5, 1) + (5, 5, 5, 2) -> 5, 5, 5, 4/3
  r5 Eve Short     2 calls: (1, 1, 1, 5)   insufficient_sample (2 < 3)
  r6 Ivan Gone     3 calls: (1, 1, 1, 5)   inactive: scores shown, never coached
Team t2: s1 (4, 3, 3, 3) and s2 (2, 4, 4, 4), 3 calls each.

Close rates in t1: r1 1/2, r4 1/2, r3 1/4, r2 0/1, r5 1/1 (insufficient: left out).
"""

import shutil

import pytest

from tests.helpers import SMALL_LANDING, assess_landing, query

CALLS = {
    # rep: [(a, b, c, d) per call, oldest first]
    "r1": [(4, 4, 4, 1)] * 9 + [(4, 4, 4, 2)],
    "r2": [(2, 3, 3, 1)] * 3,
    "r3": [(3, 4, 2, 1)] * 3,
    "r4": [(5, 5, 5, 1)] * 2 + [(5, 5, 5, 2)],
    "r5": [(1, 1, 1, 5)] * 2,
    "r6": [(1, 1, 1, 5)] * 3,
    "s1": [(4, 3, 3, 3)] * 3,
    "s2": [(2, 4, 4, 4)] * 3,
}
REPS = """rep_id,rep_name,manager_id,manager_name,team,active
r1,Ana Silva,m1,Maria Gomez,t1,true
r2,Ben Okafor,m1,Maria Gomez,t1,true
r3,Will Price,m1,Maria Gomez,t1,true
r4,Zoë Müller,m1,Maria Gomez,t1,true
r5,Eve Short,m1,Maria Gomez,t1,true
r6,Ivan Gone,m1,Maria Gomez,t1,false
s1,Sam One,m2,Kim Lee,t2,true
s2,Sue Two,m2,Kim Lee,t2,true
"""
OPPORTUNITIES = [
    # opportunity, owner, won
    ("o11", "r1", "true"),
    ("o12", "r1", "false"),
    ("o41", "r4", "true"),
    ("o42", "r4", "false"),
    ("o31", "r3", "true"),
    ("o32", "r3", "false"),
    ("o33", "r3", "false"),
    ("o34", "r3", "false"),
    ("o21", "r2", "false"),
    ("o51", "r5", "true"),
]
# r2's latest call, the first evidence of its primary priority a (moment at 0:30)
UTTERANCES = [
    (
        1,
        12000,
        18000,
        "rep",
        "Ben Okafor",
        "Hi Jane, Ben here. Ana Silva said you will check the price with Acme Holdings.",
    ),
    (
        2,
        20000,
        28000,
        "prospect",
        "Jane Doe",
        "Yes. Maria Gomez and JOSÉ from Acme asked Zoë, mail jane@acme.io.",
    ),
    (3, 30000, 36000, "rep", "Ben Okafor", "Thank you, Jane."),
    (4, 40000, 44000, "other", "José Ruiz", "Hola."),
]


def _call_id(rep: str, index: int) -> str:
    return f"{rep}_{index + 1}"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules_landing")
    shutil.copy(SMALL_LANDING / "rubric.yaml", folder / "rubric.yaml")
    (folder / "method.yaml").write_text("min_scored_calls: 3\n")
    (folder / "reps.csv").write_text(REPS)
    calls = ["call_id,rep_id,started_at,duration_s"]
    scores = ["call_id,criterion_id,score,scorer_id,scorer_kind,evidence_start_ms"]
    for rep, rows in CALLS.items():
        for index, values in enumerate(rows):
            call = _call_id(rep, index)
            calls.append(f"{call},{rep},2026-{7 + index % 3:02d}-{1 + index:02d}T10:00:00Z,600")
            for criterion, score in zip("abcd", values, strict=True):
                moment = "30000" if (call, criterion) == ("r2_3", "a") else ""
                if (call, criterion) == ("r2_1", "b"):
                    scores.append(f"{call},b,2.5,h1,human,")
                    scores.append(f"{call},b,3.5,h2,human,")
                    continue
                scores.append(f"{call},{criterion},{score},h1,human,{moment}")
                if call == "r2_1":
                    scores.append(f"{call},{criterion},{score},h2,human,")
    (folder / "calls.csv").write_text("\n".join(calls) + "\n")
    (folder / "scores.csv").write_text("\n".join(scores) + "\n")
    opportunities = [
        "opportunity_id,owner_rep_id,created_at,close_date,is_closed,is_won,account_name"
    ]
    for opportunity, owner, won in OPPORTUNITIES:
        account = "Acme Holdings" if owner == "r2" else ""
        opportunities.append(f"{opportunity},{owner},2026-06-01,2026-08-15,true,{won},{account}")
    (folder / "opportunities.csv").write_text("\n".join(opportunities) + "\n")
    utterances = ["call_id,seq,start_ms,end_ms,speaker_role,speaker_name,text"]
    for seq, start, end, role, speaker, text in UTTERANCES:
        utterances.append(f'r2_3,{seq},{start},{end},{role},{speaker},"{text}"')
    (folder / "utterances.csv").write_text("\n".join(utterances) + "\n")
    return folder


@pytest.fixture(scope="module")
def warehouse(environment, landing):
    return assess_landing(environment, landing)


def test_team_benchmark_leaves_out_small_samples_and_inactive_reps(warehouse):
    # t1 over r1..r4 only: a (4+2+3+5)/4 = 3.5, b (4+3+4+5)/4 = 4, c (4+3+2+5)/4 = 3.5,
    # d (1.1+1+1+4/3)/4 = 1.108333. With r5 and r6 (all 1s on a) a would be 16/6.
    rows = query(
        warehouse,
        "select team, criterion_id, any_value(team_benchmark) from marts.fct_rep_criterion_scores "
        "where cycle = '2026-Q3' group by team, criterion_id order by team, criterion_id",
    )
    assert rows == [
        ("t1", "a", 3.5),
        ("t1", "b", 4.0),
        ("t1", "c", 3.5),
        ("t1", "d", pytest.approx((1.1 + 1 + 1 + 4 / 3) / 4, abs=1e-12)),
        ("t2", "a", 3.0),
        ("t2", "b", 3.5),
        ("t2", "c", 3.5),
        ("t2", "d", 3.5),
    ]


def test_a_gap_under_a_tenth_of_a_point_is_not_a_priority(warehouse):
    # r1's only positive gap: d, 1.108333 - 1.1 = 0.008333 (weighted 0.083): no priority.
    # r2: a 1.5 x 40 = 60, b 1 x 30 = 30 (c 10, d 0.1083 x 10). r3: c 1.5 x 20 = 30, a 20.
    # r4: every gap negative. r5: insufficient_sample. r6 (inactive, sample ok) would have
    # a 100, b 90: an inactive rep gets no priority.
    # t2: s1 b 0.5 x 30 = 15, c 10; s2 a 1 x 40 = 40.
    rows = query(
        warehouse,
        "select rep_id, rank, criterion_id, weighted_gap from marts.fct_coaching_priorities "
        "where cycle = '2026-Q3' order by rep_id, rank",
    )
    assert rows == [
        ("r2", 1, "a", pytest.approx(60.0)),
        ("r2", 2, "b", pytest.approx(30.0)),
        ("r3", 1, "c", pytest.approx(30.0)),
        ("r3", 2, "a", pytest.approx(20.0)),
        ("s1", 1, "b", pytest.approx(15.0)),
        ("s1", 2, "c", pytest.approx(10.0)),
        ("s2", 1, "a", pytest.approx(40.0)),
    ]


def test_one_double_scored_call_is_insufficient_double_scoring(warehouse):
    # Only r2_1 is scored by two humans, and they agree within 1 point on every criterion:
    # 1 call < 5, so the rubric is not calibrated and every priority is provisional.
    gate = query(
        warehouse,
        "select comparison, calibration_status, calibrated, reason "
        "from intermediate.int_rubric_calibration order by comparison",
    )
    none = "fewer than 5 double-scored calls on: a (0), b (0), c (0), d (0)"
    assert gate == [
        ("auto_vs_human", "insufficient_double_scoring", False, none),
        ("external_vs_human", "insufficient_double_scoring", False, none),
        (
            "human",
            "insufficient_double_scoring",
            False,
            "fewer than 5 double-scored calls on: a (1), b (1), c (1), d (1)",
        ),
    ]
    statuses = query(
        warehouse,
        "select distinct calibration_status, calibration_reason, is_provisional "
        "from marts.fct_coaching_priorities where cycle = '2026-Q3'",
    )
    assert statuses == [
        (
            "insufficient_double_scoring",
            "rubric version 1: fewer than 5 double-scored calls on: a (1), b (1), c (1), d (1)",
            True,
        )
    ]


def test_half_point_scores_do_not_stop_the_reliability_statistics(warehouse):
    # Human pairs on r2_1: (2, 2), (2.5, 3.5), (3, 3), (1, 1). Quadratic kappa, distances by
    # value: observed mean squared difference 1/4; expected over the 4 x 4 cross of
    # {2, 2.5, 3, 1} x {2, 3.5, 3, 1}: (4.25 + 3.75 + 5.25 + 11.25) / 16 = 49/32;
    # kappa = 1 - (1/4) / (49/32) = 41/49.
    rows = query(
        warehouse,
        "select n_calls, n_pairs, within_one_rate, max_disagreement, quadratic_weighted_kappa, "
        "calibration_status, calibrated from marts.fct_rubric_reliability "
        "where cycle = '2026-Q3' and comparison = 'human' and criterion_id = 'overall'",
    )
    assert rows == [(1, 4, 1.0, 1.0, pytest.approx(41 / 49), "insufficient_double_scoring", False)]


def test_top_and_bottom_are_ranked_within_each_team_with_fair_ties(warehouse):
    # t1 by close rate (r5 left out: insufficient sample): r1 and r4 tie at 1/2 on the
    # quartile boundary (ceil(4 x 0.25) = 1), so both are top; r2 (0) is bottom.
    # a: (4+5)/2 - 2 = 2.5; b: 4.5 - 3 = 1.5; c: 4.5 - 3 = 1.5 (lighter than b);
    # d: (1.1 + 4/3)/2 - 1 = 0.216667.
    # t2 by weighted score (no close rates): s1 3.4 top, s2 3.2 bottom: a 2, b c d -1;
    # b ranks second but a negative gap is no team priority.
    rows = query(
        warehouse,
        "select team, criterion_id, ranked_by, n_top_reps, n_bottom_reps, top_mean, "
        "bottom_mean, gap, rank, is_team_priority from marts.fct_top_bottom_gaps "
        "where cycle = '2026-Q3' order by team, rank",
    )
    d_top = (1.1 + 4 / 3) / 2
    assert rows == [
        ("t1", "a", "close_rate", 2, 1, 4.5, 2.0, 2.5, 1, True),
        ("t1", "b", "close_rate", 2, 1, 4.5, 3.0, 1.5, 2, True),
        ("t1", "c", "close_rate", 2, 1, 4.5, 3.0, 1.5, 3, False),
        (
            "t1",
            "d",
            "close_rate",
            2,
            1,
            pytest.approx(d_top),
            1.0,
            pytest.approx(d_top - 1),
            4,
            False,
        ),
        ("t2", "a", "weighted_score", 1, 1, 4.0, 2.0, 2.0, 1, True),
        ("t2", "b", "weighted_score", 1, 1, 3.0, 4.0, -1.0, 2, False),
        ("t2", "c", "weighted_score", 1, 1, 3.0, 4.0, -1.0, 3, False),
        ("t2", "d", "weighted_score", 1, 1, 3.0, 4.0, -1.0, 4, False),
    ]


def test_names_the_warehouse_knows_are_redacted_from_excerpts(warehouse):
    # Reps (Ana Silva, Ben, Zoë), the manager (Maria Gomez), speakers (Jane Doe, José Ruiz,
    # written JOSÉ) and the account (Acme Holdings) become [name]; "will" and "price" (from
    # the rep Will Price) are ordinary words in lower case and stay; the e-mail is [email].
    rows = query(
        warehouse,
        "select call_id, evidence_rank, moment_mm_ss, excerpt from marts.fct_coaching_evidence "
        "where rep_id = 'r2' and cycle = '2026-Q3' and evidence_rank = 1",
    )
    assert rows == [
        (
            "r2_3",
            1,
            "00:30",
            "rep: Hi [name], [name] here. [name] [name] said you will check the price with "
            "[name] [name]. / prospect: Yes. [name] [name] and [name] from [name] asked "
            "[name], mail [email]. / rep: Thank you, [name]. / other: Hola.",
        )
    ]
    practice = query(
        warehouse,
        "select prospect_words, rep_words from marts.fct_practice_scenarios "
        "where rep_id = 'r2' and cycle = '2026-Q3' and rank = 1",
    )
    assert practice == [
        (
            "Yes. [name] [name] and [name] from [name] asked [name], mail [email].",
            "Thank you, [name].",
        )
    ]
