"""The learned scorer against simple baselines on real chats, on fixed repeated splits:
``python -m bench.scorer_baselines [--curve]``.

Data: PersuasionForGood's 300 annotated dialogues, their human levels per criterion as in
:mod:`bench.persuasion_agreement` (1 + the persuader sentences labelled with one of the
criterion's strategies, capped at 5), scored with ``rubrics/templates/persuasion.yaml``.
A human score also carries the moment the reviewer marked (``evidence_start_ms``): the
first persuader sentence labelled with one of the criterion's strategies (none at level 1).

Splits, fixed in code before any experiment: 5 repeats x 2 folds; repeat ``r`` shuffles
the sorted dialogue ids with ``numpy.random.default_rng(SEED + r)`` and halves them, each
half trains once and is scored once (150 training dialogues, 150 held out). Every figure
is the mean and the standard deviation over the 10 held-out halves, computed on levels
(the rubric's scale, as a customer sees them):

* ``rules``: the rubric's rules (no label seen);
* ``product``: the product's learned scorer, run as the pipeline runs it
  (:func:`salesassess.scoring.learned_scorer.learn_and_score` on a DuckDB file holding
  the training half's human scores), its levels of the held-out half read back from
  ``raw.auto_scores``; ``product_unmarked``: the same without the marked moments;
* ``tfidf_ridge``: tf-idf of the dialogue's word 1-2 grams + ridge, rounded;
* ``char_ridge``: tf-idf of character 2-5 grams (within words) + ridge, rounded;
* ``tfidf_ridge_thresholds``: the tf-idf ridge with thresholds fitted on its
  leave-one-out predictions of the training half (maximising quadratic kappa);
* ``tfidf_logistic``: multinomial logistic regression on the word tf-idf, its most
  likely level.

Every baseline's regularisation is chosen per criterion and split by inner
cross-validation on the training half only (ridge: leave-one-out over
:data:`RIDGE_ALPHAS`; logistic: 5-fold over :data:`LOGISTIC_CS`). The tf-idf vocabulary
and weights come from the training half's texts.

``--curve``: the learning curve: 5 repeats, each holding out 100 dialogues (seeded as
above) and training on the first 50, 100 and 200 of the other 200 (400 needs more than
the 300 annotated dialogues).
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
from scipy.stats import spearmanr
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV, RidgeCV
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold

from bench.persuasion_agreement import CYCLE, DATASET, STRATEGIES, TEMPLATE, load
from salesassess.scoring.learned_model import fit_thresholds
from salesassess.scoring.learned_model import to_levels as cut_levels

SEED = 20261207
REPEATS = 5
LOW, HIGH = 1, 5
RIDGE_ALPHAS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
LOGISTIC_CS = (0.1, 1.0, 10.0, 100.0)
CURVE_SIZES = (50, 100, 200, 400)
CURVE_HELD_OUT = 100


def splits(ids: list[str], repeats: int = REPEATS) -> list[tuple[list[str], list[str]]]:
    """5 x 2-fold: per repeat, the sorted ids shuffled by its seed and halved; each half
    trains once and is held out once."""
    ordered = sorted(ids)
    out = []
    for r in range(repeats):
        order = np.random.default_rng(SEED + r).permutation(len(ordered))
        half = len(ordered) // 2
        first = sorted(ordered[i] for i in order[:half])
        second = sorted(ordered[i] for i in order[half:])
        out += [(first, second), (second, first)]
    return out


def curve_splits(ids: list[str], size: int, repeats: int = REPEATS) -> list:
    """Per repeat: CURVE_HELD_OUT dialogues held out, the first ``size`` of the rest (in
    the repeat's shuffled order) train; None where the corpus is too small."""
    ordered = sorted(ids)
    if size + CURVE_HELD_OUT > len(ordered):
        return []
    out = []
    for r in range(repeats):
        order = np.random.default_rng(SEED + r).permutation(len(ordered))
        test = sorted(ordered[i] for i in order[:CURVE_HELD_OUT])
        train = sorted(ordered[i] for i in order[CURVE_HELD_OUT : CURVE_HELD_OUT + size])
        out.append((train, test))
    return out


def measures(levels: np.ndarray, human: np.ndarray) -> dict[str, float]:
    """Spearman, quadratic-weighted kappa and within-1 share of levels against human
    levels (a constant prediction has Spearman 0)."""
    rho = spearmanr(levels, human).statistic if np.ptp(levels) and np.ptp(human) else 0.0
    kappa = cohen_kappa_score(
        human.astype(int), levels.astype(int), labels=range(LOW, HIGH + 1), weights="quadratic"
    )
    return {
        "spearman": float(rho),
        "kappa": float(kappa),
        "within_one": float(np.mean(np.abs(levels - human) <= 1)),
    }


def to_levels(predicted: np.ndarray, cuts: np.ndarray | None = None) -> np.ndarray:
    """Rounded to the nearest level, or cut at fitted thresholds."""
    if cuts is None:
        return np.clip(np.floor(predicted + 0.5), LOW, HIGH)
    return cut_levels(predicted, cuts, LOW)


# --- the corpus ---------------------------------------------------------------------------
class Corpus:
    """The annotated dialogues in a DuckDB file: utterances, rules' scores, human levels
    and marked moments; texts per dialogue for the baselines."""

    def __init__(self, folder: Path, dataset: Path = DATASET):
        from salesassess.scoring.auto_scorer import score_calls
        from salesassess.scoring.scorer_spec import load_scorer

        self.spec = load_scorer(TEMPLATE)
        self.con = duckdb.connect(str(folder / "corpus.duckdb"))
        load(self.con, dataset)
        score_calls(
            self.con,
            self.spec,
            cycle=CYCLE,
            rubric_version=self.spec.rubric_version,
            signal_counts_table="_signal_counts",
        )
        self.con.execute("create table rules_scores as select * from raw.auto_scores")
        annotated = dataset / "annotated_dialog.csv"
        values = ", ".join(f"('{c}', '{label}')" for c, ls in STRATEGIES.items() for label in ls)
        # the first labelled persuader sentence per dialogue and criterion: its start_ms
        self.con.execute(
            "create table marked as select a.B2 as call_id, v.criterion_id, "
            "min((a.seq - 1) * 15000) as start_ms from (select *, row_number() over "
            "(partition by B2 order by rn) as seq from (select *, row_number() over () as rn "
            f"from read_csv('{annotated}', all_varchar = true))) a join (values {values}) "
            "v(criterion_id, label) on a.B4 = '0' and v.label in (a.er_label_1, a.er_label_2) "
            "group by all"
        )
        rows = self.con.execute(
            "select call_id, string_agg(case when speaker_role = 'rep' then 'REP: ' else "
            "'PROSPECT: ' end || coalesce(text, ''), '\n' order by seq) "
            "from raw.utterances group by 1 order by 1"
        ).fetchall()
        self.ids = [r[0] for r in rows]
        self.text = dict(rows)
        self.human = {c: {} for c in STRATEGIES}
        for call, criterion, level in self.con.execute(
            "select call_id, criterion_id, level from human_levels"
        ).fetchall():
            self.human[criterion][call] = float(level)
        self.rules = {c: {} for c in STRATEGIES}
        for call, criterion, level in self.con.execute(
            "select call_id, criterion_id, score from rules_scores"
        ).fetchall():
            if criterion in self.rules:
                self.rules[criterion][call] = float(level)

    def product(self, train: list[str], test: list[str], marks: bool = True) -> dict:
        """The product's levels of ``test`` per criterion, trained on ``train``'s human
        scores (with their marked moments, unless ``marks`` is false) as the pipeline
        trains it."""
        from salesassess.scoring.learned_scorer import LearnedSettings, learn_and_score

        con = self.con
        con.execute("create or replace table raw.auto_scores as select * from rules_scores")
        con.execute(
            "create or replace table raw.scores (cycle varchar, call_id varchar, "
            "criterion_id varchar, score double, scorer_id varchar, scorer_kind varchar, "
            "rubric_version_resolved varchar, scored_at timestamp, evidence_start_ms bigint)"
        )
        con.execute("create or replace temp table training (call_id varchar)")
        con.executemany("insert into training values (?)", [(c,) for c in train])
        con.execute(
            "insert into raw.scores select $cycle, h.call_id, h.criterion_id, h.level, "
            "'annotators', 'human', $version, timestamp '2026-09-30 00:00:00', "
            "case when $marks then m.start_ms end "
            "from human_levels h join training using (call_id) left join marked m "
            "on m.call_id = h.call_id and m.criterion_id = h.criterion_id",
            {"cycle": CYCLE, "version": self.spec.rubric_version, "marks": marks},
        )
        learn_and_score(
            con,
            self.spec,
            cycle=CYCLE,
            settings=LearnedSettings(min_scored_calls=min(50, len(train))),
            signal_counts_table="_signal_counts",
            prefer_learned=True,
        )
        scored = {c: {} for c in STRATEGIES}
        for call, criterion, level in con.execute(
            "select call_id, criterion_id, score from raw.auto_scores"
        ).fetchall():
            if criterion in scored:
                scored[criterion][call] = float(level)
        return {c: np.array([scored[c][i] for i in test]) for c in STRATEGIES}


# --- baselines ----------------------------------------------------------------------------
def _words() -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)


