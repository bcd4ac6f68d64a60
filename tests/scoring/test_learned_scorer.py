"""The learned scorer in a real DuckDB file: cross-validation never scores a call with a
model that saw its label, too few human scores leave the rules in place, the same inputs
give the same scores, and on PersuasionForGood's held-out half it beats the rules."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
import scipy.sparse as sp
import yaml
from sklearn.linear_model import Ridge

from bench.persuasion_agreement import STRATEGIES, evaluate
from bench.scorer_baselines import SEED as SPLIT_SEED
from bench.scorer_baselines import splits
from salesassess.scoring.auto_scorer import score_calls
from salesassess.scoring.learned_model import (
    fit_model,
    fit_thresholds,
    quadratic_kappa,
    solve,
    to_levels,
)
from salesassess.scoring.learned_scorer import (
    CANDIDATES_TABLE,
    LearnedSettings,
    learn_and_score,
    score_window_with_cycle_models,
)
from salesassess.scoring.learned_text import (
    position_columns,
    stored_in_call_order,
    tokens,
    transcript_batches,
)
from salesassess.scoring.scorer_spec import load_scorer

CYCLE = "2026-Q3"
RUBRIC = {
    "rubric_id": "r",
    "version": "1",
    "effective_from": "2026-01-01",
    "scale": {"min": 1, "max": 5},
    "signals": {"pricing": {"speaker": "rep", "phrases": ["per seat"]}},
    "criteria": [
        {
            "id": f"c{i}",
            "name": f"C{i}",
            "weight": weight,
            "anchors": [f"level {n}" for n in range(1, 6)],
            **({"rules": {3: [{"present": "pricing"}]}} if i == 0 else {}),
        }
        for i, weight in enumerate((40, 30, 20, 10))
    ],
}


def _warehouse(
    tmp_path: Path,
    calls: dict[str, list[tuple[str, str]]],
    human: dict[str, float],
    rubric_text: dict = RUBRIC,
    stored_backwards: bool = False,
):
    """raw.utterances of ``calls`` ({id: [(role, text)]}; ``stored_backwards``: the rows
    written last utterance first), raw.scores of ``human`` ({id: level}, scored by one
    reviewer on 2026-09-0x), and the rules' scores."""
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(yaml.safe_dump(rubric_text, sort_keys=False))
    spec = load_scorer(rubric)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    con.execute("create schema raw")
    con.execute(
        "create table raw.utterances (cycle varchar, call_id varchar, seq bigint, "
        "start_ms bigint, end_ms bigint, speaker_role varchar, speaker_name varchar, "
        "text varchar)"
    )
    rows = [
        (CYCLE, call, seq, seq * 1000, seq * 1000 + 900, role, text)
        for call, lines in calls.items()
        for seq, (role, text) in enumerate(lines, start=1)
    ]
    con.executemany(
        "insert into raw.utterances values (?, ?, ?, ?, ?, ?, null, ?)",
        rows[::-1] if stored_backwards else rows,
    )
    con.execute(
        "create table raw.scores (cycle varchar, call_id varchar, criterion_id varchar, "
        "score double, scorer_id varchar, scorer_kind varchar, "
        "rubric_version_resolved varchar, scored_at timestamp)"
    )
    con.executemany(
        "insert into raw.scores values (?, ?, 'c0', ?, 'reviewer', 'human', '1', ?)",
        [
            (CYCLE, call, level, f"2026-09-0{1 + i % 5} 10:00:00")
            for i, (call, level) in enumerate(sorted(human.items()))
        ],
    )
    score_calls(con, spec, cycle=CYCLE, rubric_version="1", signal_counts_table="_counts")
    return con, spec


def _memorable(n: int) -> tuple[dict, dict]:
    """n calls alike but for one word of their own; levels 1 and 5 alternate (by id), so
    only a model that saw a call's label can know it."""
    calls = {
        f"call_{i:03d}": [
            ("rep", f"hello we sell software per seat token{i:03d}x"),
            ("prospect", "sounds fine tell me more"),
        ]
        for i in range(n)
    }
    human = {f"call_{i:03d}": 1.0 if i % 2 else 5.0 for i in range(n)}
    return calls, human


