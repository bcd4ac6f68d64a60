"""Statistics the warehouse needs that SQL cannot compute.

Pure functions over numpy arrays (numpy and scipy only, no pandas, no I/O):

* :func:`point_biserial` - correlation between a numeric score and a 0/1 outcome,
  with a two-sided p-value and a Fisher-z confidence interval.
* :func:`fisher_z_interval` - the Fisher-z confidence interval of a correlation.
* :func:`quadratic_weighted_kappa` - Cohen's (1968) weighted kappa, quadratic weights.
* :func:`krippendorff_alpha` - Krippendorff's alpha for any number of raters,
  missing values, and nominal / ordinal / interval / ratio data.
* :func:`icc_1_1` - Shrout & Fleiss (1979) ICC(1,1): one-way random effects, single
  rater, for units rated by different raters (any number per unit).
* :func:`icc_2_1` - Shrout & Fleiss (1979) ICC(2,1): two-way random effects,
  absolute agreement, single rater.
* :func:`group_means` - the mean of each group of consecutive values, as ``np.mean`` of each.
* :func:`paired_change` - paired t-test and Wilcoxon signed-rank test on
  before/after measurements.

Conventions shared by every function:

* Missing values are ``np.nan`` (or ``None``) and are dropped, never imputed:
  pairwise for the two-vector statistics, per unit for Krippendorff's alpha
  (which is designed for missing data), listwise (complete units) for the ICC.
* A statistic that is mathematically undefined for the data at hand (too few
  observations, no variance, no expected disagreement) is answered with
  ``None`` - and, for the result dataclasses, a machine-readable ``reason`` -
  rather than an exception, ``nan`` or a warning. Exceptions are reserved for
  malformed input (mismatched lengths, wrong shape, unknown level, an outcome
  that is not 0/1).

Every statistic is checked in ``tests/method/test_statistics.py`` against published
reference values (papers, textbooks, and reference implementations' own tests).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats

__all__ = [
    "CorrelationResult",
    "PairedChangeResult",
    "fisher_z_interval",
    "group_means",
    "icc_1_1",
    "icc_2_1",
    "krippendorff_alpha",
    "paired_change",
    "point_biserial",
    "quadratic_weighted_kappa",
]

KrippendorffLevel = Literal["nominal", "ordinal", "interval", "ratio"]

#: Reasons a result field is ``None``.
REASON_TOO_FEW = "too_few_observations"
REASON_ZERO_VARIANCE = "zero_variance"
REASON_ALL_DELTAS_ZERO = "all_deltas_zero"
REASON_CONSTANT_DELTAS = "constant_deltas"

# R's wilcox.test (and this module) use the exact null distribution of the
# signed-rank statistic below this many non-zero differences, when there are no
# ties and no zero differences.
_WILCOXON_EXACT_MAX_N = 50


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _as_float_array(values: npt.ArrayLike, name: str, ndim: int) -> npt.NDArray[np.float64]:
    """``values`` as a float array of ``ndim`` dimensions, ``None`` mapped to ``nan``."""
    try:
        out = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (nan or None for missing)") from exc
    if out.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {out.shape}")
    return out


def _paired_complete(
    x: npt.ArrayLike, y: npt.ArrayLike, x_name: str, y_name: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Both vectors as floats with every pair holding a missing value dropped."""
    xa = _as_float_array(x, x_name, 1)
    ya = _as_float_array(y, y_name, 1)
    if xa.shape != ya.shape:
        raise ValueError(
            f"{x_name} and {y_name} must have the same length, got {xa.size} and {ya.size}"
        )
    keep = ~(np.isnan(xa) | np.isnan(ya))
    return xa[keep], ya[keep]


def _is_constant(values: npt.NDArray[np.float64]) -> bool:
    return values.size == 0 or bool(np.all(values == values[0]))


# ---------------------------------------------------------------------------
# correlation
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrelationResult:
    """A correlation with its two-sided p-value and confidence interval.

    ``r``/``p_value`` are ``None`` when the correlation is undefined (fewer than
    3 complete pairs, or a variable without variance); ``ci_low``/``ci_high``
    are ``None`` whenever ``r`` is, and also when ``n < 4`` (the Fisher-z
    standard error ``1/sqrt(n-3)`` needs ``n >= 4``). ``reason`` says why a
    field is ``None`` and is ``None`` when every field is set. ``n`` is the
    number of complete pairs used.
    """

    r: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    reason: str | None = None