def _chars() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)


def _ridge(x_train, y, x_test, thresholds: bool) -> np.ndarray:
    model = RidgeCV(
        alphas=RIDGE_ALPHAS, store_cv_results=thresholds, scoring="neg_mean_squared_error"
    ).fit(x_train, y)
    predicted = model.predict(x_test)
    if not thresholds:
        return to_levels(predicted)
    loo = model.cv_results_[:, RIDGE_ALPHAS.index(model.alpha_)]  # leave-one-out predictions
    return to_levels(predicted, fit_thresholds(loo, y, LOW, HIGH))


def _logistic(x_train, y, x_test) -> np.ndarray:
    counts = np.bincount(y.astype(int))
    folds = max(2, min(5, int(counts[counts > 0].min())))
    with warnings.catch_warnings():
        # lbfgs may stop at max_iter on a fold; scikit-learn 1.9 announces new defaults of
        # LogisticRegressionCV (scoring, l1_ratios, attributes): this run keeps today's
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        model = LogisticRegressionCV(
            Cs=list(LOGISTIC_CS),
            cv=StratifiedKFold(folds, shuffle=True, random_state=SEED),
            max_iter=2000,
        ).fit(x_train, y.astype(int))
    return model.predict(x_test).astype(float)


BASELINES: dict[str, tuple[Callable, Callable]] = {
    "tfidf_ridge": (_words, lambda a, y, b: _ridge(a, y, b, False)),
    "char_ridge": (_chars, lambda a, y, b: _ridge(a, y, b, False)),
    "tfidf_ridge_thresholds": (_words, lambda a, y, b: _ridge(a, y, b, True)),
    "tfidf_logistic": (_words, _logistic),
}


