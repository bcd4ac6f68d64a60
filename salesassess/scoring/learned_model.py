"""The learned scorer's model: per criterion, a count of behaviours. Each utterance gets a
learned score (its hashed words and word pairs, by speaker, times their weights); a call's
prediction is the sum of its utterances' scores over the square root of its utterance count,
plus the rules' standardised features and an intercept; fitted thresholds cut the
prediction into the rubric's levels. The weights are ridge regression in its dual form,
its penalty chosen per criterion by exact leave-one-out cross-validation on the training
calls, the thresholds fitted on those leave-one-out predictions (see
:mod:`salesassess.scoring.learned_scorer` for how the run uses them)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from sklearn.linear_model import RidgeCV
from threadpoolctl import threadpool_info, threadpool_limits

from salesassess.method.statistics import krippendorff_alpha, quadratic_weighted_kappa
from salesassess.scoring.learned_text import WIDTH, position_columns

SEED = 17
FOLDS = 5
# penalties tried by leave-one-out, as multiples of the mean diagonal of the centred kernel
ALPHA_GRID = tuple(10.0**k for k in np.arange(-3.0, 1.51, 0.5))
THRESHOLD_CANDIDATES = 40  # quantiles of the predictions tried as cut points
MIN_MARKED = 10  # marked moments a criterion needs for its utterance scorer
SMOOTHING = 1.0  # added to every column's count in the utterance scorer's log ratio
STACK_ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0)
POSITION_COLUMNS = position_columns()
DENSE_BLOCK_VALUES = 16_000_000  # values of a dense block of the kernel's frequent columns
# The learned scorer runs BLAS on one thread (its many small solves thrash on more); the
# kernel's dense products and the folds' eigendecompositions, calls x calls each, get the
# threads BLAS had at import (OPENBLAS_NUM_THREADS, else every core): 8.4 s -> 5.1 s per
# fold of 3,835 calls on 2 cores
BLAS_THREADS = max(
    (pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1
)


@dataclass
class Model:
    """One fitted model (one or several criteria sharing a training set): weights over the
    full hashed width (zero for terms no training call has), the rules' and the intercept;
    per output its penalty and its cut points."""

    idf: np.ndarray
    rule_mean: np.ndarray
    rule_scale: np.ndarray
    text_coef: np.ndarray  # outputs x text columns
    rule_coef: np.ndarray  # outputs x rule features
    intercept: np.ndarray  # outputs
    n_text: int = 2 * WIDTH
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    alpha: np.ndarray = field(default_factory=lambda: np.zeros(0))  # outputs
    cuts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # outputs x levels - 1
    loo: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # calls x outputs

    def text(self, counts: sp.csr_matrix, utterances: np.ndarray) -> sp.csr_matrix:
        """Each call's summed term counts x idf over the square root of its utterances."""
        scale = np.repeat(self.scale(utterances), np.diff(counts.indptr))
        return sp.csr_matrix(
            (counts.data * self.idf[counts.indices] / scale, counts.indices, counts.indptr),
            shape=counts.shape,
        )

    @staticmethod
    def scale(utterances: np.ndarray) -> np.ndarray:
        """A call's divisor: the square root of its utterance count (1 for none)."""
        return np.sqrt(np.maximum(np.asarray(utterances, dtype=np.float64), 1.0))

    def rules(self, rule_features: np.ndarray) -> np.ndarray:
        return (rule_features - self.rule_mean) / self.rule_scale

    def predict(
        self, counts: sp.csr_matrix, utterances: np.ndarray, rule_features: np.ndarray
    ) -> np.ndarray:
        """The continuous predictions (calls x outputs)."""
        linear = self.text(counts, utterances) @ self.text_coef.T
        return np.asarray(linear + self.rules(rule_features) @ self.rule_coef.T) + self.intercept

    def levels(self, predictions: np.ndarray, low: int) -> np.ndarray:
        """The levels of continuous predictions (calls x outputs) under each output's cuts."""
        return np.column_stack(
            [to_levels(predictions[:, j], self.cuts[j], low) for j in range(predictions.shape[1])]
        )


