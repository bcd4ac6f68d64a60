"""Layer 3: a real materialisation of one cycle on the small hand-computed fixture.

tests/fixtures/small_landing, cycle 2026-Q3 (rubric a=40, b=30, c=20, d=10 on 1..5):
- c1 (r1): human a4 b3 c5 d2 (auto scores ignored: humans decide) -> 3.70, 67.5
- c2 (r1): two humans a(2,4) b(4,4) c(3,3) d(5,3) -> a3 b4 c3 d4 -> 3.40, 60.0
- c4 (r2): external a3 b2 c4 d4 -> 3.00, 50.0
- c7 (r2): external a1 beats auto a5; auto b5 c5 d5 -> 3.40, 60.0
- c6 (r3): unscored. c3 starts 2026-10-01T01:30Z and c5 2026-06-30T23:59:59Z: other
  quarters. c8: unknown rep, c9: no offset -> quarantine.
Rep scores: r1 a3.5 b3.5 c4 d3 -> 3.55; r2 a2 b3.5 c4.5 d4.5 -> 3.20; r3 none.
Team benchmark: a2.75 b3.5 c4.25 d3.75 -> 3.375.
Close rates: r1 o1 won + o2 lost in Q3 (o3 closes in Q4) -> 0.5; r2 o4 lost -> 0.0;
r3 none (o6 won-but-not-closed is quarantined); team 1/3.
"""

import pytest

from tests.helpers import FIXTURE_PARTITION, materialize_cycle, query


@pytest.fixture(scope="module")
def warehouse(environment):
    result = materialize_cycle(FIXTURE_PARTITION)
    assert result.success
    return environment["warehouse"]


def test_call_scores_match_hand_computation(warehouse):
    rows = query(
        warehouse,
        "select call_id, rep_id, cycle, n_criteria_scored, is_fully_scored, score_source, "
        "weighted_score, weighted_score_100 from marts.fct_call_scores where cycle = '2026-Q3' "
        "order by call_id",
    )
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("c1", "r1", "2026-Q3", 4, True, "human"),
        ("c2", "r1", "2026-Q3", 4, True, "human"),
        ("c4", "r2", "2026-Q3", 4, True, "external"),
        ("c6", "r3", "2026-Q3", 0, False, None),
        ("c7", "r2", "2026-Q3", 4, True, "mixed"),
    ]
    scores = {r[0]: (r[6], r[7]) for r in rows}
    assert scores["c1"] == pytest.approx((3.70, 67.5), abs=1e-12)
    assert scores["c2"] == pytest.approx((3.40, 60.0), abs=1e-12)
    assert scores["c4"] == pytest.approx((3.00, 50.0), abs=1e-12)
    assert scores["c7"] == pytest.approx((3.40, 60.0), abs=1e-12)
    assert scores["c6"] == (None, None)
    criteria = query(
        warehouse,
        "select criterion_id, score, score_source, n_scorers from marts.fct_call_criterion_scores "
        "where call_id = 'c7' order by criterion_id",
    )
    assert criteria == [
        ("a", 1.0, "external", 1),
        ("b", 5.0, "auto", 1),
        ("c", 5.0, "auto", 1),
        ("d", 5.0, "auto", 1),
    ]


def test_rep_scorecards_match_hand_computation(warehouse):
    rows = query(
        warehouse,
        "select rep_id, n_calls, n_scored_calls, sample_status, weighted_score, "
        "team_weighted_score, close_rate, team_close_rate, n_closed_opportunities "
        "from marts.fct_rep_scorecards where cycle = '2026-Q3' order by rep_id",
    )
    expected = [
        ("r1", 2, 2, "ok", 3.55, 3.375, 0.5, 1 / 3, 2),
        ("r2", 2, 2, "ok", 3.20, 3.375, 0.0, 1 / 3, 1),
        ("r3", 1, 0, "insufficient_sample", None, 3.375, None, 1 / 3, 0),
    ]
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        assert row[:4] == want[:4]
        for got, value in zip(row[4:], want[4:], strict=True):
            assert got == (None if value is None else pytest.approx(value, abs=1e-12))