def run(corpus: Corpus, folds: list, methods: list[str]) -> dict:
    """Per method and criterion, the measures of each held-out fold; and seconds."""
    results: dict = {m: {c: [] for c in STRATEGIES} for m in methods}
    seconds: dict = dict.fromkeys(methods, 0.0)
    for train, test in folds:
        human = {c: np.array([corpus.human[c][i] for i in test]) for c in STRATEGIES}
        y_train = {c: np.array([corpus.human[c][i] for i in train]) for c in STRATEGIES}
        if "rules" in methods:
            for c in STRATEGIES:
                levels = np.array([corpus.rules[c][i] for i in test])
                results["rules"][c].append(measures(levels, human[c]))
        for name in [m for m in methods if m in ("product", "product_unmarked")]:
            started = time.perf_counter()
            levels = corpus.product(train, test, marks=name == "product")
            seconds[name] += time.perf_counter() - started
            for c in STRATEGIES:
                results[name][c].append(measures(levels[c], human[c]))
        for name in [m for m in methods if m in BASELINES]:
            started = time.perf_counter()
            vectorizer, model = BASELINES[name]
            features = vectorizer().fit([corpus.text[i] for i in train])
            x_train = features.transform([corpus.text[i] for i in train])
            x_test = features.transform([corpus.text[i] for i in test])
            for c in STRATEGIES:
                results[name][c].append(measures(model(x_train, y_train[c], x_test), human[c]))
            seconds[name] += time.perf_counter() - started
    return {"results": results, "seconds": seconds}


def summary(per_fold: list[dict]) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation over the folds of each measure."""
    return {
        k: (float(np.mean([f[k] for f in per_fold])), float(np.std([f[k] for f in per_fold])))
        for k in ("spearman", "kappa", "within_one")
    }


def table(results: dict) -> list[str]:
    lines = [
        "| criterion | scorer | Spearman | quadratic kappa | within-1 |",
        "|---|---|---|---|---|",
    ]
    for c in STRATEGIES:
        for method, per_criterion in results.items():
            s = summary(per_criterion[c])
            cells = " | ".join(f"{m:.3f} ± {sd:.3f}" for m, sd in s.values())
            lines.append(f"| {c} | {method} | {cells} |")
    lines.append("| **mean of the criteria** | | | | |")
    for method, per_criterion in results.items():
        means = [
            np.mean([summary(per_criterion[c])[k][0] for c in STRATEGIES])
            for k in ("spearman", "kappa", "within_one")
        ]
        lines.append(f"| mean | {method} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    return lines


def curve(corpus: Corpus, methods: list[str]) -> list[str]:
    lines = [
        "| human-scored calls | scorer | Spearman (mean of criteria) | kappa | within-1 |",
        "|---|---|---|---|---|",
    ]
    for size in CURVE_SIZES:
        folds = curve_splits(corpus.ids, size)
        if not folds:
            lines.append(
                f"| {size} | (not measurable: {len(corpus.ids)} annotated dialogues) | | | |"
            )
            continue
        results = run(corpus, folds, methods)["results"]
        for method, per_criterion in results.items():
            means = [
                np.mean([summary(per_criterion[c])[k][0] for c in STRATEGIES])
                for k in ("spearman", "kappa", "within_one")
            ]
            lines.append(f"| {size} | {method} | " + " | ".join(f"{m:.3f}" for m in means) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="rules,product," + ",".join(BASELINES))
    parser.add_argument("--curve", action="store_true", help="the learning curve instead")
    args = parser.parse_args()
    methods = args.methods.split(",")
    with tempfile.TemporaryDirectory(prefix="scorer_baselines_") as folder:
        corpus = Corpus(Path(folder))
        if args.curve:
            print("\n".join(curve(corpus, methods)))
        else:
            outcome = run(corpus, splits(corpus.ids), methods)
            print("\n".join(table(outcome["results"])))
            print("seconds: " + ", ".join(f"{m} {s:.1f}" for m, s in outcome["seconds"].items()))
        corpus.con.close()


if __name__ == "__main__":
    main()