def test_no_call_is_scored_by_a_model_that_saw_its_label(tmp_path):
    calls, human = _memorable(60)
    con, spec = _warehouse(tmp_path, calls, human)
    learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts", prefer_learned=True)
    scored = dict(
        con.execute(
            "select call_id, score from raw.auto_scores where cycle = $c", {"c": CYCLE}
        ).fetchall()
    )
    # a held-out call's own word was never seen: its model knows only the other folds'
    # mean, 3 (24 fives and 24 ones, give or take one per fold) -> level 3 for every call
    assert set(scored.values()) == {3.0}
    # while a model that sees the labels reproduces them: the test can tell a leak
    batches = list(transcript_batches(con, CYCLE))
    counts = sp.vstack([b.counts for b in batches]).tocsr()
    ids = [call for b in batches for call in b.call_ids]
    utterances = np.concatenate([np.bincount(b.utterance_call) for b in batches])
    features = np.zeros((len(ids), 1))
    targets = np.array([human[c] for c in ids])
    leaky = fit_model(counts, utterances, features, targets, 1, 5, grid=(0.001,))
    predicted = leaky.predict(counts, utterances, features).ravel()
    assert np.mean(np.abs(predicted - [human[c] for c in ids]) < 1) > 0.9
    reason = con.execute(
        "select evidence_reason from raw.auto_scores where call_id = 'call_000'"
    ).fetchone()[0]
    assert reason.startswith("learned level 3 (learned-2, ridge on 60 human-scored calls, ")
    assert "this call held out" in reason


def _informative(n: int) -> tuple[dict, dict]:
    """Level 5 calls say 'roi calculator', level 1 calls 'no idea'; the rules see neither."""
    calls, human = {}, {}
    for i in range(n):
        good = i % 3 == 0
        calls[f"call_{i:03d}"] = [
            ("rep", "hi there"),
            ("rep", "let us walk the roi calculator together" if good else "no idea really"),
            ("prospect", "ok thanks"),
        ]
        human[f"call_{i:03d}"] = 5.0 if good else 1.0
    return calls, human


def test_too_few_human_scores_keep_the_rules(tmp_path):
    calls, human = _informative(80)
    scored = dict(list(sorted(human.items()))[:49])  # 49 < the default minimum of 50
    con, spec = _warehouse(tmp_path, calls, scored)
    before = con.execute("select * from raw.auto_scores order by call_id").fetchall()
    report = learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts")
    assert report["reason"] == "fewer than 50 human-scored calls per criterion"
    assert con.execute("select * from raw.auto_scores order by call_id").fetchall() == before
    assert {r[4] for r in before} == {"auto:r@1/rules-1"}
    assert con.execute(f"select count(*) from {CANDIDATES_TABLE}").fetchone()[0] == 0


def test_enough_human_scores_let_the_better_model_score_every_call(tmp_path):
    calls, human = _informative(80)
    scored = dict(list(sorted(human.items()))[:50])
    con, spec = _warehouse(tmp_path, calls, scored)
    report = learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts")
    assert report["criteria"]["c0"]["scored_by"] == "learned"
    # the rules give every call 1 (no 'per seat'): within 1 of the 17 fives: never
    assert report["criteria"]["c0"]["rules"]["within_one_rate"] == pytest.approx(33 / 50)
    assert report["criteria"]["c0"]["learned"]["within_one_rate"] == 1.0
    rows = con.execute(
        "select call_id, score, scorer_id, evidence_seq from raw.auto_scores order by call_id"
    ).fetchall()
    assert len(rows) == 80
    assert {r[2] for r in rows} == {"learned:r@1/learned-2/n50/2026-09-05"}
    # every call, scored by humans or not, gets its level; the evidence is the telling line
    assert [(r[1], r[3]) for r in rows] == [(human[r[0]], 2) for r in rows]
    assert con.execute(
        f"select scorer_id, scores_calls from {CANDIDATES_TABLE} order by scorer_id"
    ).fetchall() == [("auto:r@1/rules-1", False), ("learned:r@1/learned-2/n50/2026-09-05", True)]


