"""The coaching effect net of regression to the mean (salesassess/method/coaching_statistics.py).

Validated by simulation, on teams built like the method's: reps coached on the criterion
with the largest weighted gap to the team after a 10-call cycle sample, integer scores
1..5 with a call-level noise of 1 point around a skill spread of 0.45. 1,000 simulated
teams per scenario (about 7 s each on one core); the seed is fixed, so the figures below are exact
for this code and the tolerances are about three Monte-Carlo standard errors:

* no true effect: the 95% interval covers 0 in 95.6% of teams (team scope) and 94.8% of
  manager intervals; tolerance 95% +/- 2.5 points. Meanwhile the raw change of the
  coached criterion is +0.21 on average (regression to the mean, not coaching) and that
  of the comparison criteria -0.10 (they were picked for not being the lowest); 28% of
  coached reps "improve" by 0.5 or more (300 teams).
* true effects of 0.8, 0.5 and 0.15 points by manager: the mean estimate minus the true
  effect on the score scale (the same noise with and without coaching) is -0.001 for the
  team and within 0.008 for each manager; tolerance 0.03 (team) and 0.05 (manager); the
  team interval covers the true effect in 96.8% of teams.

The point estimate and interval are also recomputed independently on a small team, with
the rep effects as dummy columns and the CR2 adjustment on the full design.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from salesassess.method.coaching_statistics import METHOD, coaching_effect

WEIGHTS = np.array([30, 25, 20, 15, 10])
SIMULATIONS = 1000


def simulated_team(rng, *, reps=24, managers=3, calls=10, effects=(0.0, 0.0, 0.0)):
    """One team's cycle and follow-up, the rows the model takes, and the true effect on
    the score scale per manager (and for the team under None)."""
    criteria = len(WEIGHTS)
    skill = 3 + rng.normal(0, 0.45, (reps, criteria))

    def sample(level, noise):
        return np.clip(np.floor(level[..., None] + noise + 0.5), 1, 5).mean(axis=-1)

    cycle = sample(skill, rng.normal(0, 1, (reps, criteria, calls)))
    gap = (cycle.mean(axis=0) - cycle) * WEIGHTS
    order = np.argsort(-gap, axis=1, kind="stable")
    every = np.arange(reps)
    primary, secondary = order[:, 0], order[:, 1]
    coached = np.zeros((reps, criteria), bool)
    has_primary = gap[every, primary] > 0
    coached[every[has_primary], primary[has_primary]] = True
    second = np.zeros((reps, criteria), bool)
    has_secondary = gap[every, secondary] > 0
    second[every[has_secondary], secondary[has_secondary]] = True
    manager = every * managers // reps
    lift = np.asarray(effects)[manager][:, None] * coached
    noise = rng.normal(0, 1, (reps, criteria, calls))
    followup, untreated = sample(skill + lift, noise), sample(skill, noise)
    truth = {m: (followup - untreated)[coached & (manager[:, None] == m)].mean() for m in range(3)}
    truth[None] = (followup - untreated)[coached].mean()
    keep = ~second  # secondary priorities are neither coached nor comparison
    rep, criterion = np.nonzero(keep)
    rows = {
        "rep": rep.tolist(),
        "criterion": criterion.tolist(),
        "cycle_score": cycle[keep],
        "followup_score": followup[keep],
        "coached": coached[keep],
    }
    return rows, manager[rep].tolist(), truth


def run_simulations(effects):
    rng = np.random.default_rng(20261129)
    team, managers = [], []
    for _ in range(SIMULATIONS):
        rows, groups, truth = simulated_team(rng, effects=effects)
        result = coaching_effect(**rows)[None]
        team.append((result, truth[None]))
        for group, result in coaching_effect(**rows, group=groups).items():
            managers.append((group, result, truth[group]))
    return team, managers


@pytest.fixture(scope="module")
def no_effect():
    return run_simulations((0.0, 0.0, 0.0))


@pytest.fixture(scope="module")
def with_effect():
    return run_simulations((0.8, 0.5, 0.15))


def test_without_effect_the_interval_covers_zero_in_about_95_percent(no_effect):
    team, managers = no_effect
    assert all(result.effect is not None for result, _ in team)
    covered = np.mean([r.ci_low <= 0 <= r.ci_high for r, _ in team])
    assert covered == pytest.approx(0.95, abs=0.025)
    estimated = [r for _, r, _ in managers if r.effect is not None]
    assert len(estimated) >= 0.99 * len(managers)
    assert np.mean([r.ci_low <= 0 <= r.ci_high for r in estimated]) == pytest.approx(
        0.95, abs=0.025
    )
    assert np.mean([r.p_value < 0.05 for r, _ in team]) == pytest.approx(0.05, abs=0.025)


def test_without_effect_the_raw_change_of_coached_reps_is_regression_to_the_mean(no_effect):
    team, _ = no_effect
    raw = np.mean([r.raw_change_coached for r, _ in team])
    comparison = np.mean([r.raw_change_comparison for r, _ in team])
    effect = np.mean([r.effect for r, _ in team])
    # the coached criterion was picked for a low sample mean: it rises on its own
    assert 0.15 < raw < 0.3
    # the comparison criteria were not the lowest: they drift down on their own
    assert -0.15 < comparison < -0.05
    assert abs(effect) < 0.02


def test_without_effect_more_than_a_quarter_of_coached_reps_improve_by_half_a_point():
    rng = np.random.default_rng(1)
    shares = []
    for _ in range(300):
        rows, _, _ = simulated_team(rng)
        change = (rows["followup_score"] - rows["cycle_score"])[rows["coached"]]
        shares.append(np.mean(np.round(change, 9) >= 0.5))
    assert np.mean(shares) == pytest.approx(0.28, abs=0.02)


def test_with_an_effect_the_estimate_is_unbiased(with_effect):
    team, managers = with_effect
    assert np.mean([r.effect - truth for r, truth in team]) == pytest.approx(0, abs=0.03)
    assert np.mean([r.ci_low <= truth <= r.ci_high for r, truth in team]) == pytest.approx(
        0.95, abs=0.025
    )
    for group in range(3):
        errors = [r.effect - t for g, r, t in managers if g == group and r.effect is not None]
        assert len(errors) >= 0.99 * SIMULATIONS
        assert np.mean(errors) == pytest.approx(0, abs=0.05)
    # the raw change adds regression to the mean on top of the effect
    assert np.mean([r.raw_change_coached - truth for r, truth in team]) > 0.15


# --- one small team, recomputed independently ---------------------------------------------
SMALL = [
    # rep, manager, criterion, cycle score, follow-up score, coached
    ("r1", "m1", "a", 2.0, 2.9, True),
    ("r1", "m1", "b", 3.4, 3.5, False),
    ("r1", "m1", "c", 3.1, 3.0, False),
    ("r2", "m1", "a", 3.3, 3.1, False),
    ("r2", "m1", "b", 2.2, 2.8, True),
    ("r2", "m1", "c", 3.6, 3.3, False),
    ("r3", "m2", "a", 3.0, 3.2, False),
    ("r3", "m2", "b", 3.2, 3.0, False),
    ("r3", "m2", "c", 2.1, 2.4, True),
    ("r4", "m2", "a", 2.4, 2.7, True),
    ("r4", "m2", "b", 3.5, 3.6, False),
    ("r4", "m2", "c", 3.0, 2.7, False),
    ("r5", "m2", "a", 3.8, 3.5, False),
    ("r5", "m2", "b", 2.9, 3.1, False),
    ("r5", "m2", "c", 3.3, 3.4, False),
]


def full_design_estimate(rows):
    """OLS with rep dummies (no demeaning), CR2 with the generalised inverse square root
    of each rep's block of I - H on the full design, Satterthwaite df from the n x G
    matrix of the working model: the textbook route of Pustejovsky & Tipton (2018)."""
    reps = sorted({r[0] for r in rows})
    criteria = sorted({r[2] for r in rows})
    y = np.array([r[4] for r in rows])
    x = np.column_stack(
        [
            [float(r[5]) for r in rows],
            [r[3] for r in rows],
            *[[float(r[2] == criterion) for r in rows] for criterion in criteria[1:]],
            *[[float(r[0] == rep) for r in rows] for rep in reps],
        ]
    )
    bread = np.linalg.inv(x.T @ x)
    beta = bread @ x.T @ y
    resid = y - x @ beta
    residual_maker = np.eye(len(y)) - x @ bread @ x.T
    meat = np.zeros_like(bread)
    columns = []
    for rep in reps:
        idx = [i for i, r in enumerate(rows) if r[0] == rep]
        values, vectors = np.linalg.eigh(residual_maker[np.ix_(idx, idx)])
        inv_sqrt = np.where(values > 1e-10, 1 / np.sqrt(np.abs(values)), 0)
        a = (vectors * inv_sqrt) @ vectors.T
        score = x[idx].T @ a @ resid[idx]
        meat += np.outer(score, score)
        p = a @ x[idx] @ bread[:, 0]
        columns.append(residual_maker[:, idx] @ p)
    se = np.sqrt((bread @ meat @ bread)[0, 0])
    g = np.column_stack(columns)
    gram = g.T @ g
    df = np.trace(gram) ** 2 / np.sum(gram * gram)
    return beta[0], se, df


def test_small_team_matches_the_full_design_computation():
    effect, se, df = full_design_estimate(SMALL)
    result = coaching_effect(
        [r[0] for r in SMALL],
        [r[2] for r in SMALL],
        [r[3] for r in SMALL],
        [r[4] for r in SMALL],
        [r[5] for r in SMALL],
    )[None]
    half = stats.t.ppf(0.975, df) * se
    assert result.effect == pytest.approx(effect, abs=1e-12)
    assert result.std_error == pytest.approx(se, rel=1e-9)
    assert result.df == pytest.approx(df, rel=1e-9)
    assert (result.ci_low, result.ci_high) == (
        pytest.approx(effect - half, rel=1e-9),
        pytest.approx(effect + half, rel=1e-9),
    )
    assert result.p_value == pytest.approx(2 * stats.t.sf(abs(effect / se), df), rel=1e-9)
    # raw changes by hand: coached 0.9, 0.6, 0.3, 0.3 -> 0.525; the 11 others sum to -0.7
    assert result.n_coached == 4 and result.n_comparison == 11
    assert result.raw_change_coached == pytest.approx(0.525)
    assert result.raw_change_comparison == pytest.approx(-0.7 / 11)
    assert result.method == METHOD and result.reason is None


def test_a_manager_with_one_coached_rep_gets_no_interval():
    rows = [r for r in SMALL if r[0] != "r2"]  # m1 keeps one coached rep, r1
    results = coaching_effect(
        [r[0] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
        [r[5] for r in rows],
        group=[r[1] for r in rows],
    )
    assert results["m1"].effect is None
    assert results["m1"].reason == "too_few_coached_reps"
    assert (results["m1"].n_coached, results["m1"].n_comparison) == (1, 2)
    assert results["m1"].raw_change_coached == pytest.approx(0.9)
    assert results["m2"].effect is not None and results["m2"].n_coached == 2


def test_two_reps_are_too_few():
    rows = [r for r in SMALL if r[0] in ("r1", "r2")]
    result = coaching_effect(
        [r[0] for r in rows],
        [r[2] for r in rows],
        [r[3] for r in rows],
        [r[4] for r in rows],
        [r[5] for r in rows],
    )[None]
    assert (result.effect, result.reason) == (None, "too_few_reps")