def design(
    counts: sp.csr_matrix, utterances: np.ndarray, rule_features: np.ndarray
) -> tuple[Model, sp.csr_matrix]:
    """The label-free part of a fit, from the training calls' texts and rule features:
    inverse document frequency, standardisation, and the design matrix (the columns some
    training call has, then the rule features)."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = np.log((1 + n) / (1 + df)) + 1.0
    idf[df == 0] = 0.0  # a term no training call has carries no weight
    used = np.flatnonzero(df)
    scale = rule_features.std(axis=0)
    scale[scale == 0] = 1.0
    model = Model(idf, rule_features.mean(axis=0), scale, np.zeros(0), np.zeros(0), np.zeros(0))
    model.used = used
    text = model.text(counts, utterances)
    x = sp.hstack([text[:, used], sp.csr_matrix(model.rules(rule_features))]).tocsr()
    return model, x


def kernel(x: sp.csr_matrix) -> np.ndarray:
    """The linear kernel x x' of the training calls (dense, calls x calls). The columns
    that at least 1% of the calls have are multiplied as dense blocks (BLAS), the rest as
    sparse: a sparse product alone costs the square of a column's calls for every
    frequent word."""
    n = x.shape[0]
    by_column = x.tocsc()
    calls_with = np.diff(by_column.indptr)
    frequent = np.flatnonzero(calls_with >= max(2, n // 100))
    rare = by_column[:, np.flatnonzero(calls_with < max(2, n // 100))].tocsr()
    gram = np.asarray((rare @ rare.T).todense())
    step = max(1, DENSE_BLOCK_VALUES // max(n, 1))
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        for start in range(0, len(frequent), step):
            block = by_column[:, frequent[start : start + step]].toarray()
            gram += block @ block.T
    return gram


@dataclass
class Fit:
    """A dual ridge fit: coefficients (calls x outputs, columns summing to 0) and intercept,
    so that a call with kernel row k gets k @ dual + intercept; per output the penalty
    chosen and the cut points fitted on the leave-one-out predictions."""

    dual: np.ndarray
    intercept: np.ndarray
    alpha: np.ndarray
    cuts: np.ndarray
    loo: np.ndarray  # the leave-one-out predictions (calls x outputs) at the chosen penalty


def solve(
    gram: np.ndarray, targets: np.ndarray, low: int, high: int, grid: tuple = ALPHA_GRID
) -> Fit:
    """Ridge with an intercept in its dual form (calls << terms), on the centred linear
    kernel, per output: the penalty of ``grid`` (default :data:`ALPHA_GRID`; times the kernel's mean
    diagonal) with the least leave-one-out squared error, computed exactly from one
    eigendecomposition (the hat matrix's diagonal, as scikit-learn's RidgeCV does), and
    cut points fitted on that penalty's leave-one-out predictions
    (:func:`fit_thresholds`)."""
    n = gram.shape[0]
    y = np.asarray(targets, dtype=np.float64).reshape(n, -1)
    means = gram.mean(axis=0)  # the kernel is symmetric: row means = column means
    # (I - 1/n) K (I - 1/n), in one array: calls x calls arrays are the scorer's largest;
    # in LAPACK's (Fortran) order, so that the eigendecomposition works in it instead of
    # in a copy (the same values: 118 MB less at 3,835 calls)
    centred = np.subtract(gram, means[:, None], order="F")
    centred -= means[None, :]
    centred += means.mean()
    base = max(float(np.trace(centred)) / max(n, 1), 1e-12)
    # MRRR (LAPACK's syevr) works in O(calls) besides its output, where the divide and
    # conquer numpy uses needs twice the kernel's size
    with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
        values, vectors = scipy.linalg.eigh(
            centred, overwrite_a=True, check_finite=False, driver="evr"
        )
    del centred
    values = np.maximum(values, 0.0)
    y_mean = y.mean(axis=0)
    projected = vectors.T @ (y - y_mean)  # eigenbasis x outputs
    # the hat matrix's diagonal for every penalty at once, the squared vectors freed after
    shrinks = values[:, None] / (values[:, None] + np.array(grid)[None, :] * base)
    leverages = (vectors**2) @ shrinks + 1.0 / n  # intercept included
    outputs = y.shape[1]
    dual = np.zeros((n, outputs))
    alpha = np.zeros(outputs)
    cuts = np.zeros((outputs, high - low))
    best_error = np.full(outputs, np.inf)
    best_loo = np.zeros((n, outputs))
    for position, factor in enumerate(grid):
        a = factor * base
        shrink = shrinks[:, position]
        fitted = vectors @ (shrink[:, None] * projected) + y_mean
        leverage = leverages[:, position]
        loo = y - (y - fitted) / np.maximum(1.0 - leverage, 1e-9)[:, None]
        error = ((loo - y) ** 2).mean(axis=0)
        for j in np.flatnonzero(error < best_error - 1e-12):
            best_error[j], alpha[j], best_loo[:, j] = error[j], a, loo[:, j]
            dual[:, j] = vectors @ (projected[:, j] / (values + a))
    for j in range(outputs):
        cuts[j] = fit_thresholds(best_loo[:, j], y[:, j], low, high)
    return Fit(dual, y_mean - means @ dual, alpha, cuts, best_loo)


def fit_model(
    counts: sp.csr_matrix,
    utterances: np.ndarray,
    rule_features: np.ndarray,
    targets: np.ndarray,
    low: int,
    high: int,
    prepared=None,
    grid: tuple = ALPHA_GRID,
) -> Model:
    """Fit on the training calls' raw term counts, utterance counts, rule features and
    targets (calls, or calls x k): the weights over the full hashed width, for scoring any
    call. ``prepared``: the (model, design, kernel) of these calls, when already computed."""
    model, x, gram = prepared or (*design(counts, utterances, rule_features), None)
    if gram is None:
        gram = kernel(x)
    fit = solve(gram, targets, low, high, grid)
    model.intercept, model.alpha, model.cuts, model.loo = (
        fit.intercept,
        fit.alpha,
        fit.cuts,
        fit.loo,
    )
    coef = np.asarray(x.T @ fit.dual).T  # outputs x features
    used = model.used
    model.text_coef = np.zeros((coef.shape[0], counts.shape[1]))
    model.text_coef[:, used] = coef[:, : len(used)]
    model.rule_coef = coef[:, len(used) :]
    return model


def fold_of(call_ids: list[str], folds: int = FOLDS, seed: int = SEED) -> np.ndarray:
    """Each call's fold: a seeded shuffle of the sorted ids, dealt round-robin."""
    order = np.random.default_rng(seed).permutation(len(call_ids))
    fold = np.empty(len(call_ids), dtype=np.int64)
    ranked = sorted(range(len(call_ids)), key=lambda i: call_ids[i])
    for position, i in enumerate(order):
        fold[ranked[i]] = position % folds
    return fold