def test_criterion_scores_and_team_benchmarks(warehouse):
    rows = query(
        warehouse,
        "select rep_id, criterion_id, rep_score, team_benchmark, weighted_gap "
        "from marts.fct_rep_criterion_scores where rep_id = 'r2' and cycle = '2026-Q3' "
        "order by criterion_id",
    )
    assert rows == [
        ("r2", "a", 2.0, 2.75, pytest.approx(0.75 * 40)),
        ("r2", "b", 3.5, 3.5, 0.0),
        ("r2", "c", 4.5, 4.25, pytest.approx(-0.25 * 20)),
        ("r2", "d", 4.5, 3.75, pytest.approx(-0.75 * 10)),
    ]


def test_bad_rows_are_quarantined_with_file_row_and_rule(warehouse):
    rows = query(
        warehouse,
        "select kind, regexp_extract(file, '[^/]+$'), row_number, rule, "
        "raw_content ->> '$.call_id' from raw.quarantine where cycle = '2026-Q3' "
        "order by kind, row_number",
    )
    assert rows == [
        ("calls", "calls.csv", 8, "unknown_rep", "c8"),
        ("calls", "calls.csv", 9, "timestamp_without_offset:started_at", "c9"),
        ("opportunities", "opportunities.csv", 6, "won_but_not_closed", None),
        ("scores", "scores.csv", 26, "score_outside_scale", "c4"),
        ("scores", "scores.csv", 27, "unknown_criterion", "c4"),
        ("scores", "scores.csv", 29, "duplicate_key", "c1"),
        ("utterances", "utterances.csv", 8, "end_before_start", "c2"),
    ]


def test_counts_reconcile_per_file(warehouse):
    rows = query(
        warehouse,
        "select kind, rows_read, rows_accepted, rows_quarantined, rows_other_partition "
        "from raw.load_log where cycle = '2026-Q3' order by kind",
    )
    assert rows == [
        ("calls", 9, 5, 2, 2),
        ("opportunities", 6, 5, 1, 0),
        ("reps", 3, 3, 0, 0),
        ("scores", 29, 25, 3, 1),
        ("utterances", 8, 6, 1, 1),
    ]
    for _, read, accepted, quarantined, other in rows:
        assert read == accepted + quarantined + other


def test_extra_columns_are_kept(warehouse):
    assert query(warehouse, "select extra from raw.reps where rep_id = 'r1'") == [
        ('{"region":"west"}',)
    ]


def test_rematerialising_a_partition_replaces_it(warehouse):
    tables = ["raw.calls", "raw.scores", "raw.quarantine", "raw.load_log"]
    tables += ["marts.fct_call_scores", "marts.fct_rep_scorecards"]
    before = {table: query(warehouse, f"select count(*) from {table}")[0][0] for table in tables}
    assert materialize_cycle(FIXTURE_PARTITION).success
    after = {table: query(warehouse, f"select count(*) from {table}")[0][0] for table in tables}
    assert after == before
    assert before["marts.fct_call_scores"] == 5


def test_coaching_priorities_are_the_largest_positive_weighted_gaps(warehouse):
    # r1: a (2.75-3.5)x40=-30, b 0, c (4.25-4)x20=5, d (3.75-3)x10=7.5 -> d, then c
    # r2: a (2.75-2)x40=30; b 0; c, d negative -> a only. r3: insufficient_sample -> none.
    rows = query(
        warehouse,
        "select rep_id, rank, criterion_id, rep_score, team_score, weight, weighted_gap "
        "from marts.fct_coaching_priorities where cycle = '2026-Q3' order by rep_id, rank",
    )
    assert rows == [
        ("r1", 1, "d", 3.0, 3.75, 10, 7.5),
        ("r1", 2, "c", 4.0, 4.25, 20, 5.0),
        ("r2", 1, "a", 2.0, 2.75, 40, 30.0),
    ]