def test_a_followup_window_is_scored_by_the_cycle_model_where_it_won(tmp_path):
    """c0: the model wins in the cycle (as above); c1 has the same rule as c0 and its human
    levels are the rules' own (3 with 'per seat', else 1), so the rules win (a tie at best)."""
    calls, human = _informative(80)
    for i in range(0, 80, 5):
        calls[f"call_{i:03d}"][0] = ("rep", "hi there it is per seat")
    rubric = {**RUBRIC, "criteria": [dict(c) for c in RUBRIC["criteria"]]}
    rubric["criteria"][1]["rules"] = {3: [{"present": "pricing"}]}
    con, spec = _warehouse(tmp_path, calls, dict(list(sorted(human.items()))[:50]), rubric)
    con.executemany(
        "insert into raw.scores values (?, ?, 'c1', ?, 'reviewer', 'human', '1', ?)",
        [
            (CYCLE, f"call_{i:03d}", 1.0 if i % 5 else 3.0, f"2026-09-0{1 + i % 5} 10:00:00")
            for i in range(50)
        ],
    )
    report = learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts")
    assert {c: f["scored_by"] for c, f in report["criteria"].items()} == {
        "c0": "learned",
        "c1": "rules",
    }
    learned_id = "learned:r@1/learned-2/n50/2026-09-05"
    # the window holds copies of calls nobody scored: 51 (roi calculator, level 5), 52
    # (no idea, level 1) and 55 (no idea, per seat: rules 3 on c0 and c1)
    window = f"{CYCLE}-followup"
    copies = {f"w{i}": calls[f"call_{i:03d}"] for i in (51, 52, 55)}
    con.executemany(
        "insert into raw.utterances values (?, ?, ?, ?, ?, ?, null, ?)",
        [
            (window, call, seq, seq * 1000, seq * 1000 + 900, role, text)
            for call, lines in copies.items()
            for seq, (role, text) in enumerate(lines, start=1)
        ],
    )
    score_calls(con, spec, cycle=window, rubric_version="1", signal_counts_table="_counts")
    result = score_window_with_cycle_models(
        con, spec, window, CYCLE, LearnedSettings(), signal_counts_table="_counts"
    )
    assert result["scorer_id"] == learned_id and result["criteria"] == ["c0"]
    rows = con.execute(
        "select call_id, criterion_id, score, scorer_id, evidence_seq, evidence_reason "
        "from raw.auto_scores where cycle = $w order by call_id, criterion_id",
        {"w": window},
    ).fetchall()
    cycle_rows = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            "select call_id, criterion_id, score, scorer_id, evidence_seq, evidence_reason "
            "from raw.auto_scores where cycle = $c",
            {"c": CYCLE},
        ).fetchall()
    }
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("w51", "c0", 5.0, learned_id),
        ("w51", "c1", 1.0, "auto:r@1/rules-1"),
        ("w52", "c0", 1.0, learned_id),
        ("w52", "c1", 1.0, "auto:r@1/rules-1"),
        ("w55", "c0", 1.0, learned_id),
        ("w55", "c1", 3.0, "auto:r@1/rules-1"),
    ]
    # the same model: level, evidence and its push (in the reason) as the cycle's copy
    for call, criterion, *scored in rows:
        assert tuple(scored) == cycle_rows[(f"call_0{call[1:]}", criterion)], call
    assert rows[0][5].startswith("learned level 5 (learned-2, ridge on 50 human-scored calls;")