def quadratic_kappa(predicted: np.ndarray, human: np.ndarray, low: int, high: int) -> float:
    """Quadratic-weighted kappa of two integer level arrays on the scale low..high (0 when
    the chance disagreement is 0)."""
    k = high - low + 1
    observed = np.bincount(
        (human - low).astype(np.int64) * k + (predicted - low).astype(np.int64), minlength=k * k
    ).reshape(k, k)
    weights = (np.arange(k)[:, None] - np.arange(k)[None, :]) ** 2
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / max(observed.sum(), 1)
    chance = float((weights * expected).sum())
    return 1.0 - float((weights * observed).sum()) / chance if chance else 0.0


def fit_thresholds(predicted: np.ndarray, human: np.ndarray, low: int, high: int) -> np.ndarray:
    """Cut points t_1 <= ... <= t_(high - low) on continuous predictions (a prediction
    above exactly k of them is level low + k), fitted to maximise the quadratic kappa with
    the human levels (rounded): from the rounding cut points (low + 0.5, ...), each cut
    point in turn moves to the candidate between its neighbours that raises the kappa most
    (candidates: the rounding cut points and THRESHOLD_CANDIDATES quantiles of the
    predictions), three passes at most."""
    human = np.clip(np.floor(np.asarray(human, dtype=np.float64) + 0.5), low, high)
    cuts = np.arange(low, high, dtype=np.float64) + 0.5
    if len(predicted) == 0:
        return cuts
    candidates = np.unique(
        np.concatenate(
            [cuts, np.quantile(predicted, np.linspace(0, 1, THRESHOLD_CANDIDATES + 2)[1:-1])]
        )
    )

    def kappa(c: np.ndarray) -> float:
        return quadratic_kappa(low + np.searchsorted(c, predicted, side="left"), human, low, high)

    best = kappa(cuts)
    for _ in range(3):
        improved = False
        for k in range(len(cuts)):
            lo = cuts[k - 1] if k else -np.inf
            hi = cuts[k + 1] if k + 1 < len(cuts) else np.inf
            for value in candidates[(candidates >= lo) & (candidates <= hi)]:
                trial = cuts.copy()
                trial[k] = value
                score = kappa(trial)
                if score > best + 1e-12:
                    best, cuts, improved = score, trial, True
        if not improved:
            break
    return cuts