def test_evidence_moment_excerpt_is_redacted(warehouse):
    rows = query(
        warehouse,
        "select call_id, evidence_rank, criterion_id, call_date::varchar, moment_ms, "
        "moment_mm_ss, excerpt, evidence_status from marts.fct_coaching_evidence "
        "where rep_id = 'r1' and cycle = '2026-Q3' order by evidence_rank",
    )
    assert rows == [
        (
            "c1",
            1,
            "d",
            "2026-07-02",
            65000,
            "01:05",
            "prospect: We have used our current vendor for 3 years. / rep: Let me walk you "
            "through pricing. Card [card] is fine. / prospect: Okay, call me on [phone] or "
            "[email].",
            "ok",
        ),
        ("c2", 2, "d", "2026-08-10", None, None, None, "no_transcript"),
    ]


def test_practice_scenario_targets_the_level_4_anchor(warehouse):
    rows = query(
        warehouse,
        "select rank, criterion_id, call_id, moment_mm_ss, prospect_words, rep_words, "
        "target_level, target_behaviour from marts.fct_practice_scenarios "
        "where rep_id = 'r1' and cycle = '2026-Q3' order by rank",
    )
    assert rows == [
        (
            1,
            "d",
            "c1",
            "01:05",
            "We have used our current vendor for 3 years.",
            "Let me walk you through pricing. Card [card] is fine.",
            4,
            "d4",
        ),
        (2, "c", "c2", None, None, None, 4, "c4"),
    ]


def test_top_bottom_gaps_fall_back_to_weighted_score(warehouse):
    # Only r1 and r2 have a weighted score and fewer than 4 reps have a close rate:
    # ranked by weighted score, r1 (3.55) is the top group and r2 (3.20) the bottom.
    # b's gap is 0: only positive gaps (of at least 0.1 point) are team priorities.
    rows = query(
        warehouse,
        "select criterion_id, ranked_by, top_mean, bottom_mean, gap, rank, is_team_priority "
        "from marts.fct_top_bottom_gaps where cycle = '2026-Q3' order by rank",
    )
    assert rows == [
        ("a", "weighted_score", 3.5, 2.0, 1.5, 1, True),
        ("b", "weighted_score", 3.5, 3.5, 0.0, 2, False),
        ("c", "weighted_score", 4.0, 4.5, -0.5, 3, False),
        ("d", "weighted_score", 3.0, 4.5, -1.5, 4, False),
    ]


def test_scoring_coverage_by_scorer_kind(warehouse):
    # 5 calls; c1 c2 c4 c7 carry scores; humans scored c1 and c2, external c4 and c7,
    # auto c1 and c7. 3 reps over 13 weeks (92 days) -> 5 / 3 / (92 / 7) calls/rep/week.
    rows = query(
        warehouse,
        "select team, n_reps, n_calls, n_scored, scored_share, human_share, external_share, "
        "auto_share, calls_per_rep_per_week, warning from marts.fct_scoring_coverage "
        "where cycle = '2026-Q3'",
    )
    assert rows == [("t", 3, 5, 4, 0.8, 0.4, 0.4, 0.4, pytest.approx(5 / 3 / (92 / 7)), None)]


def test_review_queue_is_stratified_by_iso_week_and_reproducible(warehouse):
    rows = query(
        warehouse,
        "select rep_id, call_id, queue_position, iso_week, already_human_scored "
        "from marts.fct_review_queue where cycle = '2026-Q3' order by rep_id, queue_position",
    )
    assert [(r[0], r[1], r[3], r[4]) for r in rows] == [
        ("r1", "c1", "2026-W27", True),
        ("r1", "c2", "2026-W33", True),
        ("r2", "c4", "2026-W29", False),
        ("r2", "c7", "2026-W34", False),
        ("r3", "c6", "2026-W36", False),
    ]