@pytest.mark.parametrize("learned_won", [True, False])
def test_an_empty_window_scores_nothing_and_says_so(tmp_path, learned_won):
    """A follow-up window without a call with a transcript (the data ends with the
    quarter): no rows, a reason, whether or not the model won a criterion in the cycle."""
    calls, human = _informative(80)
    con, spec = _warehouse(tmp_path, calls, dict(list(sorted(human.items()))[:50]))
    settings = LearnedSettings(enabled=learned_won)
    learn_and_score(con, spec, cycle=CYCLE, settings=settings, signal_counts_table="_counts")
    window = f"{CYCLE}-followup"
    written = score_calls(con, spec, cycle=window, rubric_version="1", signal_counts_table="_c")
    assert written["rows_written"] == 0
    result = score_window_with_cycle_models(con, spec, window, CYCLE, settings, "_c")
    assert (result["scorer_id"], result["criteria"]) == (None, [])
    assert result["reason"] == (
        f"{window} has no scored call"
        if learned_won
        else f"the rules score every criterion of {CYCLE} under rubric version 1"
    )
    assert con.execute(
        "select count(*) from raw.auto_scores where cycle = $w", {"w": window}
    ).fetchone() == (0,)


def test_same_inputs_give_the_same_scores(tmp_path):
    """Twice the same scores, whether the utterances are stored in call and seq order
    (streamed as stored) or not (read sorted)."""
    calls, human = _informative(90)
    human = {c: level if i % 4 else 3.0 for i, (c, level) in enumerate(sorted(human.items()))}
    results = []
    for run, backwards in (("a", False), ("b", True)):
        folder = tmp_path / run
        folder.mkdir()
        con, spec = _warehouse(folder, calls, dict(list(human.items())[:70]), RUBRIC, backwards)
        in_order = stored_in_call_order(con, "u.cycle = $cycle", {"cycle": CYCLE})
        assert in_order is not backwards
        learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts")
        results.append(con.execute("select * from raw.auto_scores order by call_id").fetchall())
        con.close()
    assert results[0] == results[1]
    assert results[0][0][4] == "learned:r@1/learned-2/n70/2026-09-05"


def test_learned_scorer_beats_the_rules_on_persuasionforgood_held_out():
    result = evaluate()
    assert result["development"] == 150
    for criterion in STRATEGIES:
        rules = result["criteria"][criterion]["rules"]
        learned = result["criteria"][criterion]["learned"]
        assert rules["n_calls"] == learned["n_calls"] == 150, criterion
        assert learned["within_one_rate"] > rules["within_one_rate"], criterion


def _fnv(token: bytes) -> int:
    """A token's hash written out: its length, then each of its first 24 bytes multiplied
    in with the FNV prime, modulo 2**64."""
    h = len(token)
    for byte in token[:24]:
        h = (h * 1099511628211 + byte) % 2**64
    return h


def test_tokens_are_lower_cased_runs_of_letters_digits_apostrophes_and_non_ascii():
    utterances = ["Hello, WORLD! it's", "", "Café2go--ROI  ", "ok"]
    encoded = [u.encode() for u in utterances]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    offsets = np.cumsum([0] + [len(e) for e in encoded])
    utterance, hashes = tokens(data, offsets)
    expected = [
        (0, b"hello"),
        (0, b"world"),
        (0, b"it's"),
        (2, "café2go".encode()),
        (2, b"roi"),
        (3, b"ok"),
    ]
    assert utterance.tolist() == [u for u, _ in expected]
    assert hashes.tolist() == [_fnv(t) for _, t in expected]