def to_levels(predicted: np.ndarray, cuts: np.ndarray, low: int) -> np.ndarray:
    """Levels of continuous predictions under fitted cut points."""
    return (low + np.searchsorted(cuts, predicted, side="left")).astype(np.float64)


def to_level(prediction: np.ndarray, low: int, high: int) -> np.ndarray:
    return np.clip(np.floor(prediction + 0.5), low, high)


def agreement(levels: np.ndarray, human: np.ndarray, low: int, high: int) -> dict:
    """Within-1 share, quadratic kappa and ordinal alpha of a scorer against human means."""
    rounded = to_level(human, low, high)
    categories = list(range(low, high + 1))
    return {
        "n_calls": len(levels),
        "within_one_rate": float(np.mean(np.abs(levels - human) <= 1)) if len(levels) else None,
        "kappa": quadratic_weighted_kappa(list(levels), list(rounded), categories),
        "alpha": krippendorff_alpha(np.vstack([levels, human]), "ordinal"),
    }


def better(learned: dict, rules: dict) -> bool:
    key = (learned["within_one_rate"], learned["kappa"] or -math.inf)
    return key > (rules["within_one_rate"], rules["kappa"] or -math.inf)


@dataclass
class Utterances:
    """The training calls' utterances: term counts (utterances x columns), each one's row
    of the training calls, and per criterion the utterances reviewers marked
    (``evidence_start_ms``) on its human scores."""

    counts: sp.csr_matrix
    call: np.ndarray
    marked: dict[str, np.ndarray]


@dataclass
class Moments:
    """An utterance scorer: an utterance's score is its term counts times ``weights`` plus
    ``bias`` (the log odds of a marked moment against an utterance of a call at the
    bottom level, naive Bayes with :data:`SMOOTHING`)."""

    weights: np.ndarray  # columns
    bias: float


@dataclass
class Stack:
    """A criterion's final prediction: ``intercept + text * (the call's ridge
    prediction) + moments * (the sum of its utterances' probabilities of being a marked
    moment)``, cut into levels at ``cuts``."""

    text: float
    moments: float
    intercept: float
    scorer: Moments
    cuts: np.ndarray


def _log_ratio(positive: np.ndarray, negative: np.ndarray, n_pos: int, n_neg: int) -> Moments:
    """Naive Bayes log ratios of the words; an utterance's position in its call carries
    none (every call has every position, so it would only say where reviewers tend to
    mark)."""
    p = positive + SMOOTHING
    q = negative + SMOOTHING
    weights = np.log(p / p.sum()) - np.log(q / q.sum())
    weights[POSITION_COLUMNS] = 0.0
    return Moments(weights, float(np.log(n_pos / n_neg)))


