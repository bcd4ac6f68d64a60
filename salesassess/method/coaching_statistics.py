"""Did coaching work? The effect of coaching net of regression to the mean (Step 5).

Pure functions over numpy arrays (numpy and scipy only, no Dagster, no I/O).

Reps are coached on the criterion where their cycle score was lowest against the team, and
a cycle score is the mean of about ten calls: a low one is partly bad luck, so it rises on
the next sample even when coaching did nothing (regression to the mean). The raw change of
the coached criterion therefore overstates coaching. :func:`coaching_effect` estimates the
part of the change due to coaching from the criteria that were *not* coached, with the
cycle score in the model so that regression to the mean is estimated from the data:

    follow-up score[r, k] = rep[r] + criterion[k] + slope * cycle score[r, k]
                            + effect * coached[r, k] + error

one observation per rep ``r`` and criterion ``k`` (ANCOVA on criterion-level scores with
rep and criterion fixed effects). ``slope`` is how much of a cycle score's distance from
the rep's and criterion's level carries over to the follow-up (below 1 when scores are
noisy: that is regression to the mean); the rep effect absorbs whatever moves every
criterion of a rep (a good month, a general skill); the criterion effect whatever moves a
criterion for everyone (a product launch, a scorer's drift). ``effect`` is then how much
more the coached criterion rose than the rep's other criteria starting from the same
score. With ``group`` (e.g. the manager) the model has one coached effect per group and
shares the slope and the criterion effects.

Uncertainty: errors are clustered by rep (a rep's criteria share a month), with the CR2
bias-reduced cluster-robust variance (Bell & McCaffrey 2002) and Satterthwaite degrees of
freedom for the t distribution, the small-sample method recommended for fixed-effects
models with few clusters by Pustejovsky & Tipton (2018, JBES 36(4)). The fixed effects
are absorbed (within-rep demeaning); the CR2 adjustment computed on the demeaned design
equals the one on the full design there (ibid., section 3). A coached effect needs at
least two coached reps (one rep alone would decide it, with no way to tell its noise) and
three reps in the model.

Validated by simulation in ``tests/method/test_coaching_effect.py``: with no true effect the 95%
interval covers 0 in about 95% of simulated teams, and with a true effect the estimate is
unbiased within a stated tolerance.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

METHOD = "ancova_rep_criterion_fe_cr2_satterthwaite"

REASON_TOO_FEW_REPS = "too_few_reps"
REASON_TOO_FEW_COACHED = "too_few_coached_reps"
REASON_NO_COMPARISON = "no_comparison_criteria"
REASON_NOT_IDENTIFIED = "not_identified"
REASON_NO_RESIDUAL_DF = "too_few_observations"

_EIGEN_TOL = 1e-10


@dataclass(frozen=True)
class CoachingEffect:
    """One scope's estimate. ``effect`` and its interval are ``None`` with a ``reason``
    when the data cannot identify them."""

    n_coached: int  # coached rep-criteria in the model (one per coached rep)
    n_comparison: int  # not-coached rep-criteria of the scope's reps in the model
    raw_change_coached: float | None  # mean follow-up - cycle score, coached
    raw_change_comparison: float | None  # the same over the comparison criteria
    effect: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    std_error: float | None
    df: float | None
    reason: str | None
    method: str = METHOD


def _mean(values: npt.NDArray[np.float64]) -> float | None:
    return float(values.mean()) if values.size else None


def _empty(change, coached, reason: str) -> CoachingEffect:
    n_coached, n_comparison = int(coached.sum()), int((~coached).sum())
    return CoachingEffect(
        n_coached,
        n_comparison,
        _mean(change[coached]),
        _mean(change[~coached]),
        None,
        None,
        None,
        None,
        None,
        None,
        reason,
    )


def _demean(values: npt.NDArray[np.float64], cluster: npt.NDArray[np.int64], n_clusters: int):
    """Each column minus its mean within the cluster (the rep fixed effects absorbed)."""
    counts = np.bincount(cluster, minlength=n_clusters).astype(float)
    if values.ndim == 1:
        sums = np.bincount(cluster, weights=values, minlength=n_clusters)
        return values - (sums / counts)[cluster]
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        sums = np.bincount(cluster, weights=values[:, j], minlength=n_clusters)
        out[:, j] = values[:, j] - (sums / counts)[cluster]
    return out


def _independent_columns(design: npt.NDArray[np.float64], keep: int) -> list[int]:
    """Indices of a maximal set of linearly independent columns, taking the first ``keep``
    columns (the effects of interest) first and then the nuisance columns in order."""
    chosen: list[int] = []
    rank = 0
    for j in range(design.shape[1]):
        trial = np.linalg.matrix_rank(design[:, [*chosen, j]]) if design.shape[0] else 0
        if trial > rank:
            chosen.append(j)
            rank = trial
        elif j < keep:
            return []
    return chosen


def _inverse_sqrt(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Symmetric (pseudo-)inverse square root."""
    values, vectors = np.linalg.eigh(matrix)
    scaled = np.where(values > _EIGEN_TOL, 1.0 / np.sqrt(np.clip(values, _EIGEN_TOL, None)), 0.0)
    return (vectors * scaled) @ vectors.T