def test_priorities_from_an_uncalibrated_rubric_are_marked_with_the_reason(warehouse):
    # c2 is the only call scored by two humans: a (2 vs 4) and d (5 vs 3) differ by 2,
    # b (4, 4) and c (3, 3) agree, so version 1 is not calibrated on a and d (the fixture
    # judges from 1 double-scored call). r2's priority a comes from external scores (c4,
    # c7) and no call was scored by the external scorer and a human: the external scorer
    # is not calibrated either (insufficient_double_scoring).
    rows = query(
        warehouse,
        "select rep_id, rank, calibration_status, calibration_reason, is_provisional "
        "from marts.fct_coaching_priorities where cycle = '2026-Q3' order by rep_id, rank",
    )
    rubric = "rubric version 1: within-1 agreement under 80% on: a (0%), d (0%)"
    external = "external scorer: fewer than 1 double-scored calls on: a (0), b (0), c (0), d (0)"
    assert rows == [
        ("r1", 1, "not_calibrated", rubric, True),
        ("r1", 2, "not_calibrated", rubric, True),
        ("r2", 1, "not_calibrated", f"{rubric}; {external}", True),
    ]
    agreement = query(
        warehouse,
        "select criterion_id, n_calls, n_pairs, within_one_rate, max_disagreement, "
        "anchors_too_vague from intermediate.int_rubric_agreement "
        "where comparison = 'human' order by criterion_id",
    )
    assert agreement == [
        ("a", 1, 1, 0.0, 2.0, True),
        ("b", 1, 1, 1.0, 0.0, False),
        ("c", 1, 1, 1.0, 0.0, False),
        ("d", 1, 1, 0.0, 2.0, True),
    ]


def test_reliability_statistics_on_the_fixture(warehouse):
    # Human pairs (all on c2): a (2, 4), b (4, 4), c (3, 3), d (5, 3).
    # Kappa (quadratic, levels 1..5): observed mean (i-j)^2 = 8/4 = 2; expected over the
    # 4x4 cross of marginals {2,4,3,5} x {4,4,3,3} = 24/16 = 1.5 -> 1 - 2/1.5 = -1/3.
    # Interval alpha: Do = (2x2^2 + 2x2^2)/8 = 2; De = 2 x 8 x 6 / (8 x 7) = 12/7 -> -1/6.
    rows = query(
        warehouse,
        "select n_calls, n_pairs, within_one_rate, max_disagreement, anchors_too_vague, "
        "quadratic_weighted_kappa, krippendorff_alpha_interval, calibrated "
        "from marts.fct_rubric_reliability "
        "where criterion_id = 'overall' and comparison = 'human' and cycle = '2026-Q3'",
    )
    assert rows == [(1, 4, 0.5, 2.0, True, pytest.approx(-1 / 3), pytest.approx(-1 / 6), False)]


def test_calibration_review_lists_the_most_disagreeing_pairs(warehouse):
    rows = query(
        warehouse,
        "select comparison, criterion_id, review_rank, call_id, scorer_a, score_a, "
        "scorer_b, score_b from marts.fct_calibration_review "
        "where cycle = '2026-Q3' and comparison = 'human' order by criterion_id",
    )
    assert rows == [
        ("human", "a", 1, "c2", "h1", 2.0, "h2", 4.0),
        ("human", "d", 1, "c2", "h1", 5.0, "h2", 3.0),
    ]


def test_another_cycle_is_kept_beside(warehouse):
    assert materialize_cycle("2026-04-01").success
    rows = query(
        warehouse,
        "select cycle, count(*) from marts.fct_call_scores group by cycle order by cycle",
    )
    assert rows == [("2026-Q2", 1), ("2026-Q3", 5)]