def fisher_z_interval(r: float, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Fisher-z confidence interval of a correlation coefficient.

    ``z = atanh(r)``, ``se = 1/sqrt(n - 3)``, interval ``tanh(z -/+ q * se)`` with
    ``q`` the ``(1 + confidence) / 2`` standard-normal quantile. This is the
    interval of R's ``cor.test`` and of ``scipy.stats.pearsonr(...).confidence_interval()``.

    Returns ``None`` when ``n < 4`` (the standard error is undefined). For
    ``|r| == 1`` the interval degenerates to ``(r, r)``.

    Raises:
        ValueError: ``r`` outside ``[-1, 1]`` (or not finite), or ``confidence``
            outside the open interval ``(0, 1)``.
    """
    if not math.isfinite(r) or not -1.0 <= r <= 1.0:
        raise ValueError(f"r must lie in [-1, 1], got {r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if n < 4:
        return None
    if abs(r) == 1.0:
        return (float(r), float(r))
    z = math.atanh(r)
    half_width = float(stats.norm.ppf(0.5 + confidence / 2.0)) / math.sqrt(n - 3)
    return (math.tanh(z - half_width), math.tanh(z + half_width))


def point_biserial(
    scores: npt.ArrayLike, outcomes: npt.ArrayLike, confidence: float = 0.95
) -> CorrelationResult:
    """Point-biserial correlation between a numeric score and a 0/1 outcome.

    The point-biserial r is Pearson's r with one variable dichotomous, so ``r``
    and the two-sided ``p_value`` are those of ``scipy.stats.pointbiserialr`` /
    ``scipy.stats.pearsonr`` (t-test with ``n - 2`` degrees of freedom). The
    confidence interval is :func:`fisher_z_interval` at ``confidence``.

    Pairs where either value is missing (``nan``/``None``) are dropped first.

    Degenerate cases are answered, not raised:

    * ``n < 3``: everything ``None``, reason ``"too_few_observations"`` (with two
      points r is trivially +/-1 and carries no information; the t-test has
      no degrees of freedom).
    * no variance in the scores or in the outcomes: ``r``/``p``/CI ``None``,
      reason ``"zero_variance"``.
    * ``n == 3``: ``r`` and ``p_value`` are given, CI ``None``, reason
      ``"too_few_observations"``.
    * ``|r| == 1``: ``p_value`` 0 and the CI ``(r, r)``.

    Raises:
        ValueError: mismatched lengths, non-numeric input, or an outcome (after
            dropping missing pairs) that is not 0/1 (booleans are accepted).
    """
    x, y = _paired_complete(scores, outcomes, "scores", "outcomes")
    if not np.all((y == 0.0) | (y == 1.0)):
        raise ValueError("outcomes must be 0/1 (or boolean)")
    n = int(x.size)
    if n < 3:
        return CorrelationResult(None, None, None, None, n, REASON_TOO_FEW)
    if _is_constant(x) or _is_constant(y):
        return CorrelationResult(None, None, None, None, n, REASON_ZERO_VARIANCE)

    res = stats.pearsonr(x, y)
    r = float(np.clip(res.statistic, -1.0, 1.0))
    p_value = float(res.pvalue)
    interval = fisher_z_interval(r, n, confidence)
    if interval is None:
        return CorrelationResult(r, p_value, None, None, n, REASON_TOO_FEW)
    return CorrelationResult(r, p_value, interval[0], interval[1], n, None)


def _groups_by_size(
    values: npt.NDArray[np.float64], sizes: npt.NDArray[np.intp]
) -> Iterator[tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """The groups of consecutive ``values`` (``sizes[i]`` of them in group ``i``), those of
    one size at a time: their positions among the groups, and their values as the rows of
    one matrix. numpy sums a row of a matrix as it sums the same values alone (pairwise
    from 8 values on), so a row's mean or sum is that of its group to the last bit."""
    starts = np.cumsum(sizes) - sizes
    for size in np.unique(sizes):
        which = np.flatnonzero(sizes == size)
        yield which, values[starts[which, None] + np.arange(size)]


def group_means(
    values: npt.NDArray[np.float64], sizes: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """The mean of each group of consecutive ``values`` (``sizes[i] >= 1`` of them in group
    ``i``), equal to the last bit to ``np.mean`` of each group's values alone."""
    means = np.empty(len(sizes))
    for which, group in _groups_by_size(values, sizes):
        means[which] = group.mean(axis=1)
    return means


# ---------------------------------------------------------------------------
# agreement between raters
# ---------------------------------------------------------------------------


def _is_missing_label(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(np.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return False


def _complete_labels(
    rater_a: npt.ArrayLike, rater_b: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """Both raters' labels with every pair holding a missing label dropped: float arrays as
    they are (``nan`` missing), anything else as Python objects (``None`` or ``nan``)."""
    numeric = all(isinstance(r, np.ndarray) and r.dtype.kind == "f" for r in (rater_a, rater_b))
    kind = float if numeric else object
    a = np.asarray(rater_a, dtype=kind).ravel()
    b = np.asarray(rater_b, dtype=kind).ravel()
    if a.size != b.size:
        raise ValueError(
            f"rater_a and rater_b must have the same length, got {a.size} and {b.size}"
        )
    if numeric:
        keep = ~(np.isnan(a) | np.isnan(b))
    else:
        keep = np.array(
            [not (_is_missing_label(u) or _is_missing_label(v)) for u, v in zip(a, b, strict=True)],
            dtype=bool,
        )
    return a[keep], b[keep]


def _labels(labels: np.ndarray) -> set:
    """The distinct labels (of a numeric array found without a Python loop)."""
    return set((labels if labels.dtype == object else np.unique(labels)).tolist())


def _positions(labels: np.ndarray, index: dict) -> npt.NDArray[np.intp]:
    """Each label's position in ``index`` (a numeric array's looked up once per value)."""
    if labels.dtype == object:
        return np.array([index[v] for v in labels.tolist()], dtype=np.intp)
    values, inverse = np.unique(labels, return_inverse=True)
    return np.array([index[v] for v in values.tolist()], dtype=np.intp)[inverse.ravel()]


def quadratic_weighted_kappa(
    rater_a: npt.ArrayLike,
    rater_b: npt.ArrayLike,
    categories: npt.ArrayLike | None = None,
    *,
    by_value: bool = False,
) -> float | None:
    """Cohen's (1968) weighted kappa with quadratic disagreement weights.

    ``kappa = 1 - sum(w * O) / sum(w * E)`` where ``O`` is the observed
    ``k x k`` table of proportions, ``E`` the outer product of its marginals
    (chance agreement), and ``w[i, j] = (i - j)**2`` the squared distance
    between the *positions* of the categories in the ordered category list
    (so the categories are treated as equally spaced ordinal levels, as in
    scikit-learn's ``cohen_kappa_score(weights="quadratic")`` and R ``irr``'s
    ``kappa2(weight="squared")``; the normalising ``(k-1)**2`` cancels).

    Args:
        rater_a, rater_b: the two raters' labels for the same subjects. Pairs
            where either label is missing (``nan``/``None``) are dropped.
        categories: the ordered category list. Defaults to the sorted union of
            the labels observed. Supplying it matters when a category is
            never used by either rater (it changes the weights).
        by_value: weigh disagreement by the squared distance between the category
            *values* instead of their positions: for numeric scores that are not equally
            spaced, e.g. a half-point 3.5 among the levels 1..5 (3.5 is half as far from
            3 as 4 is). For equally spaced categories both give the same kappa.

    Returns:
        The kappa, or ``None`` when it is undefined: no complete pair, or an
        expected disagreement of 0 (a single category in use, so chance
        agreement is already perfect).

    Raises:
        ValueError: mismatched lengths, or a label not in ``categories``.
    """
    a, b = _complete_labels(rater_a, rater_b)
    if a.size == 0:
        return None
    used = _labels(a) | _labels(b)

    if categories is None:
        try:
            cats = sorted(used)
        except TypeError as exc:
            raise ValueError("labels are not mutually orderable; pass categories") from exc
    else:
        cats = list(np.asarray(categories, dtype=object).ravel().tolist())
        if len(set(cats)) != len(cats):
            raise ValueError("categories must not contain duplicates")
    index = {c: i for i, c in enumerate(cats)}
    unknown = used - set(index)
    if unknown:
        raise ValueError(f"labels not in categories: {sorted(map(str, unknown))}")

    k = len(cats)
    cells = _positions(a, index) * k + _positions(b, index)
    # the table of pair counts (whole numbers: exact in any order of counting)
    observed = np.bincount(cells, minlength=k * k).reshape(k, k).astype(float)
    observed /= observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0))
    positions = np.array(cats, dtype=float) if by_value else np.arange(k, dtype=float)
    weights = (positions[:, None] - positions[None, :]) ** 2

    expected_disagreement = float((weights * expected).sum())
    if expected_disagreement == 0.0:
        return None
    return 1.0 - float((weights * observed).sum()) / expected_disagreement


def _krippendorff_delta(
    values: npt.NDArray[np.float64],
    marginals: npt.NDArray[np.float64],
    level: KrippendorffLevel,
) -> npt.NDArray[np.float64]:
    """Squared difference function delta^2(c, k) of Krippendorff's alpha."""
    c = values[:, None]
    k = values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        total = c + k
        diff = c - k
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = np.where(total == 0.0, 0.0, (diff / np.where(total == 0.0, 1.0, total)) ** 2)
        return delta
    # ordinal: (sum_{g=c}^{k} n_g - (n_c + n_k)/2)^2 over the value ranks
    cumulative = np.concatenate(([0.0], np.cumsum(marginals)))
    i = np.arange(values.size)
    lo = np.minimum(i[:, None], i[None, :])
    hi = np.maximum(i[:, None], i[None, :])
    between = cumulative[hi + 1] - cumulative[lo]
    return (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2


def krippendorff_alpha(
    reliability_data: npt.ArrayLike, level: KrippendorffLevel = "nominal"
) -> float | None:
    """Krippendorff's alpha reliability coefficient.

    Implements Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
    the values of each unit are paired within the unit to form the coincidence
    matrix ``o[c, k] = sum_u sum_{i != j} [v_ui = c][v_uj = k] / (m_u - 1)``;
    ``alpha = 1 - (n - 1) * sum(o * delta) / sum(n_c * n_k * delta)``, with
    ``n_c`` the coincidence marginals and ``n`` the number of pairable values.

    ``delta`` (the squared difference function) per ``level``:

    * ``"nominal"``: 0 if equal else 1.
    * ``"ordinal"``: ``(sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2`` - the
      rank-based metric on the values' marginal frequencies ``n_g`` (values
      need only be orderable numbers; their spacing is ignored).
    * ``"interval"``: ``(c - k) ** 2``.
    * ``"ratio"``: ``((c - k) / (c + k)) ** 2`` (0 when ``c + k == 0``); meant
      for non-negative values.

    Args:
        reliability_data: 2-D array, one row per rater (coder, observer), one
            column per unit, ``np.nan`` (or ``None``) where a rater did not rate
            a unit. Any number of raters >= 2 is fine.
        level: level of measurement.

    Returns:
        Alpha, or ``None`` when it is undefined: no unit has 2 or more values
        (nothing is pairable), or the expected disagreement is 0 (every
        pairable value identical). Units with fewer than 2 values are ignored.

    Raises:
        ValueError: data not 2-D or not numeric, or an unknown ``level``.
    """
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"level must be nominal, ordinal, interval or ratio, got {level!r}")
    data = _as_float_array(reliability_data, "reliability_data (raters x units)", 2)

    present = ~np.isnan(data)
    pairable = present.sum(axis=0) >= 2
    units = data[:, pairable]
    if units.size == 0:
        return None
    values = np.unique(units[~np.isnan(units)])
    if values.size < 2:
        return None

    # counts[u, v]: how many raters gave value v to unit u
    counts = (units.T[:, :, None] == values[None, None, :]).sum(axis=1).astype(float)
    m_u = counts.sum(axis=1)
    coincidences = (counts.T / (m_u - 1.0)) @ counts - np.diag((counts.T / (m_u - 1.0)).sum(axis=1))
    marginals = coincidences.sum(axis=1)
    n_total = marginals.sum()

    delta = _krippendorff_delta(values, marginals, level)
    observed = float((coincidences * delta).sum())
    expected = float((np.outer(marginals, marginals) * delta).sum())
    if expected == 0.0:
        return None
    return 1.0 - (n_total - 1.0) * observed / expected


def _two_way_mean_squares(
    ratings: npt.ArrayLike,
) -> tuple[float, float, float, float, int, int] | None:
    """ANOVA mean squares of a complete units x raters table.

    Returns ``(BMS, WMS, JMS, EMS, n, k)`` in the notation of Shrout & Fleiss
    (1979): between-targets, within-target, between-judges, and residual mean
    squares, over the ``n`` complete units and ``k`` raters; ``None`` when fewer
    than 2 complete units remain.

    Raises:
        ValueError: not 2-D, not numeric, or fewer than 2 raters.
    """
    x = _as_float_array(ratings, "ratings (units x raters)", 2)
    if x.shape[1] < 2:
        raise ValueError(f"ratings need at least 2 raters (columns), got {x.shape[1]}")
    x = x[~np.isnan(x).any(axis=1)]
    n, k = x.shape
    if n < 2:
        return None
    grand = x.mean()
    row_means = x.mean(axis=1)
    col_means = x.mean(axis=0)
    ss_rows = k * float(((row_means - grand) ** 2).sum())
    ss_cols = n * float(((col_means - grand) ** 2).sum())
    ss_total = float(((x - grand) ** 2).sum())
    ss_within = ss_total - ss_rows
    ss_error = ss_total - ss_rows - ss_cols
    bms = ss_rows / (n - 1)
    wms = ss_within / (n * (k - 1))
    jms = ss_cols / (k - 1)
    ems = ss_error / ((n - 1) * (k - 1))
    return bms, wms, jms, ems, n, k


def icc_1_1(ratings: npt.ArrayLike) -> float | None:
    """Shrout & Fleiss (1979) ICC(1,1): one-way random effects, single rater.

    The model where each unit (target) is rated by its own set of raters, so rater
    identity carries no information (McGraw & Wong's ICC(1)); systematic rater differences
    count as disagreement::

        ICC(1,1) = (BMS - WMS) / (BMS + (k0 - 1) * WMS)

    with ``BMS`` the between-units and ``WMS`` the within-unit mean square of the one-way
    ANOVA. Units may have different numbers of ratings ``k_i`` (missing values are
    ``nan``); ``k0 = (N - sum(k_i ** 2) / N) / (n - 1)`` over the ``n`` units with at least
    2 ratings and their ``N`` ratings (the one-way ANOVA's coefficient for unequal group
    sizes, Snedecor & Cochran), which is ``k`` when every unit has ``k`` ratings.

    Args:
        ratings: 2-D array, one row per unit, one column per rating slot, ``nan`` where a
            unit has fewer ratings. Which column holds a rating does not matter.

    Returns:
        The ICC (it can be negative), or ``None`` when fewer than 2 units have 2 ratings,
        or there is no variation at all.

    Raises:
        ValueError: not 2-D or not numeric.
    """
    x = _as_float_array(ratings, "ratings (units x ratings)", 2)
    present = ~np.isnan(x)
    rated = present.sum(axis=1) >= 2
    x, present = x[rated], present[rated]
    n = x.shape[0]
    if n < 2:
        return None
    values = x[present]  # unit by unit, each unit's ratings in their order
    counts = present.sum(axis=1)
    sizes = counts.astype(float)
    total = float(sizes.sum())
    grand = float(values.mean())
    means = np.empty(n)
    within = np.empty(n)
    for which, group in _groups_by_size(values, counts):
        group_mean = group.mean(axis=1)
        means[which] = group_mean
        within[which] = ((group - group_mean[:, None]) ** 2).sum(axis=1)
    ss_between = float((sizes * (means - grand) ** 2).sum())
    # added unit after unit, as a Python sum over the units would
    ss_within = float(np.cumsum(within)[-1])
    bms = ss_between / (n - 1)
    wms = ss_within / (total - n)
    k0 = (total - float((sizes**2).sum()) / total) / (n - 1)
    denominator = bms + (k0 - 1.0) * wms
    if denominator == 0.0:
        return None
    return (bms - wms) / denominator


def icc_2_1(ratings: npt.ArrayLike) -> float | None:
    """Shrout & Fleiss (1979) ICC(2,1).

    Two-way random effects, absolute agreement, single rater (McGraw & Wong's
    ICC(A,1)): every unit rated by the same ``k`` raters, the raters a random
    sample of possible raters, systematic rater differences counted as
    disagreement::

        ICC(2,1) = (BMS - EMS) / (BMS + (k - 1) * EMS + k * (JMS - EMS) / n)

    Args:
        ratings: 2-D array, one row per unit (target), one column per rater.
            Units with any missing rating are dropped (complete cases only).

    Returns:
        The ICC (it can be negative), or ``None`` when fewer than 2 complete
        units remain or the denominator is 0 (no variation at all).

    Raises:
        ValueError: not 2-D, not numeric, or fewer than 2 raters.
    """
    squares = _two_way_mean_squares(ratings)
    if squares is None:
        return None
    bms, _wms, jms, ems, n, k = squares
    denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    if denominator == 0.0:
        return None
    return (bms - ems) / denominator


# ---------------------------------------------------------------------------
# before / after change
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChangeResult:
    """Paired t-test and Wilcoxon signed-rank test of ``after - before``.

    ``n`` is the number of complete pairs and ``mean_delta`` the mean of
    ``after - before`` (``None`` only when ``n == 0``). ``t_statistic`` is
    positive when values went up. ``wilcoxon_statistic`` is the sum of the
    ranks of the positive differences (R's ``V``, zero differences dropped);
    note that ``scipy.stats.wilcoxon`` reports ``min(V, n(n+1)/2 - V)`` for a
    two-sided test instead. Both p-values are two-sided. ``reason`` says why
    a field is ``None``.
    """

    n: int
    mean_delta: float | None
    t_statistic: float | None
    t_p_value: float | None
    wilcoxon_statistic: float | None
    wilcoxon_p_value: float | None
    reason: str | None = None


def _wilcoxon_signed_rank(delta: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Two-sided Wilcoxon signed-rank test with R ``wilcox.test`` defaults.

    Zero differences are dropped (Wilcoxon's method). The p-value is exact when
    fewer than 50 non-zero differences remain and there are neither ties nor
    zeros; otherwise it is the normal approximation with tie-corrected
    variance and continuity correction. Returns ``(V, p)``, ``V`` the sum of the
    ranks of the positive differences.
    """
    nonzero = delta[delta != 0.0]
    ranks = stats.rankdata(np.abs(nonzero))
    v_plus = float(ranks[nonzero > 0].sum())
    has_zeros = nonzero.size < delta.size
    has_ties = np.unique(np.abs(nonzero)).size < nonzero.size
    exact = nonzero.size < _WILCOXON_EXACT_MAX_N and not has_zeros and not has_ties
    res = stats.wilcoxon(
        nonzero,
        zero_method="wilcox",
        correction=True,
        method="exact" if exact else "asymptotic",
    )
    return v_plus, float(min(1.0, res.pvalue))


def paired_change(before: npt.ArrayLike, after: npt.ArrayLike) -> PairedChangeResult:
    """Paired t-test and Wilcoxon signed-rank test for a before/after change.

    Pairs with a missing value on either side are dropped; the change is
    ``delta = after - before``. The t-test is ``scipy.stats.ttest_rel(after,
    before)``; the signed-rank test follows R's ``wilcox.test(after, before,
    paired=TRUE)`` defaults (see :class:`PairedChangeResult`).

    Degenerate cases are answered with ``None`` and a ``reason``:

    * ``n < 2``: both tests ``None``, reason ``"too_few_observations"``.
    * every delta 0: both tests ``None``, reason ``"all_deltas_zero"``.
    * every delta the same non-zero value: the t statistic is infinite, so
      ``t_statistic``/``t_p_value`` are ``None`` with reason
      ``"constant_deltas"``; the signed-rank test is still reported.

    Raises:
        ValueError: mismatched lengths or non-numeric input.
    """
    b, a = _paired_complete(before, after, "before", "after")
    delta = a - b
    n = int(delta.size)
    mean_delta = float(delta.mean()) if n else None
    if n < 2:
        return PairedChangeResult(n, mean_delta, None, None, None, None, REASON_TOO_FEW)
    if np.all(delta == 0.0):
        return PairedChangeResult(n, 0.0, None, None, None, None, REASON_ALL_DELTAS_ZERO)

    v_plus, w_p = _wilcoxon_signed_rank(delta)
    if _is_constant(delta):
        return PairedChangeResult(n, mean_delta, None, None, v_plus, w_p, REASON_CONSTANT_DELTAS)
    t_res = stats.ttest_rel(a, b)
    return PairedChangeResult(
        n, mean_delta, float(t_res.statistic), float(t_res.pvalue), v_plus, w_p, None
    )