def coaching_effect(
    rep: Sequence[Hashable],
    criterion: Sequence[Hashable],
    cycle_score: npt.ArrayLike,
    followup_score: npt.ArrayLike,
    coached: npt.ArrayLike,
    group: Sequence[Hashable] | None = None,
    confidence: float = 0.95,
) -> dict[Hashable, CoachingEffect]:
    """The coaching effect, per ``group`` of reps (one group ``None`` without ``group``).

    One row per rep and criterion with both scores: ``coached`` marks the rep's coached
    (primary) criterion; every other row is a comparison criterion. ``group`` gives each
    row's group (constant within a rep, e.g. the manager). Returns, per group, the counts
    and raw changes of the group's rows and the estimate of its coached effect in the one
    model fitted on every row.
    """
    y = np.asarray(followup_score, dtype=float)
    x0 = np.asarray(cycle_score, dtype=float)
    d = np.asarray(coached, dtype=bool)
    n = len(y)
    if not (len(rep) == len(criterion) == len(x0) == len(d) == n):
        raise ValueError("rep, criterion, cycle_score, followup_score, coached differ in length")
    if np.isnan(y).any() or np.isnan(x0).any():
        raise ValueError("scores must not be missing: pass only rows with both scores")
    groups_of_rows = list(group) if group is not None else [None] * n
    if len(groups_of_rows) != n:
        raise ValueError("group differs in length from the scores")
    group_ids = [None] if group is None else sorted(set(groups_of_rows), key=str)
    change = y - x0
    in_group = {g: np.array([h == g for h in groups_of_rows], dtype=bool) for g in group_ids}

    rep_ids = {r: i for i, r in enumerate(dict.fromkeys(rep))}
    cluster = np.array([rep_ids[r] for r in rep], dtype=np.int64)
    # a rep with a single criterion says nothing within the rep: left out of the model
    sizes = np.bincount(cluster, minlength=len(rep_ids))
    used = sizes[cluster] >= 2
    results: dict[Hashable, CoachingEffect] = {}
    # coached effects first (one column per group), then the slope and criterion effects
    effect_columns = [(in_group[g] & d).astype(float) for g in group_ids]
    criteria = sorted({str(k) for k in criterion})
    criterion_columns = [
        np.array([str(k) == c for k in criterion], dtype=float) for c in criteria[1:]
    ]
    design = np.column_stack([*effect_columns, x0, *criterion_columns])[used]
    kept_reps = np.unique(cluster[used])
    remap = {old: new for new, old in enumerate(kept_reps)}
    g_of_row = np.array([remap[c] for c in cluster[used]], dtype=np.int64)
    n_clusters = len(kept_reps)

    def scoped(g) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        rows = in_group[g] & used
        return rows, d[rows]

    reasons: dict[Hashable, str] = {}
    for g in group_ids:
        rows, coached_rows = scoped(g)
        if len(np.unique(cluster[rows & d])) < 2:
            reasons[g] = REASON_TOO_FEW_COACHED
        elif not (rows & ~d).any():
            reasons[g] = REASON_NO_COMPARISON
    if n_clusters < 3:
        reasons = {g: reasons.get(g, REASON_TOO_FEW_REPS) for g in group_ids}
    estimable = [i for i, g in enumerate(group_ids) if g not in reasons]

    estimates: dict[int, tuple[float, float, float]] = {}
    if estimable:
        nuisance = list(range(len(group_ids), design.shape[1]))
        columns = [*estimable, *nuisance]
        demeaned = _demean(design[:, columns], g_of_row, n_clusters)
        chosen = _independent_columns(demeaned, keep=len(estimable))
        if not chosen:
            reasons.update({group_ids[i]: REASON_NOT_IDENTIFIED for i in estimable})
        else:
            x = demeaned[:, chosen]
            if len(x) - n_clusters - x.shape[1] < 1:  # a perfect fit: no noise to measure
                reasons.update({group_ids[i]: REASON_NO_RESIDUAL_DF for i in estimable})
                estimable = []
        if estimable and chosen:
            yd = _demean(y[used], g_of_row, n_clusters)
            bread = np.linalg.inv(x.T @ x)
            beta = bread @ (x.T @ yd)
            resid = yd - x @ beta
            estimates = _cr2(x, resid, bread, beta, g_of_row, n_clusters, len(estimable))
            estimates = {estimable[k]: value for k, value in estimates.items()}

    quantile = (1 + confidence) / 2
    for i, g in enumerate(group_ids):
        rows, coached_rows = scoped(g)
        if g in reasons or i not in estimates:
            base = _empty(change[rows], coached_rows, reasons.get(g, REASON_NOT_IDENTIFIED))
            results[g] = base
            continue
        effect, se, df = estimates[i]
        if se <= 0 or not np.isfinite(se):
            results[g] = _empty(change[rows], coached_rows, REASON_NOT_IDENTIFIED)
            continue
        half = float(stats.t.ppf(quantile, df)) * se
        p_value = float(2 * stats.t.sf(abs(effect / se), df))
        results[g] = CoachingEffect(
            int(coached_rows.sum()),
            int((~coached_rows).sum()),
            _mean(change[rows][coached_rows]),
            _mean(change[rows][~coached_rows]),
            float(effect),
            float(effect - half),
            float(effect + half),
            p_value,
            float(se),
            float(df),
            None,
        )
    return results


