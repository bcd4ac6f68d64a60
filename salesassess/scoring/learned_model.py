"""The learned scorer's model: ridge regression in its dual form over the hashed text
(tf-idf, each call's vector scaled to length 1) and the rules' standardised features,
with the folds and agreement figures of its honest evaluation (see
:mod:`salesassess.scoring.learned_scorer` for how the run uses them)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.kernel_ridge import KernelRidge

from salesassess.method.statistics import krippendorff_alpha, quadratic_weighted_kappa
from salesassess.scoring.learned_text import WIDTH

SEED = 17
FOLDS = 5
ALPHA = 0.3  # chosen by 5-fold cross-validation on the PersuasionForGood development half
DENSE_BLOCK_VALUES = 16_000_000  # values of a dense block of the kernel's frequent columns


@dataclass
class Model:
    """One fitted model (one or several criteria sharing a training set): weights over the
    full hashed width (zero for terms no training call has), the rules' and the intercept."""

    idf: np.ndarray
    rule_mean: np.ndarray
    rule_scale: np.ndarray
    text_coef: np.ndarray  # outputs x text columns
    rule_coef: np.ndarray  # outputs x rule features
    intercept: np.ndarray  # outputs
    n_text: int = 2 * WIDTH
    used: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def text(self, counts: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
        """Each call's tf-idf vector scaled to length 1, and the lengths (:meth:`norms`)."""
        norms = self.norms(counts)
        weighted = sp.csr_matrix(
            (
                counts.data * self.idf[counts.indices] / np.repeat(norms, np.diff(counts.indptr)),
                counts.indices,
                counts.indptr,
            ),
            shape=counts.shape,
        )
        return weighted, norms

    def norms(self, counts: sp.csr_matrix) -> np.ndarray:
        """The length of each call's tf-idf vector (1 for a call without a known term)."""
        row = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        squares = (counts.data * self.idf[counts.indices]) ** 2
        norms = np.sqrt(np.bincount(row, weights=squares, minlength=counts.shape[0]))
        norms[norms == 0] = 1.0
        return norms

    def rules(self, rule_features: np.ndarray) -> np.ndarray:
        return (rule_features - self.rule_mean) / self.rule_scale

    def predict(self, counts: sp.csr_matrix, rule_features: np.ndarray) -> np.ndarray:
        text, _ = self.text(counts)
        linear = text @ self.text_coef.T + self.rules(rule_features) @ self.rule_coef.T
        return np.asarray(linear) + self.intercept


def design(counts: sp.csr_matrix, rule_features: np.ndarray) -> tuple[Model, sp.csr_matrix]:
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
    text, _ = model.text(counts)
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
    for start in range(0, len(frequent), step):
        block = by_column[:, frequent[start : start + step]].toarray()
        gram += block @ block.T
    return gram


def solve(gram: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ridge with an intercept in its dual form (calls << terms): scikit-learn's
    KernelRidge on the centred linear kernel. Returns the dual coefficients (calls x
    outputs, columns summing to 0) and the intercept, so that a call with kernel row k
    gets k @ dual + intercept."""
    n = gram.shape[0]
    y = np.asarray(targets, dtype=np.float64).reshape(n, -1)
    means = gram.mean(axis=0)  # the kernel is symmetric: row means = column means
    centred = gram - means[:, None] - means[None, :] + means.mean()  # (I - 1/n) K (I - 1/n)
    fitted = KernelRidge(alpha=ALPHA, kernel="precomputed").fit(centred, y - y.mean(axis=0))
    dual = np.asarray(fitted.dual_coef_).reshape(n, -1)
    return dual, y.mean(axis=0) - means @ dual


def fit_model(
    counts: sp.csr_matrix, rule_features: np.ndarray, targets: np.ndarray, prepared=None
) -> Model:
    """Fit on the training calls' raw term counts, rule features and targets (calls, or
    calls x k): the weights over the full hashed width, for scoring any call.
    ``prepared``: the (model, design, kernel) of these calls, when already computed."""
    model, x, gram = prepared or (*design(counts, rule_features), None)
    if gram is None:
        gram = kernel(x)
    dual, model.intercept = solve(gram, targets)
    coef = np.asarray(x.T @ dual).T  # outputs x features
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


def cross_validate(gram, fold, training, trainable) -> dict[str, np.ndarray]:
    """Each criterion's out-of-fold predictions for its human-scored calls; the criteria
    scored on the same calls share one solve per fold."""
    groups: dict[tuple, list[str]] = {}
    for criterion, target in trainable.items():
        key = tuple(i for i, c in enumerate(training) if c in target)
        groups.setdefault(key, []).append(criterion)
    predictions = {}
    for key, criteria in groups.items():
        index = np.array(key)
        y = np.array([[trainable[c][training[i]] for c in criteria] for i in index])
        predicted = np.empty(y.shape)
        for k in range(FOLDS):
            test = fold[index] == k
            if not test.any() or test.all():
                continue
            fit, held = index[~test], index[test]
            dual, intercept = solve(gram[np.ix_(fit, fit)], y[~test])
            predicted[test] = gram[np.ix_(held, fit)] @ dual + intercept
        predictions.update({c: predicted[:, j] for j, c in enumerate(criteria)})
    return predictions
