"""Tests for salesassess.method.statistics against published reference values.

Every expected number below is copied from the cited source (paper, textbook,
or a reference implementation's own test file / documented output); none was
produced by this module. Agreement-with-scipy tests are labelled as such.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from salesassess.method.statistics import (
    CorrelationResult,
    PairedChangeResult,
    _two_way_mean_squares,
    fisher_z_interval,
    group_means,
    icc_2_1,
    krippendorff_alpha,
    paired_change,
    point_biserial,
    quadratic_weighted_kappa,
)

nan = np.nan

# ---------------------------------------------------------------------------
# Reference data sets
# ---------------------------------------------------------------------------

# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability",
# repository.upenn.edu/asc_papers/43, section C ("nominal data, any number of
# observers, missing values"): 4 observers (rows) x 12 units (columns); the same
# matrix is Krippendorff, Content Analysis (2004/2018), p. 290. Transcribed as in
# pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py
# (test_ordinal_metric / test_ratio_metric).
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
# staudtlex/icr inst/tinytest/data/krippendorff-2018-p290.csv transcribes the
# lone value of unit 12 under observer C instead of B. A unit with one value is
# not pairable, so both transcriptions must give the same alpha.
KRIPPENDORFF_2011_ICR_TRANSCRIPTION = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, nan],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]

# Wikipedia "Krippendorff's alpha", "A computational example": 3 coders x 15
# units with missing values; data and expected values as in
# pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py
# (test_nominal_metric_reliability_data: 0.691358, test_interval_metric: 0.810845)
# and staudtlex/icr inst/tinytest/data/wikipedia.csv.
WIKIPEDIA_3_CODERS = [
    [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
    [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
    [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
]

# Hayes, A. F. & Krippendorff, K. (2007). "Answering the call for a standard
# reliability measure for coding data", Communication Methods and Measures
# 1(1):77-89: 40 units rated by 5 observers with missing values. Transcribed from
# staudtlex/icr inst/tinytest/data/hayes-krippendorff-2007.csv (units x observers,
# so transposed before use).
HAYES_KRIPPENDORFF_2007_UNITS_X_OBSERVERS = [
    [1, 1, 2, nan, 2], [1, 1, 0, 1, nan], [2, 3, 3, 3, nan], [nan, 0, 0, nan, 0],
    [0, 0, 0, nan, 0], [0, 0, 0, nan, 0], [1, 0, 2, nan, 1], [1, nan, 2, 0, nan],
    [2, 2, 2, nan, 2], [2, 1, 1, 1, nan], [nan, 1, 0, 0, nan], [0, 0, 0, 0, nan],
    [1, 2, 2, 2, nan], [3, 3, 2, 2, 3], [1, 1, 1, nan, 1], [1, 1, 1, nan, 1],
    [2, 1, 2, nan, 2], [1, 2, 3, 3, nan], [1, 1, 0, 1, nan], [0, 0, 0, nan, 0],
    [0, 0, 1, 1, nan], [0, 0, nan, 0, 0], [2, 3, 3, 3, nan], [0, 0, 0, 0, nan],
    [1, 2, nan, 2, 2], [0, 1, 1, 1, nan], [0, 0, 0, 1, 0], [1, 2, 1, 2, nan],
    [1, 1, 2, 2, nan], [1, 1, 2, nan, 2], [1, 1, 0, nan, 0], [2, 1, 2, 1, nan],
    [2, 2, nan, 2, 2], [3, 2, 2, 2, nan], [2, 2, 2, nan, 2], [2, 2, 3, nan, 2],
    [2, 2, 2, nan, 2], [2, 2, nan, 1, 2], [2, 2, 2, 2, nan], [1, 1, 1, nan, 1],
]  # fmt: skip

# Shrout, P. E. & Fleiss, J. L. (1979). "Intraclass correlations: uses in
# assessing rater reliability", Psychological Bulletin 86(2):420-428: the worked
# example of 6 targets (rows) rated by 4 judges (columns). Transcribed as in the R
# psych package's tests/testthat/test_ICC.R ("does it match the numbers from
# Shrout and Fleiss") and arcaldwell49/SimplyAgree tests/testthat/test-reli_stats.R.
SHROUT_FLEISS = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]

# SAS sample 490 (point-biserial correlation), used by scipy's own test:
# scipy/stats/tests/test_stats.py::test_pointbiserial (data URL in its comment:
# support.sas.com/ctx/samples/index.jsp?sid=490&tab=output), expected r 0.36149.
SAS_490_OUTCOME = [1, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0,
                   0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]  # fmt: skip
SAS_490_SCORE = [14.8, 13.8, 12.4, 10.1, 7.1, 6.1, 5.8, 4.6, 4.3, 3.5, 3.3, 3.2,
                 3.0, 2.8, 2.8, 2.5, 2.4, 2.3, 2.1, 1.7, 1.7, 1.5, 1.3, 1.3, 1.2,
                 1.2, 1.1, 0.8, 0.7, 0.6, 0.5, 0.2, 0.2, 0.1]  # fmt: skip

# Student's sleep data (Cushny & Peebles 1905), R `datasets::sleep`: extra hours
# of sleep of the same 10 patients on drug 1 and drug 2 (values as printed in
# "Cookbook for R", t-test page, sleep.wide).
SLEEP_DRUG1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_DRUG2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]

# Hollander & Wolfe (1973), p. 29f: Hamilton depression scale factor IV of 9
# patients at the first (x) and second (y) visit; the paired example on R's
# ?wilcox.test help page.
HW_FIRST_VISIT = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_SECOND_VISIT = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


# ---------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        # Krippendorff (2011) section C and Krippendorff (2018) p. 290, as asserted
        # in staudtlex/icr inst/tinytest/test_icr.R ("Example in Krippendorff (2018),
        # p. 290"): nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797;
        # ordinal and ratio also in fast-krippendorff tests/test_krippendorff.py.
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ],
)
def test_krippendorff_2011_worked_example(level, expected):
    assert round(krippendorff_alpha(KRIPPENDORFF_2011, level), 3) == expected


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_units_with_one_value_are_ignored(level):
    # Unit 12 holds a single value in both transcriptions (under a different
    # observer); dropping it entirely must not change alpha either.
    a = krippendorff_alpha(KRIPPENDORFF_2011, level)
    b = krippendorff_alpha(KRIPPENDORFF_2011_ICR_TRANSCRIPTION, level)
    c = krippendorff_alpha(np.asarray(KRIPPENDORFF_2011)[:, :11], level)
    assert a == pytest.approx(b, abs=1e-12)
    assert a == pytest.approx(c, abs=1e-12)


def test_krippendorff_interval_more_digits():
    # The same 4 x 12 matrix is irrCAC's `cac.raw4raters` (Gwet 2014); the irrCAC
    # vignette "Weighted Chance-corrected Agreement Coefficients"
    # (kgwet/irrCAC vignettes/weighting.html) prints
    # krippen.alpha.raw(cac.raw4raters, weights = "quadratic") = 0.84911, and
    # arcaldwell49/SimplyAgree tests/testthat/test-reli_stats.R asserts 0.8491071
    # (tolerance 1e-5) for the weighted Krippendorff alpha of that data.
    assert krippendorff_alpha(KRIPPENDORFF_2011, "interval") == pytest.approx(0.8491071, abs=1e-6)


def test_krippendorff_wikipedia_three_coders():
    # fast-krippendorff tests/test_krippendorff.py: test_nominal_metric_reliability_data
    # asserts round(alpha, 6) == 0.691358 and test_interval_metric 0.810845;
    # staudtlex/icr test_icr.R: 0.691 and 0.811 (Wikipedia example).
    assert round(krippendorff_alpha(WIKIPEDIA_3_CODERS, "nominal"), 6) == 0.691358
    assert round(krippendorff_alpha(WIKIPEDIA_3_CODERS, "interval"), 6) == 0.810845


def test_krippendorff_hayes_krippendorff_2007_five_observers():
    # Hayes & Krippendorff (2007) example (5 observers, 40 units, ordinal codes):
    # staudtlex/icr inst/tinytest/test_icr.R ("Example in Hayes/Krippendorff
    # (2007)") asserts ordinal alpha 0.7598 and nominal 0.4765 on this data.
    data = np.asarray(HAYES_KRIPPENDORFF_2007_UNITS_X_OBSERVERS, dtype=float).T
    assert krippendorff_alpha(data, "ordinal") == pytest.approx(0.7598, abs=5e-5)
    assert krippendorff_alpha(data, "nominal") == pytest.approx(0.4765, abs=5e-5)


def test_krippendorff_ratio_with_zeros_and_perfect_agreement():
    # fast-krippendorff tests/test_krippendorff.py: test_ratio_metric_with_zeros
    # ([[0, 1, 2], [0, 1, 2]] -> 1.0) and test_perfect_agreement (3 raters -> 1.0).
    assert krippendorff_alpha([[0, 1, 2], [0, 1, 2]], "ratio") == 1.0
    perfect = [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]
    assert krippendorff_alpha(perfect, "nominal") == 1.0
    assert krippendorff_alpha(perfect, "interval") == 1.0


def test_krippendorff_degenerate_cases():
    # A single value everywhere: no expected disagreement, alpha undefined.
    assert krippendorff_alpha([[1, 1, 1], [1, 1, nan]], "nominal") is None
    # No unit with two values: nothing pairable (fast-krippendorff raises here).
    assert krippendorff_alpha([[1, nan], [nan, 2]], "interval") is None
    assert krippendorff_alpha(np.full((3, 4), nan), "ordinal") is None
    # None is accepted as missing.
    assert krippendorff_alpha(
        [[1, None, 3], [1, 2, 3], [2, 2, None]], "nominal"
    ) == krippendorff_alpha([[1, nan, 3], [1, 2, 3], [2, 2, nan]], "nominal")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, "circular")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-dimensional"):
        krippendorff_alpha([1, 2, 3], "nominal")
    with pytest.raises(ValueError, match="numeric"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "nominal")


# ---------------------------------------------------------------------------
# ICC(2,1)
# ---------------------------------------------------------------------------


def test_icc_2_1_shrout_fleiss():
    # Shrout & Fleiss (1979), worked example: ICC(2,1) = .29. Asserted to two
    # decimals in R psych tests/testthat/test_ICC.R ("Shrout and Fleiss ICC(2,1)").
    assert round(icc_2_1(SHROUT_FLEISS), 2) == 0.29


def test_icc_anova_reproduces_the_other_published_forms():
    # Same source: ICC(1,1) = .17 and ICC(3,1) = .71 (psych test_ICC.R asserts
    # both to two decimals). They share the ANOVA decomposition with ICC(2,1),
    # so matching them shows the mean squares themselves are right.
    bms, wms, jms, ems, n, k = _two_way_mean_squares(SHROUT_FLEISS)
    assert (n, k) == (6, 4)
    assert round((bms - wms) / (bms + (k - 1) * wms), 2) == 0.17
    assert round((bms - ems) / (bms + (k - 1) * ems), 2) == 0.71


def test_icc_2_1_complete_cases_only_and_degenerate():
    with_missing = [*SHROUT_FLEISS, [3, nan, 4, 5], [None, 1, 1, 1]]
    assert icc_2_1(with_missing) == pytest.approx(icc_2_1(SHROUT_FLEISS), abs=1e-12)
    assert icc_2_1([[1, 2, 3]]) is None  # one unit
    assert icc_2_1([[1, 2], [nan, 3]]) is None  # one complete unit
    assert icc_2_1([[4, 4], [4, 4], [4, 4]]) is None  # no variation at all
    assert icc_2_1([[1, 1], [2, 2], [5, 5]]) == pytest.approx(1.0)
    # A constant offset between raters is disagreement for absolute agreement.
    assert icc_2_1([[1, 4], [2, 5], [5, 8]]) < 0.9
    with pytest.raises(ValueError, match="at least 2 raters"):
        icc_2_1([[1], [2], [3]])
    with pytest.raises(ValueError, match="2-dimensional"):
        icc_2_1([1, 2, 3])


def test_group_means_are_numpy_means_of_each_group_to_the_last_bit():
    # Agreement with numpy: groups of 1 to 39 values, so numpy's pairwise summation (from
    # 8 values on) adds them in another order than a plain left-to-right sum would.
    rng = np.random.default_rng(31)
    sizes = rng.integers(1, 40, size=500)
    values = rng.random(int(sizes.sum())) * 10
    starts = np.cumsum(sizes) - sizes
    expected = [float(np.mean(values[s : s + k])) for s, k in zip(starts, sizes, strict=True)]
    assert group_means(values, sizes).tolist() == expected


# ---------------------------------------------------------------------------
# Quadratic weighted kappa
# ---------------------------------------------------------------------------


def test_qwk_scikit_learn_reference():
    # scikit-learn sklearn/metrics/tests/test_classification.py::test_cohen_kappa,
    # "Weighting example": cohen_kappa_score(y1, y2, weights="quadratic") = 0.9541
    # (assert_almost_equal, decimal=4).
    y1 = [0] * 46 + [1] * 44 + [2] * 10
    y2 = [0] * 50 + [1] * 40 + [2] * 10
    assert quadratic_weighted_kappa(y1, y2) == pytest.approx(0.9541, abs=5e-5)


def _expand_table(table):
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return a, b


def test_qwk_gwet_pregnancy_abstractors():
    # Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed., data set
    # `cont3x3abstractors` (100 pregnant women, 2 abstractors, 3 ordered
    # categories Ectopic/AIU/NIU). The irrCAC vignette "Weighted Chance-corrected
    # Agreement Coefficients" (kgwet/irrCAC vignettes/weighting.html) prints the
    # table [[13, 0, 0], [0, 20, 7], [0, 4, 56]] and
    # kappa2.table(cont3x3abstractors, weights = quadratic.weights(1:3)) = 0.8921569.
    a, b = _expand_table([[13, 0, 0], [0, 20, 7], [0, 4, 56]])
    assert quadratic_weighted_kappa(a, b) == pytest.approx(0.8921569, abs=5e-8)
    assert quadratic_weighted_kappa(b, a) == pytest.approx(0.8921569, abs=5e-8)


def test_qwk_categories_and_missing():
    a = [1, 2, 3, 3, 2, 1]
    b = [1, 3, 3, 2, 2, 1]
    default = quadratic_weighted_kappa(a, b)
    assert quadratic_weighted_kappa(a, b, categories=[1, 2, 3]) == default
    # An unused level at the end of the scale leaves kappa unchanged (its row and
    # column are empty and the weights only scale), one in the middle respaces it.
    assert quadratic_weighted_kappa(a, b, categories=[1, 2, 3, 4]) == pytest.approx(default)
    assert quadratic_weighted_kappa(a, b, categories=[1, 2, 2.5, 3]) != pytest.approx(default)
    # Missing labels drop the pair.
    assert quadratic_weighted_kappa([*a, nan, 2], [*b, 3, None]) == default
    # Non-numeric ordered labels use the given order.
    names = {1: "low", 2: "mid", 3: "high"}
    assert quadratic_weighted_kappa(
        [names[v] for v in a], [names[v] for v in b], categories=["low", "mid", "high"]
    ) == pytest.approx(default)
    assert quadratic_weighted_kappa(a, a) == 1.0
    with pytest.raises(ValueError, match="not in categories"):
        quadratic_weighted_kappa(a, b, categories=[1, 2])
    with pytest.raises(ValueError, match="same length"):
        quadratic_weighted_kappa([1, 2], [1])


def test_qwk_zero_expected_disagreement_is_none():
    assert quadratic_weighted_kappa([2, 2, 2], [2, 2, 2]) is None
    assert quadratic_weighted_kappa([], []) is None
    assert quadratic_weighted_kappa([nan, 1], [1, nan]) is None


def test_qwk_of_float_arrays_equals_that_of_lists():
    # Agreement between the two ways in: float arrays (nan missing) are counted without a
    # Python loop, lists label by label; the same table of counts, the same kappa.
    rng = np.random.default_rng(31)
    a = rng.choice([1.0, 2.0, 2.5, 3.0, 4.0, 5.0, nan], size=2000)
    b = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0, nan], size=2000)
    categories = [1, 2, 2.5, 3, 4, 5]
    for by_value in (False, True):
        assert quadratic_weighted_kappa(
            a, b, categories, by_value=by_value
        ) == quadratic_weighted_kappa(list(a), list(b), categories, by_value=by_value)
    assert quadratic_weighted_kappa(a, b) == quadratic_weighted_kappa(list(a), list(b))
    with pytest.raises(ValueError, match="not in categories"):
        quadratic_weighted_kappa(a, b, categories=[1, 2, 3, 4, 5])


# ---------------------------------------------------------------------------
# Point-biserial correlation and Fisher-z interval
# ---------------------------------------------------------------------------


def test_point_biserial_sas_sample_490():
    # scipy/stats/tests/test_stats.py::test_pointbiserial (SAS sample 490):
    # assert_almost_equal(stats.pointbiserialr(x, y)[0], 0.36149, 5).
    res = point_biserial(SAS_490_SCORE, SAS_490_OUTCOME)
    assert isinstance(res, CorrelationResult)
    assert res.n == 34
    assert res.r == pytest.approx(0.36149, abs=5e-6)
    assert res.reason is None


def test_point_biserial_drops_missing_pairs_like_mstats():
    # scipy/stats/tests/test_mstats_basic.py::test_pointbiserial: the same data
    # with an extra pair (-1, nan) that must be ignored; r still 0.36149.
    res = point_biserial([*SAS_490_SCORE, nan], [*SAS_490_OUTCOME, -1])
    assert res.n == 34
    assert res.r == pytest.approx(0.36149, abs=5e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("size", [5, 12, 40, 250, 3000])
def test_point_biserial_agrees_with_scipy(seed, size):
    # Agreement with scipy.stats.pointbiserialr and pearsonr(...).confidence_interval().
    rng = np.random.default_rng(seed)
    outcomes = rng.integers(0, 2, size)
    outcomes[:2] = [0, 1]  # both classes present
    scores = rng.normal(size=size) + 0.7 * outcomes
    res = point_biserial(scores, outcomes)
    ref = stats.pointbiserialr(outcomes, scores)
    assert res.r == pytest.approx(ref.statistic, abs=1e-9)
    assert res.p_value == pytest.approx(ref.pvalue, abs=1e-9)
    lo, hi = stats.pearsonr(outcomes, scores).confidence_interval(confidence_level=0.95)
    assert res.ci_low == pytest.approx(lo, abs=1e-9)
    assert res.ci_high == pytest.approx(hi, abs=1e-9)
    lo90, hi90 = stats.pearsonr(outcomes, scores).confidence_interval(confidence_level=0.9)
    res90 = point_biserial(scores, outcomes, confidence=0.9)
    assert (res90.ci_low, res90.ci_high) == pytest.approx((lo90, hi90), abs=1e-9)


def test_fisher_z_interval_textbook_cases():
    # small-s.science "A confidence interval for the correlation coefficient"
    # (tag/correlation): conf.int.rho(.50, 50) = 0.2574879 0.6832563.
    assert fisher_z_interval(0.5, 50) == pytest.approx((0.2574879, 0.6832563), abs=5e-8)
    # Statology "Fisher Z transformation" worked example: r = 0.56, n = 60 ->
    # [.3568, .7126] (intermediate values rounded to 3-4 decimals by hand).
    assert fisher_z_interval(0.56, 60) == pytest.approx((0.3568, 0.7126), abs=2e-4)


def test_fisher_z_interval_matches_r_cor_test():
    # scipy/stats/tests/test_stats.py TestPearsonr::test_basic_example, values
    # "computed with R 3.6.2 cor.test": x = 1..4, y = (0, 1, 0.5, 1),
    # r = 0.6741998624632421, two-sided 95% CI (-0.814938968841, 0.99230697523).
    low, high = fisher_z_interval(0.6741998624632421, 4)
    assert low == pytest.approx(-0.814938968841, rel=1e-6)
    assert high == pytest.approx(0.99230697523, rel=1e-6)


def test_fisher_z_interval_edges():
    assert fisher_z_interval(0.3, 3) is None
    assert fisher_z_interval(1.0, 10) == (1.0, 1.0)
    assert fisher_z_interval(-1.0, 10) == (-1.0, -1.0)
    low, high = fisher_z_interval(0.0, 103)
    assert low == pytest.approx(-high) and high == pytest.approx(math.tanh(1.959963984540054 / 10))
    for bad_r in (1.5, -1.01, nan):
        with pytest.raises(ValueError, match="r must"):
            fisher_z_interval(bad_r, 10)
    for bad_conf in (0.0, 1.0, 95):
        with pytest.raises(ValueError, match="confidence"):
            fisher_z_interval(0.2, 10, confidence=bad_conf)


def test_point_biserial_degenerate_cases():
    zero_scores = point_biserial([3.0, 3.0, 3.0, 3.0, 3.0], [0, 1, 0, 1, 1])
    assert zero_scores == CorrelationResult(None, None, None, None, 5, "zero_variance")
    zero_outcomes = point_biserial([1.0, 2.0, 3.0, 4.0, 5.0], [1, 1, 1, 1, 1])
    assert zero_outcomes.r is None and zero_outcomes.reason == "zero_variance"

    two = point_biserial([1.0, 2.0], [0, 1])
    assert two == CorrelationResult(None, None, None, None, 2, "too_few_observations")

    # n == 3: r and p are defined (t-test with 1 df), the Fisher-z CI is not.
    three = point_biserial([1.0, 2.0, 4.0], [0, 1, 1])
    ref = stats.pointbiserialr([0, 1, 1], [1.0, 2.0, 4.0])
    assert three.r == pytest.approx(ref.statistic, abs=1e-12)
    assert three.p_value == pytest.approx(ref.pvalue, abs=1e-12)
    assert (three.ci_low, three.ci_high, three.reason) == (None, None, "too_few_observations")

    # Missing values are dropped pairwise, down to too few observations.
    sparse = point_biserial([1.0, nan, 3.0, 4.0], [0, 1, None, 1])
    assert sparse.n == 2 and sparse.reason == "too_few_observations"

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from atanh(1) etc.
        perfect = point_biserial([0.0, 1.0, 0.0, 1.0, 1.0], [False, True, False, True, True])
    assert perfect.r == pytest.approx(1.0)
    assert perfect.p_value == pytest.approx(0.0, abs=1e-12)
    assert (perfect.ci_low, perfect.ci_high) == (1.0, 1.0)
    inverse = point_biserial([1.0, 0.0, 1.0, 0.0, 0.0], [0, 1, 0, 1, 1])
    assert inverse.r == pytest.approx(-1.0)
    assert (inverse.ci_low, inverse.ci_high) == (-1.0, -1.0)


def test_point_biserial_rejects_bad_input():
    with pytest.raises(ValueError, match="0/1"):
        point_biserial([1.0, 2.0, 3.0, 4.0], [0, 1, 2, 1])
    with pytest.raises(ValueError, match="same length"):
        point_biserial([1.0, 2.0, 3.0], [0, 1])
    with pytest.raises(ValueError, match="numeric"):
        point_biserial(["a", "b", "c"], [0, 1, 0])


# ---------------------------------------------------------------------------
# Paired change: t-test and Wilcoxon signed-rank
# ---------------------------------------------------------------------------


def test_paired_change_student_sleep():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) prints
    # "t = -4.0621, df = 9, p-value = 0.002833 ... mean of the differences -1.58"
    # (R for Dummies, Meys & de Vries, "How to compare paired data with R").
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) prints
    # "V = 0, p-value = 0.009091" (a zero and ties, so the normal approximation
    # with continuity correction). Both outputs are printed in A. R. Caldwell's
    # knitted R course notes "Week 5: Correlations, t-tests, ANOVAs, oh my!"
    # (sections "t-test" and "Non-parametric tests").
    # R's difference is drug1 - drug2; ours is after - before = drug2 - drug1, so
    # t changes sign, and V (sum of positive ranks) becomes 9 * 10 / 2 = 45: all
    # 9 non-zero differences are positive (R's V = 0 for the reverse sign).
    res = paired_change(before=SLEEP_DRUG1, after=SLEEP_DRUG2)
    assert isinstance(res, PairedChangeResult)
    assert res.n == 10
    assert res.mean_delta == pytest.approx(1.58, abs=1e-12)
    assert res.t_statistic == pytest.approx(4.0621, abs=5e-5)
    assert res.t_p_value == pytest.approx(0.002833, abs=5e-7)
    assert res.wilcoxon_statistic == 45.0
    assert res.wilcoxon_p_value == pytest.approx(0.009091, abs=5e-7)
    assert res.reason is None

    reverse = paired_change(before=SLEEP_DRUG2, after=SLEEP_DRUG1)
    assert reverse.t_statistic == pytest.approx(-4.0621, abs=5e-5)
    assert reverse.wilcoxon_statistic == 0.0  # R's V = 0
    assert reverse.wilcoxon_p_value == pytest.approx(0.009091, abs=5e-7)


def test_paired_change_hollander_wolfe_exact_wilcoxon():
    # R ?wilcox.test example (Hollander & Wolfe 1973, 29f):
    #   wilcox.test(x, y, paired = TRUE, alternative = "greater") -> V = 40, p = 0.01953
    #   wilcox.test(y - x, alternative = "less")                  -> V = 5,  p = 0.01953
    # No ties and no zeros, so the p-value is exact; the exact null distribution
    # is symmetric, so the two-sided p-value is twice the one-sided 0.01953.
    res = paired_change(before=HW_FIRST_VISIT, after=HW_SECOND_VISIT)
    assert res.n == 9
    assert res.wilcoxon_statistic == 5.0
    assert res.wilcoxon_p_value == pytest.approx(2 * 0.01953, abs=1e-5)
    forward = paired_change(before=HW_SECOND_VISIT, after=HW_FIRST_VISIT)
    assert forward.wilcoxon_statistic == 40.0


def test_paired_change_wilcoxon_ties_and_zeros_stackexchange():
    # stats.stackexchange.com/questions/514618 ("Ties in Wilcoxon t-test in R"):
    # d = x1 - x2 with four zeros and many ties; wilcox.test(d) prints
    # "V = 99.5, p-value = 0.01842" (continuity correction).
    x1 = [5, 6, 3, 3, 4, 2, 5, 3, 4, 3, 4, 5, 3, 2, 2, 5, 4, 1, 3]
    x2 = [4, 5, 3, 2, 2, 1, 4, 5, 4, 2, 2, 4, 2, 1, 3, 5, 3, 1, 2]
    res = paired_change(before=x2, after=x1)
    assert res.wilcoxon_statistic == 99.5
    assert res.wilcoxon_p_value == pytest.approx(0.01842, abs=5e-6)


def test_paired_change_wilcoxon_correction_scipy_r_reference():
    # scipy/stats/tests/test_morestats.py TestWilcoxon::test_accuracy_wilcoxon,
    # values "computed in R with wilcox.test(x, y, paired=TRUE, exact=FALSE,
    # correct=TRUE)": p = 0.7240816609153895, scipy statistic 34 (= min(V, 78 - V)).
    # That call forces the normal approximation; with R's defaults (no ties,
    # n < 50) the p-value is exact, so only the statistic is compared here and
    # the approximation is checked against the R value through scipy directly.
    x = [120, 114, 181, 188, 180, 146, 121, 191, 132, 113, 127, 112]
    y = [133, 143, 119, 189, 112, 199, 198, 113, 115, 121, 142, 187]
    res = paired_change(before=y, after=x)
    assert min(res.wilcoxon_statistic, 12 * 13 / 2 - res.wilcoxon_statistic) == 34.0
    exact = stats.wilcoxon(np.subtract(x, y), method="exact")
    assert res.wilcoxon_p_value == pytest.approx(exact.pvalue, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("size", [6, 30, 80])
def test_paired_change_agrees_with_scipy(seed, size):
    # Agreement with scipy.stats.ttest_rel and scipy.stats.wilcoxon.
    rng = np.random.default_rng(seed)
    before = rng.normal(50, 10, size)
    after = before + rng.normal(1.5, 4, size)
    res = paired_change(before, after)
    t_ref = stats.ttest_rel(after, before)
    assert res.t_statistic == pytest.approx(t_ref.statistic, abs=1e-9)
    assert res.t_p_value == pytest.approx(t_ref.pvalue, abs=1e-9)
    delta = after - before
    method = "exact" if size < 50 else "asymptotic"  # continuous data: no ties
    w_ref = stats.wilcoxon(delta, correction=True, method=method)
    assert res.wilcoxon_p_value == pytest.approx(w_ref.pvalue, abs=1e-12)
    total = size * (size + 1) / 2
    assert min(res.wilcoxon_statistic, total - res.wilcoxon_statistic) == w_ref.statistic
    assert res.mean_delta == pytest.approx(delta.mean(), abs=1e-12)


def test_paired_change_degenerate_cases():
    assert paired_change([], []) == PairedChangeResult(
        0, None, None, None, None, None, "too_few_observations"
    )
    one = paired_change([1.0], [3.0])
    assert one == PairedChangeResult(1, 2.0, None, None, None, None, "too_few_observations")
    # Missing values dropped pairwise, down to one pair.
    assert paired_change([1.0, nan, 2.0], [3.0, 4.0, None]).n == 1

    zeros = paired_change([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert zeros == PairedChangeResult(3, 0.0, None, None, None, None, "all_deltas_zero")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        constant = paired_change([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0])
    assert constant.mean_delta == 2.0
    assert (constant.t_statistic, constant.t_p_value) == (None, None)
    assert constant.reason == "constant_deltas"
    assert constant.wilcoxon_statistic == 10.0  # all four ranks positive
    assert constant.wilcoxon_p_value is not None and 0.0 < constant.wilcoxon_p_value < 1.0

    with pytest.raises(ValueError, match="same length"):
        paired_change([1.0, 2.0], [1.0])