def _cr2(
    x: npt.NDArray[np.float64],
    resid: npt.NDArray[np.float64],
    bread: npt.NDArray[np.float64],
    beta: npt.NDArray[np.float64],
    cluster: npt.NDArray[np.int64],
    n_clusters: int,
    n_effects: int,
) -> dict[int, tuple[float, float, float]]:
    """CR2 standard error and Satterthwaite degrees of freedom of the first ``n_effects``
    coefficients: {index: (estimate, standard error, df)}."""
    p = x.shape[1]
    meat = np.zeros((p, p))
    adjusted: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = []
    for g in range(n_clusters):
        idx = np.flatnonzero(cluster == g)
        xg = x[idx]
        a_g = _inverse_sqrt(np.eye(len(idx)) - xg @ bread @ xg.T)
        score = xg.T @ (a_g @ resid[idx])
        meat += np.outer(score, score)
        adjusted.append((idx, a_g))
    variance = bread @ meat @ bread
    out = {}
    for k in range(n_effects):
        contrast = bread[:, k]  # M c for c = e_k
        # p_g = A_g X_g M c; the working model (independent errors of equal variance) gives
        # v = sum_g (p_g' e_g)^2 with Gram matrix Q = diag(p_g'p_g) - U' M U, U = [X_g'p_g]
        p_vectors = [a_g @ (x[idx] @ contrast) for idx, a_g in adjusted]
        u = np.column_stack(
            [x[idx].T @ pg for (idx, _), pg in zip(adjusted, p_vectors, strict=True)]
        )
        gram = np.diag([float(pg @ pg) for pg in p_vectors]) - u.T @ bread @ u
        df = float(np.trace(gram) ** 2 / np.sum(gram * gram))
        out[k] = (float(beta[k]), float(np.sqrt(max(variance[k, k], 0.0))), df)
    return out


def effect_text(row: dict) -> str:
    """A coaching effect as the report and the summary write it, e.g. ``+0.41 (95% CI -0.12
    to +0.94)``, or why there is none."""
    if row.get("effect") is None:
        return f"not estimable ({row.get('effect_note') or 'no follow-up'})"
    return f"{row['effect']:+.2f} (95% CI {row['ci_low']:+.2f} to {row['ci_high']:+.2f})"