def test_beyond_the_training_cap_a_seeded_sample_trains_and_the_rest_stay_unseen(tmp_path):
    calls, human = _memorable(60)
    con, spec = _warehouse(tmp_path, calls, human)
    report = learn_and_score(
        con,
        spec,
        cycle=CYCLE,
        settings=LearnedSettings(max_training_calls=40),
        signal_counts_table="_counts",
        prefer_learned=True,
    )
    assert report["training_calls"] == 40
    assert report["scorer_id"].startswith("learned:r@1/learned-2/n40/")
    rows = con.execute(
        "select call_id, score, evidence_reason from raw.auto_scores where cycle = $c",
        {"c": CYCLE},
    ).fetchall()
    assert all("ridge on 40 human-scored calls" in reason for _, _, reason in rows)
    sample = {call for call, _, reason in rows if "this call held out" in reason}
    assert len(sample) == 40  # the sample's calls, scored in cross-validation
    # the other 20 human-scored calls were never trained on: their own word is unknown to
    # the full model, which gives each the mean level of the 40 it learned from
    mean = sum(human[call] for call in sample) / 40
    unseen = {call: score for call, score, _ in rows if call not in sample}
    assert len(unseen) == 20
    assert set(unseen.values()) == {float(int(mean + 0.5))}


def test_quadratic_kappa_by_hand():
    # human 1, 2, 3 against 1, 2, 2 on a 1-3 scale: observed disagreement 1 (3 vs 2) of
    # 3 calls; chance: marginals (1, 1, 1) and (1, 2, 0), sum of (i - j)^2 h_i p_j / 3 =
    # (2 + 1 + 6) / 3 = 3; kappa = 1 - 1 / 3
    kappa = quadratic_kappa(np.array([1.0, 2, 2]), np.array([1.0, 2, 3]), 1, 3)
    assert kappa == pytest.approx(2 / 3)
    assert quadratic_kappa(np.array([2.0, 2]), np.array([2.0, 2]), 1, 3) == 0.0


def test_fitted_thresholds_are_not_rounding():
    predicted = np.array([0.9, 1.2, 1.4, 2.6])
    human = np.array([1.0, 2, 2, 3])
    # rounding puts 1.2 and 1.4 at level 1 (kappa below 1); the fitted cut points put
    # every call at its own level (kappa 1)
    assert to_levels(predicted, np.array([1.5, 2.5]), 1).tolist() == [1, 1, 1, 3]
    cuts = fit_thresholds(predicted, human, 1, 3)
    assert to_levels(predicted, cuts, 1).tolist() == [1, 2, 2, 3]
    assert 0.9 < cuts[0] < 1.2 and 1.4 < cuts[1] < 2.6


