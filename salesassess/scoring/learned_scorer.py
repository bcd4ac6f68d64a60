"""The learned scorer: a model per criterion trained on the team's reviewers' scores.

The rules (:mod:`salesassess.scoring.auto_scorer`) score every call first. Then, per rubric version
and criterion with at least ``learned_scorer_min_scored_calls`` (default 50) calls of the
cycle scored by humans (and by external scorers too when ``learned_scorer_use_external``
is true; a call's target is the mean of its scores), a model learns the human level from:

* **utterances** (:mod:`salesassess.scoring.learned_text`): each utterance's words and word
  pairs and its fifth of the call, hashed into 2**18 columns per speaker (who speaks, and
  where, is part of the column), times
  the inverse document frequency of the training calls. A linear weight per column gives
  every utterance a learned score; a call's text part is the **sum** of its utterances'
  scores over the square root of its utterance count, so a behaviour counts each time it
  happens (a call vector scaled to length 1 would hide how often);
* **marked moments**: where reviewers marked the moment of a score (``evidence_start_ms``
  in ``scores.csv``; the utterance of the call starting last at or before it), a second
  utterance scorer per criterion (naive Bayes log ratios: marked utterances against the
  utterances of calls at the bottom level) gives each utterance a probability of being
  such a moment, and the call's sum of them is its expected count of the behaviour
  (criteria with at least ``MIN_MARKED`` marked training calls);
* **the rules**: each signal's count (log(1 + n)) and the rules' level on every criterion,
  standardised on the training calls.

The model (:mod:`salesassess.scoring.learned_model`) is ridge regression with an intercept,
solved exactly in its dual form (a few thousand training calls against hundreds of
thousands of terms), its penalty chosen per criterion by exact leave-one-out
cross-validation on the training calls; with marked moments, a second ridge stacks the
text prediction (leave-one-out) and the expected count (from utterance scorers fitted
without the call's fold). The output is ordinal: cut points fitted on the leave-one-out
predictions (maximising quadratic kappa) turn a prediction into a level, no rounding.

**Honest agreement.** The human-scored calls are split into 5 folds (seeded shuffle of the
sorted call ids); each fold's calls are scored by a model (penalty, weights, utterance
scorers, stack and cut points) fitted on the other folds' labels only, so every learned
score of a human-scored call comes from a model that never saw its label (the label-free
term weights and standardisation come from the texts of all the human-scored calls). The
calls nobody scored get the model fitted on every human-scored call. The rules never see a
label, so their agreement on the same calls is held out too. Per criterion the scorer with
the higher within-1 share against the human level (ties: quadratic kappa, then the rules)
scores **every** call of the cycle in ``raw.auto_scores``; dbt's ``auto_vs_human``
agreement then measures exactly the held-out scores, and ``raw.auto_scorer_candidates``
keeps both candidates' held-out figures for ``fct_rubric_reliability``. Too few human
scores, or a rubric without rules: the rules' scores stay.

**Windows.** A follow-up or check-in window is not trained on: each criterion the model
won in its cycle scores the window's calls with the cycle's full model, refitted on the
same calls and features (:func:`score_window_with_cycle_models`), under the cycle's
scorer id; the rules keep the others.

**Evidence.** A learned level points at the utterance that moves the prediction most
(its share of the prediction: its words' push on the text part, and with marked moments
its probability of being one times the stack's weight; the largest upward push when the
level is at or above the training mean, else the largest downward one), with a reason
naming the model, its training set and what the rules said.

**Reproducible.** Fixed seed, no randomness elsewhere (hashing, sparse solvers);
``scorer_id`` = ``learned:<rubric>@<version>/learned-2/n<training calls>/<date of the
latest training score>`` (no wall-clock time), also in the asset's metadata.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from salesassess.scoring.auto_scorer import mm_ss_sql, score_calls
from salesassess.scoring.learned_model import (
    SEED,
    Utterances,
    agreement,
    better,
    cross_validate,
    design,
    fit_model,
    fold_of,
    kernel,
    stack,
    to_levels,
)
from salesassess.scoring.learned_text import Batch, transcript_batches
from salesassess.scoring.scorer_spec import ScorerSpec

LEARNED_VERSION = "learned-2"
CANDIDATES_TABLE = "raw.auto_scorer_candidates"
CANDIDATES_DDL = (
    "cycle varchar, rubric_version varchar, criterion_id varchar, scorer_id varchar, "
    "n_calls bigint, within_one_rate double, quadratic_weighted_kappa double, "
    "krippendorff_alpha_ordinal double, scores_calls boolean"
)


@dataclass(frozen=True)
class LearnedSettings:
    enabled: bool = True
    min_scored_calls: int = 50
    use_external: bool = False
    max_training_calls: int = 5000

    @classmethod
    def from_method(cls, method: dict) -> LearnedSettings:
        return cls(
            enabled=bool(method.get("learned_scorer_enabled", True)),
            min_scored_calls=int(method.get("learned_scorer_min_scored_calls", 50)),
            use_external=bool(method.get("learned_scorer_use_external", False)),
            max_training_calls=int(method.get("learned_scorer_max_training_calls", 5000)),
        )


# --- the run ------------------------------------------------------------------------------
def _human_targets(con, cycle: str, version: str, kinds: tuple[str, ...]) -> dict:
    rows = con.execute(
        "select criterion_id, call_id, avg(score), max(scored_at) from raw.scores "
        "where cycle = $cycle and rubric_version_resolved = $version "
        f"and scorer_kind in ({', '.join(repr(k) for k in kinds)}) "
        "and call_id in (select call_id from raw.utterances where cycle = $cycle) "
        "group by all order by all",
        {"cycle": cycle, "version": version},
    ).fetchall()
    targets: dict[str, dict[str, float]] = {}
    latest = None
    for criterion, call, score, scored_at in rows:
        targets.setdefault(criterion, {})[call] = float(score)
        latest = max(filter(None, [latest, scored_at]), default=None)
    marks: list[tuple[str, str, int]] = []
    columns = {r[0] for r in con.execute("describe raw.scores").fetchall()}
    if "evidence_start_ms" in columns:
        marks = con.execute(
            "select distinct criterion_id, call_id, evidence_start_ms from raw.scores "
            "where cycle = $cycle and rubric_version_resolved = $version "
            f"and scorer_kind in ({', '.join(repr(k) for k in kinds)}) "
            "and evidence_start_ms is not null order by all",
            {"cycle": cycle, "version": version},
        ).fetchall()
    return {"targets": targets, "latest": latest, "marks": marks}


def _rule_features(
    con, spec: ScorerSpec, cycle: str, counts_table: str | None, table: str = "raw.auto_scores"
):
    """Per call (sorted ids): signal counts (log 1 + n) and every criterion's rule level
    (the rules' rows of ``cycle`` in ``table``)."""
    criteria = [c.criterion_id for c in spec.criteria]
    levels = ", ".join(
        f"max(score) filter (where criterion_id = '{c}') as level_{i}"
        for i, c in enumerate(criteria)
    )
    query = f"select call_id, {levels} from {table} where cycle = $cycle group by call_id"
    if counts_table:
        described = con.execute(f"select * from {counts_table} limit 0").description
        # the signals' columns (rows, or none); a call without a row counts none of them
        counts = "".join(f', coalesce(s."{d[0]}", 0)' for d in described[1:])
        query = (
            f"select r.*{counts} from ({query}) r left join {counts_table} s "
            "on s.call_id = r.call_id"
        )
    # one Arrow table, not a Python tuple per call: 6.8 s -> 1 s at 1,000,000 calls
    read = con.sql(
        f"select * from ({query}) order by call_id", params={"cycle": cycle}
    ).to_arrow_table()
    calls = read.column(0).to_pylist()
    features = np.zeros((len(calls), read.num_columns - 1))
    for i in range(1, read.num_columns):
        features[:, i - 1] = read.column(i).to_numpy(zero_copy_only=False)
    del read
    features[:, len(criteria) :] = np.log1p(features[:, len(criteria) :])
    return calls, np.nan_to_num(features, nan=float(spec.scale_min))


def learn_and_score(
    con: duckdb.DuckDBPyConnection,
    spec: ScorerSpec,
    *,
    cycle: str,
    settings: LearnedSettings = LearnedSettings(),
    signal_counts_table: str | None = None,
    prefer_learned: bool = False,
) -> dict:
    """After the rules scored the cycle into ``raw.auto_scores``: per criterion with
    enough human scores, fit, cross-validate, and let the better scorer keep the calls.
    Writes ``raw.auto_scorer_candidates``; returns per-criterion figures and seconds.
    ``prefer_learned`` (evaluation only): the model scores every trainable criterion."""
    with threadpool_limits(limits=1, user_api="blas"):  # small dense solves: no thrashing
        return _learn_and_score(con, spec, cycle, settings, signal_counts_table, prefer_learned)


def _trainable(con, spec, cycle: str, settings: LearnedSettings) -> tuple[dict, dict]:
    """The cycle's human targets and, per criterion with enough of them, its targets."""
    kinds = ("human", "external") if settings.use_external else ("human",)
    human = _human_targets(con, cycle, spec.rubric_version, kinds)
    criteria = [c.criterion_id for c in spec.criteria]
    trainable = {
        c: t
        for c, t in human["targets"].items()
        if c in criteria and len(t) >= settings.min_scored_calls
    }
    return human, trainable


def _training_set(con, spec, cycle, settings, human, trainable, calls, rule_features):
    """The training calls (every call with a trainable criterion's human score, sorted; a
    seeded sample of ``settings.max_training_calls`` when there are more), their rows of
    ``rule_features``, their raw term counts and utterance counts, their utterances
    (:class:`Utterances`: a marked moment is the utterance of the call starting last at or
    before the ``evidence_start_ms`` of a human score) and the learned scorer id."""
    row_of = {c: i for i, c in enumerate(calls)}
    training = sorted({call for t in trainable.values() for call in t if call in row_of})
    if len(training) > settings.max_training_calls:
        # a seeded sample bounds the kernel (calls x calls); the other human-scored calls
        # are scored by the full model, which never saw their labels
        sample = np.random.default_rng(SEED).permutation(len(training))
        training = [training[i] for i in sorted(sample[: settings.max_training_calls])]
    train_rows = np.array([row_of[c] for c in training])
    batches = list(transcript_batches(con, cycle, training))
    read = [call for b in batches for call in b.call_ids]
    position = {call: i for i, call in enumerate(read)}
    order = [position[c] for c in training]
    counts = sp.vstack([b.counts for b in batches]).tocsr()[order]
    per_call = [np.bincount(b.utterance_call, minlength=len(b.call_ids)) for b in batches]
    utterances = np.concatenate(per_call)[order]
    date = str(human["latest"].date()) if human["latest"] else "undated"
    scorer_id = (
        f"learned:{spec.rubric_id}@{spec.rubric_version}/{LEARNED_VERSION}/n{len(training)}/{date}"
    )
    moments = _moments(batches, per_call, order, training, human["marks"], trainable)
    return training, train_rows, (counts, utterances, moments), scorer_id


def _moments(batches, per_call, order, training, marks, trainable) -> Utterances:
    """The training calls' utterances in training order, with the marked ones."""
    first = np.concatenate([[0], np.cumsum(np.concatenate(per_call))])
    rows = np.concatenate([np.arange(first[i], first[i + 1]) for i in order] or [[]])
    rows = rows.astype(np.int64)
    counts = sp.vstack([b.utterance_counts for b in batches]).tocsr()[rows]
    start_ms = np.concatenate([b.utterance_start_ms for b in batches])[rows]
    call = np.repeat(np.arange(len(training)), np.concatenate(per_call)[order])
    row_of = {c: i for i, c in enumerate(training)}
    begin = np.concatenate([[0], np.cumsum(np.bincount(call, minlength=len(training)))])
    marked: dict[str, list[int]] = {}
    for criterion, call_id, ms in marks:
        i = row_of.get(call_id)
        if i is None or criterion not in trainable or begin[i] == begin[i + 1]:
            continue
        starts = start_ms[begin[i] : begin[i + 1]]
        at = int(np.searchsorted(starts, ms, side="right")) - 1
        marked.setdefault(criterion, []).append(int(begin[i]) + max(at, 0))
    return Utterances(counts, call, {c: np.unique(r) for c, r in marked.items()})


def _learn_and_score(con, spec, cycle, settings, signal_counts_table, prefer_learned) -> dict:
    started = time.perf_counter()
    low, high = spec.scale_min, spec.scale_max
    con.execute(f"create table if not exists {CANDIDATES_TABLE} ({CANDIDATES_DDL})")
    con.execute(f"delete from {CANDIDATES_TABLE} where cycle = $c", {"c": cycle})
    human, trainable = _trainable(con, spec, cycle, settings)
    criteria = [c.criterion_id for c in spec.criteria]
    report: dict = {"criteria": {}, "scorer_id": None, "seconds": {}, "learned_criteria": []}
    if not settings.enabled or not trainable:
        report["reason"] = (
            "disabled"
            if not settings.enabled
            else f"fewer than {settings.min_scored_calls} human-scored calls per criterion"
        )
        return report
    calls, rule_features = _rule_features(con, spec, cycle, signal_counts_table)
    training, train_rows, texts, scorer_id = _training_set(
        con, spec, cycle, settings, human, trainable, calls, rule_features
    )
    report["seconds"]["training_text"] = round(time.perf_counter() - started, 3)
    rules_id = spec.scorer_id
    report["scorer_id"] = scorer_id
    report["training_calls"] = len(training)
    fold = fold_of(training)
    base, x = design(*texts[:2], rule_features[train_rows])
    gram = kernel(x)
    chosen: dict[str, int] = {}
    oof: dict[str, np.ndarray] = {}
    rules_level = {c: rule_features[:, i] for i, c in enumerate(criteria)}
    candidate_rows = []
    held_out = cross_validate(gram, fold, training, trainable, low, high, texts[2], texts[0])
    for criterion, target in trainable.items():
        index = np.array([i for i, c in enumerate(training) if c in target])
        y = np.array([target[training[i]] for i in index])
        learned_levels = held_out[criterion]
        oof[criterion] = learned_levels
        rules_levels = rules_level[criterion][train_rows[index]]
        figures = {
            "learned": agreement(learned_levels, y, low, high),
            "rules": agreement(rules_levels, y, low, high),
        }
        wins = prefer_learned or better(figures["learned"], figures["rules"])
        if wins:
            chosen[criterion] = criteria.index(criterion)
        report["criteria"][criterion] = {**figures, "scored_by": "learned" if wins else "rules"}
        for name, sid in (("learned", scorer_id), ("rules", rules_id)):
            f = figures[name]
            candidate_rows.append(
                (cycle, spec.rubric_version, criterion, sid, f["n_calls"], f["within_one_rate"])
                + (f["kappa"], f["alpha"], (name == "learned") == wins)
            )
    con.executemany(
        f"insert into {CANDIDATES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", candidate_rows
    )
    report["seconds"]["cross_validation"] = round(time.perf_counter() - started, 3)
    if chosen:
        models = _fit_chosen(
            chosen, trainable, training, texts, rule_features[train_rows], spec, (base, x, gram)
        )
        _score_every_call(con, spec, cycle, models, calls, rule_features)
        _write(con, spec, cycle, scorer_id, chosen, trainable, training, oof, len(training))
    report["learned_criteria"] = sorted(chosen)
    report["seconds"]["total"] = round(time.perf_counter() - started, 3)
    return report


def score_window_with_cycle_models(
    con: duckdb.DuckDBPyConnection,
    spec: ScorerSpec,
    window_label: str,
    cycle: str,
    settings: LearnedSettings = LearnedSettings(),
    signal_counts_table: str | None = None,
) -> dict:
    """After the rules scored a follow-up or check-in window (``window_label``) into
    ``raw.auto_scores`` (its signal counts in ``signal_counts_table``): every criterion the
    learned scorer scored in ``cycle`` (``raw.auto_scorer_candidates``, under this rubric
    version) scores the window's calls with the cycle's full model, refitted on the same
    human-scored calls, features and settings (deterministic, so the same model), under the
    cycle's scorer id; the criteria the rules won keep the rules. Returns the scorer id and
    the criteria, or a reason."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _score_window(con, spec, window_label, cycle, settings, signal_counts_table)


def _score_window(con, spec, window_label, cycle, settings, signal_counts_table) -> dict:
    report: dict = {"cycle": cycle, "scorer_id": None, "criteria": [], "learned_criteria": []}
    con.execute(f"create table if not exists {CANDIDATES_TABLE} ({CANDIDATES_DDL})")
    won = con.execute(
        f"select criterion_id, scorer_id from {CANDIDATES_TABLE} where cycle = $cycle "
        "and rubric_version = $version and scores_calls and scorer_id like 'learned:%' "
        "order by criterion_id",
        {"cycle": cycle, "version": spec.rubric_version},
    ).fetchall()
    window_calls, window_features = _rule_features(con, spec, window_label, signal_counts_table)
    if not won or not window_calls:
        report["reason"] = (
            f"the rules score every criterion of {cycle} under rubric version {spec.rubric_version}"
            if not won
            else f"{window_label} has no scored call"
        )
        return report
    human, trainable = _trainable(con, spec, cycle, settings)
    criteria = [c.criterion_id for c in spec.criteria]
    chosen = {c: criteria.index(c) for c, _ in won if c in trainable}
    # the cycle's rule features: its learned criteria's rows now hold the model's levels
    cycle_rules, cycle_counts = "_learned_cycle_rules", "_learned_cycle_counts"
    try:
        score_calls(
            con,
            spec,
            cycle=cycle,
            rubric_version=spec.rubric_version,
            target_table=cycle_rules,
            signal_counts_table=cycle_counts,
        )
        calls, rule_features = _rule_features(con, spec, cycle, cycle_counts, cycle_rules)
    finally:
        con.execute(f"drop table if exists {cycle_rules}")
        con.execute(f"drop table if exists temp.{cycle_counts}")
    training, train_rows, texts, scorer_id = _training_set(
        con, spec, cycle, settings, human, trainable, calls, rule_features
    )
    stored = sorted({sid for _, sid in won})
    if stored != [scorer_id] or set(chosen) != {c for c, _ in won}:
        raise ValueError(
            f"{CANDIDATES_TABLE}: {cycle} was scored by {', '.join(stored)}, but its human "
            f"scores now train {scorer_id}: materialise {cycle} again before {window_label}"
        )
    models = _fit_chosen(chosen, trainable, training, texts, rule_features[train_rows], spec)
    _score_every_call(con, spec, window_label, models, window_calls, window_features)
    oof = {c: np.zeros(0) for c in chosen}
    _write(con, spec, window_label, scorer_id, chosen, trainable, [], oof, len(training))
    report.update(
        scorer_id=scorer_id,
        criteria=sorted(chosen),
        learned_criteria=sorted(chosen),
        training_calls=len(training),
    )
    return report


def _fit_chosen(chosen, trainable, training, texts, train_features, spec, prepared=None) -> list:
    """Fit the chosen criteria on every human-scored call (one multi-output model per
    training set); ``texts``: the training calls' term counts and utterance counts;
    ``prepared``: the (model, design, kernel) of every training call."""
    counts, utterances, moments = texts
    fold = fold_of(training)
    groups: dict[tuple, list[str]] = {}
    for criterion in chosen:
        key = tuple(i for i, c in enumerate(training) if c in trainable[criterion])
        groups.setdefault(key, []).append(criterion)
    models = []
    for key, criteria in groups.items():
        index = np.array(key)
        y = np.array([[trainable[c][training[i]] for c in criteria] for i in index])
        whole = len(index) == len(training)  # every human-scored call: the CV's kernel
        model = fit_model(
            counts[index],
            utterances[index],
            train_features[index],
            y,
            spec.scale_min,
            spec.scale_max,
            prepared if whole else None,
        )
        stacks = [
            stack(
                moments,
                counts,
                c,
                np.array([trainable[c].get(t, np.nan) for t in training]),
                index,
                fold,
                model.loo[:, j],
                spec.scale_min,
                spec.scale_max,
            )
            for j, c in enumerate(criteria)
        ]
        stacks = [s[0] if s is not None else None for s in stacks]
        # columns x (criteria, then the stacked criteria's utterance scorers): one product
        # per batch gives every utterance's pushes and scores
        weights = np.column_stack(
            [(model.text_coef * model.idf).T] + [s.scorer.weights for s in stacks if s is not None]
        )
        models.append((model, criteria, y.mean(axis=0), np.ascontiguousarray(weights), stacks))
    return models


def _score_every_call(con, spec, cycle, models, calls, rule_features):
    """Score every call of ``cycle`` (``calls``, sorted, and their rows of
    ``rule_features``, as :func:`_rule_features` gives them) with the fitted models into
    temp table _learned_scores, with the utterance that moves the prediction most (each
    batch scored in the tokenising threads)."""
    low = spec.scale_min
    row_of = {c: i for i, c in enumerate(calls)}

    def score(batch: Batch) -> list[pa.Table]:
        features = rule_features[np.array([row_of[c] for c in batch.call_ids])]
        calls_in_batch = pa.array(batch.call_ids, pa.string())
        call_first = np.flatnonzero(np.diff(batch.utterance_call, prepend=-1))
        parts = []
        for model, criteria, means, weights, stacks in models:
            scale = model.scale(np.diff(np.append(call_first, len(batch.utterance_call))))
            # each utterance's learned score: its words' push on the prediction (counts x
            # idf x weight over the square root of the call's utterances), per criterion;
            # the call's prediction is their sum, plus the rules' part and the intercept
            products = np.asarray(batch.utterance_counts @ weights)
            pushes = products[:, : len(criteria)] / scale[batch.utterance_call][:, None]
            scored = iter(range(len(criteria), products.shape[1]))
            text_part = np.add.reduceat(pushes, call_first, axis=0)
            predictions = text_part + model.rules(features) @ model.rule_coef.T + model.intercept
            all_levels = model.levels(predictions, low)
            for j, criterion in enumerate(criteria):
                levels, push = all_levels[:, j], pushes[:, j]
                stacked = stacks[j]
                if stacked is not None:
                    # the stack: the text prediction and the sum of the utterances'
                    # probabilities of being a marked moment, each utterance's share of both
                    chance = 1.0 / (
                        1.0 + np.exp(-(products[:, next(scored)] + stacked.scorer.bias))
                    )
                    final = (
                        stacked.intercept
                        + stacked.text * predictions[:, j]
                        + stacked.moments * np.add.reduceat(chance, call_first)
                    )
                    levels = to_levels(final, stacked.cuts, low)
                    push = stacked.text * push + stacked.moments * chance
                best = _strongest(push, levels >= means[j], batch.utterance_call, call_first)
                parts.append(
                    pa.table(
                        {
                            "call_id": calls_in_batch,
                            "criterion_id": pa.array([criterion] * len(best), pa.string()),
                            "score": levels,
                            "evidence_seq": batch.utterance_seq[best].astype(np.int64),
                            "evidence_start_ms": batch.utterance_start_ms[best],
                            "evidence_text": batch.utterance_text.take(best),
                            "contribution": push[best],
                        }
                    )
                )
        return parts

    parts = [part for parts in transcript_batches(con, cycle, then=score) for part in parts]
    scored = pa.concat_tables(parts) if parts else None
    con.register("_learned_scored_view", scored)
    con.execute(
        "create or replace temp table _learned_scores as select * from _learned_scored_view"
    )
    con.unregister("_learned_scored_view")


def _strongest(push, upward, utterance_call, call_first) -> np.ndarray:
    """Per call, its first utterance pushing hardest towards the predicted side of the
    training mean (``upward``: per call, the level is at or above it)."""
    toward = np.where(upward, 1.0, -1.0)[utterance_call] * push
    strongest = np.maximum.reduceat(toward, call_first)[utterance_call]
    at = np.flatnonzero(toward == strongest)
    return at[np.flatnonzero(np.diff(utterance_call[at], prepend=-1))]


def _write(con, spec, cycle, scorer_id, chosen, trainable, training, oof, n_training):
    """Replace the chosen criteria's rows of raw.auto_scores: a human-scored call keeps
    its out-of-fold level, every other call the full model's; the evidence is the
    utterance that moves the prediction most, the reason names the model and the rules."""
    held_out = []
    for criterion in chosen:
        target = trainable[criterion]
        called = [c for c in training if c in target]
        held_out.extend(zip(called, [criterion] * len(called), oof[criterion], strict=True))
    table = pa.table(
        {
            "call_id": pa.array([h[0] for h in held_out], pa.string()),
            "criterion_id": pa.array([h[1] for h in held_out], pa.string()),
            "score": pa.array([float(h[2]) for h in held_out], pa.float64()),
        }
    )
    con.register("_learned_oof_view", table)
    chosen_list = ", ".join(f"'{c}'" for c in chosen)
    level = "coalesce(o.score, l.score)"
    reason = (
        f"'learned level ' || cast(cast({level} as integer) as varchar) || ' ({LEARNED_VERSION}, "
        f"ridge on {n_training} human-scored calls'"
        " || case when o.score is not null then ', this call held out' else '' end"
        " || '; rules said ' || cast(cast(r.score as integer) as varchar) || '): "
        "this utterance ' || case when l.contribution >= 0 then 'raises' else 'lowers' end"
        " || ' the prediction most (' || case when l.contribution >= 0 then '+' else '' end"
        " || cast(round(l.contribution, 2) as varchar) || '); rules: ' || r.evidence_reason"
    )
    con.execute("begin transaction")
    try:
        con.execute(
            "create or replace temp table _learned_rows as select "
            f"r.cycle, r.call_id, r.criterion_id, {level} as score, $scorer_id as scorer_id, "
            "'auto' as scorer_kind, r.rubric_version, l.evidence_start_ms, "
            f"{mm_ss_sql('l.evidence_start_ms')} as evidence_mm_ss, l.evidence_seq, "
            f"cast(l.evidence_text as varchar) as evidence_text, {reason} as evidence_reason "
            "from raw.auto_scores r "
            "join _learned_scores l on l.call_id = r.call_id and l.criterion_id = r.criterion_id "
            "left join _learned_oof_view o on o.call_id = r.call_id "
            "and o.criterion_id = r.criterion_id "
            f"where r.cycle = $cycle and r.criterion_id in ({chosen_list})",
            {"cycle": cycle, "scorer_id": scorer_id},
        )
        con.execute(
            f"delete from raw.auto_scores where cycle = $cycle and criterion_id in ({chosen_list})",
            {"cycle": cycle},
        )
        con.execute("insert into raw.auto_scores select * from _learned_rows")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("_learned_oof_view")
        for name in ("_learned_rows", "_learned_scores", "_learned_wanted"):
            con.execute(f"drop table if exists temp.{name}")