def stack(
    utterances: Utterances | None,
    call_counts: sp.csr_matrix,
    criterion: str,
    target: np.ndarray,
    fit_calls: np.ndarray,
    fold: np.ndarray,
    text_loo: np.ndarray,
    low: int,
    high: int,
) -> tuple[Stack, np.ndarray] | None:
    """The stack of ``criterion`` fitted on the training calls ``fit_calls`` (``target``:
    each training call's human level, nan where none), and every training call's moment
    sum under its final utterance scorer. The utterance scorer contrasts the marked
    utterances with every utterance of the calls at the bottom level (their summed term
    counts are the calls' counts). Each fit call's moment sum comes from an utterance
    scorer fitted without its fold; the stack's weights are ridge (penalty by
    leave-one-out) on those sums and the calls' leave-one-out text predictions
    ``text_loo``, its cut points fitted on the stack's leave-one-out predictions. None
    where fewer than :data:`MIN_MARKED` of the fit calls carry a marked moment, or any
    scorer would lack 2 marked or 2 bottom-level utterances."""
    if utterances is None:
        return None
    n = len(target)
    marked = utterances.marked.get(criterion, np.zeros(0, dtype=np.int64))
    part_of = np.full(n, -1)
    part_of[fit_calls] = fold[fit_calls]
    marked = marked[part_of[utterances.call[marked]] >= 0]
    if len(marked) < MIN_MARKED:
        return None
    parts = np.unique(part_of[fit_calls])
    bottom = np.flatnonzero((part_of >= 0) & (np.nan_to_num(target, nan=np.inf) <= low + 0.5))
    length = np.bincount(utterances.call, minlength=n)
    # per part: the marked utterances' and the bottom calls' summed counts, and how many
    of_marked = (part_of[utterances.call[marked]][:, None] == parts[None, :]).astype(np.float64)
    of_bottom = (part_of[bottom][:, None] == parts[None, :]).astype(np.float64)
    positive = np.asarray((sp.csr_matrix(of_marked.T) @ utterances.counts[marked]).todense())
    negative = np.asarray((sp.csr_matrix(of_bottom.T) @ call_counts[bottom]).todense())
    n_pos = of_marked.sum(axis=0)
    n_neg = of_bottom.T @ length[bottom]
    scorers = []
    for k in range(len(parts) + 1):  # without each part, then with every part
        keep = np.arange(len(parts)) != k
        if n_pos[keep].sum() < 2 or n_neg[keep].sum() < 2:
            return None
        scorers.append(
            _log_ratio(
                positive[keep].sum(axis=0),
                negative[keep].sum(axis=0),
                int(n_pos[keep].sum()),
                int(n_neg[keep].sum()),
            )
        )
    weights = np.column_stack([s.weights for s in scorers])
    bias = np.array([s.bias for s in scorers])
    chances = 1.0 / (1.0 + np.exp(-(np.asarray(utterances.counts @ weights) + bias)))
    sums = np.column_stack(
        [np.bincount(utterances.call, weights=chances[:, k], minlength=n) for k in range(len(bias))]
    )
    inner = sums[fit_calls, np.searchsorted(parts, part_of[fit_calls])]
    y = target[fit_calls]
    ridge = RidgeCV(
        alphas=STACK_ALPHAS,
        store_cv_results=True,
        scoring="neg_mean_squared_error",
        gcv_mode="svd",
    ).fit(np.column_stack([text_loo, inner]), y)
    loo = ridge.cv_results_[:, STACK_ALPHAS.index(ridge.alpha_)]
    fitted = Stack(
        float(ridge.coef_[0]),
        float(ridge.coef_[1]),
        float(ridge.intercept_),
        scorers[-1],
        fit_thresholds(loo, y, low, high),
    )
    return fitted, sums[:, -1]


def cross_validate(
    gram, fold, training, trainable, low: int, high: int, utterances=None, call_counts=None
) -> dict:
    """Each criterion's out-of-fold levels for its human-scored calls: per fold, penalty,
    weights, utterance scorer, stack and cut points from the other folds' calls only; the
    criteria scored on the same calls share one eigendecomposition per fold."""
    groups: dict[tuple, list[str]] = {}
    for criterion, target in trainable.items():
        key = tuple(i for i, c in enumerate(training) if c in target)
        groups.setdefault(key, []).append(criterion)
    levels = {}
    for key, criteria in groups.items():
        index = np.array(key)
        y = np.array([[trainable[c][training[i]] for c in criteria] for i in index])
        targets = {c: _target(trainable[c], training) for c in criteria}
        predicted = np.empty(y.shape)
        for k in range(FOLDS):
            test = fold[index] == k
            if not test.any() or test.all():
                continue
            fit, held = index[~test], index[test]
            solved = solve(gram[np.ix_(fit, fit)], y[~test], low, high)
            continuous = gram[np.ix_(held, fit)] @ solved.dual + solved.intercept
            for j, criterion in enumerate(criteria):
                stacked = stack(
                    utterances,
                    call_counts,
                    criterion,
                    targets[criterion],
                    fit,
                    fold,
                    solved.loo[:, j],
                    low,
                    high,
                )
                if stacked is None:
                    predicted[test, j] = to_levels(continuous[:, j], solved.cuts[j], low)
                    continue
                fitted, sums = stacked
                final = (
                    fitted.intercept + fitted.text * continuous[:, j] + fitted.moments * sums[held]
                )
                predicted[test, j] = to_levels(final, fitted.cuts, low)
        levels.update({c: predicted[:, j] for j, c in enumerate(criteria)})
    return levels


def _target(target: dict, training: list[str]) -> np.ndarray:
    return np.array([target.get(c, np.nan) for c in training], dtype=np.float64)