def test_leave_one_out_of_the_dual_solve_is_exact():
    """The penalty's leave-one-out predictions from one eigendecomposition equal refitting
    scikit-learn's primal ridge (with intercept) without each call."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(12, 5))
    y = rng.integers(1, 6, size=12).astype(float)
    fit = solve(x @ x.T, y, 1, 5, grid=(0.5,))
    centred = x - x.mean(axis=0)
    assert fit.alpha[0] == pytest.approx(0.5 * np.trace(centred @ centred.T) / 12)
    for i in range(12):
        rest = np.arange(12) != i
        ridge = Ridge(alpha=fit.alpha[0]).fit(x[rest], y[rest])
        assert fit.loo[i, 0] == pytest.approx(ridge.predict(x[[i]])[0], abs=1e-9)
    # and the dual coefficients give scikit-learn's fit on every call
    ridge = Ridge(alpha=fit.alpha[0]).fit(x, y)
    assert (x @ x.T @ fit.dual[:, 0] + fit.intercept[0]) == pytest.approx(ridge.predict(x))


def _behaviours(n: int) -> tuple[dict, dict, dict]:
    """n calls; call i has i % 5 rep lines promising a guarantee among filler lines, its
    level is 1 + that count, and the reviewer marked the first such line."""
    calls, human, marks = {}, {}, {}
    for i in range(n):
        k = i % 5
        lines = [("rep", "hello there"), ("prospect", "hi what is this about")]
        for j in range(4):
            lines.append(("rep", f"we can guarantee item {j} ships on time" if j < k else "ok"))
            lines.append(("prospect", "right"))
        calls[f"call_{i:03d}"] = lines
        human[f"call_{i:03d}"] = 1.0 + k
        if k:
            marks[f"call_{i:03d}"] = 3000  # seq 3, the first rep line after the greeting
    return calls, human, marks


def test_marked_moments_train_an_utterance_scorer_whose_counts_score_the_calls(tmp_path):
    calls, human, marks = _behaviours(100)
    scored = dict(list(sorted(human.items()))[:60])
    con, spec = _warehouse(tmp_path, calls, scored)
    con.execute("alter table raw.scores add column evidence_start_ms bigint")
    con.executemany(
        "update raw.scores set evidence_start_ms = ? where call_id = ?",
        [(ms, call) for call, ms in marks.items()],
    )
    report = learn_and_score(con, spec, cycle=CYCLE, signal_counts_table="_counts")
    assert report["criteria"]["c0"]["scored_by"] == "learned"
    assert report["criteria"]["c0"]["learned"]["within_one_rate"] == 1.0
    rows = con.execute(
        "select call_id, score, evidence_text from raw.auto_scores where criterion_id = 'c0' "
        "order by call_id"
    ).fetchall()
    assert len(rows) == 100
    # the 40 calls nobody scored, by the full model: within one level of the count
    unseen = [r for r in rows if r[0] not in scored]
    assert all(abs(r[1] - human[r[0]]) <= 1 for r in unseen)
    # above the training mean, the evidence is a promised guarantee
    assert all("guarantee" in r[2] for r in rows if r[1] > 3)
    # a follow-up window's copies of two unscored calls get the cycle model's levels,
    # utterance scorer and stack included
    window = f"{CYCLE}-followup"
    copies = {"w94": calls["call_094"], "w95": calls["call_095"]}
    con.executemany(
        "insert into raw.utterances values (?, ?, ?, ?, ?, ?, null, ?)",
        [
            (window, call, seq, seq * 1000, seq * 1000 + 900, role, text)
            for call, lines in copies.items()
            for seq, (role, text) in enumerate(lines, start=1)
        ],
    )
    score_calls(con, spec, cycle=window, rubric_version="1", signal_counts_table="_counts")
    score_window_with_cycle_models(con, spec, window, CYCLE, signal_counts_table="_counts")
    cycle_rows = {r[0]: r[1:] for r in rows}
    assert con.execute(
        "select call_id, score, evidence_text from raw.auto_scores "
        "where cycle = $w and criterion_id = 'c0' order by call_id",
        {"w": window},
    ).fetchall() == [("w94", *cycle_rows["call_094"]), ("w95", *cycle_rows["call_095"])]


def test_the_benchmark_splits_are_fixed_halves_each_held_out_once_per_repeat():
    ids = [f"d{i:03d}" for i in range(300)]
    folds = splits(list(reversed(ids)))
    assert len(folds) == 10
    for r in range(5):
        (train, test), (train2, test2) = folds[2 * r], folds[2 * r + 1]
        assert (train, test) == (test2, train2)
        assert len(train) == len(test) == 150 and sorted(train + test) == ids
    # the seeds are fixed in code: the first repeat's first half is always the same
    order = np.random.default_rng(SPLIT_SEED).permutation(300)
    assert folds[0][0] == sorted(ids[i] for i in order[:150])
    assert folds[0][0] != folds[2][0]


def test_each_utterance_counts_once_in_its_fifth_of_the_call_by_speaker(tmp_path):
    lines = [("rep", "hello"), ("prospect", "hi"), ("rep", "a b"), ("prospect", ""), ("rep", "c")]
    con, _ = _warehouse(tmp_path, {"call_000": lines}, {"call_000": 1.0})
    (made,) = list(transcript_batches(con, CYCLE))
    counts = made.utterance_counts.tocsr()
    position = position_columns()  # fifths 1-5 of the rep's block, then the prospect's
    expected = [position[0], position[5 + 1], position[2], position[5 + 3], position[4]]
    for row, column in enumerate(expected):
        assert counts[row, column] == 1, row
    # words + neighbouring pairs + the position: 1, 1, 2 + 1, 0, 1 terms, and 1 position each
    assert np.diff(counts.indptr).tolist() == [2, 2, 4, 1, 2]
