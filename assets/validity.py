"""Validity of the criteria and Step 1 weight calibration: the statistics SQL cannot do.

dbt prepares the inputs (``int_criterion_outcome_pairs``, ``int_weight_calibration_sample``);
this asset computes point-biserial r, its p-value and Fisher-z interval with scipy, the
``not_predictive`` flag over two consecutive cycles, and the suggested weights, and writes
``marts.fct_criterion_win_correlation`` and ``marts.fct_weight_calibration``.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import dagster as dg
import numpy as np

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import cycle_window, previous_cycle
from salesassess.method.statistics import point_biserial
from salesassess.publishing.python_marts import write_mart

CORRELATION_TABLE = "marts.fct_criterion_win_correlation"


def suggested_weights(correlations: Mapping[str, float | None], floor: int) -> dict[str, int]:
    """Step 1: positive r normalised to 100 in whole percents; r <= 0 (or unknown) gets
    ``floor``. Whole percents by largest remainder (ties: larger r, then criterion id); a
    positive criterion whose share would fall under the floor is raised to it."""
    ids = sorted(correlations)
    positive = {c: correlations[c] for c in ids if (correlations[c] or 0) > 0}
    if not positive:
        raise ValueError("no criterion correlates positively with won deals")
    fixed = {c: floor for c in ids if c not in positive}
    while True:
        budget = 100 - sum(fixed.values())
        free = {c: r for c, r in positive.items() if c not in fixed}
        if budget < 0 or not free:
            raise ValueError(f"the weight floor {floor} leaves no room for {len(ids)} criteria")
        total = sum(free.values())
        raw = {c: budget * r / total for c, r in free.items()}
        below = [c for c, share in raw.items() if share < floor]
        if not below:
            break
        fixed.update({c: floor for c in below})
    weights = {c: math.floor(share) for c, share in raw.items()}
    left = budget - sum(weights.values())
    order = sorted(raw, key=lambda c: (-(raw[c] - weights[c]), -free[c], c))
    for criterion in order[:left]:
        weights[criterion] += 1
    return {c: (fixed | weights)[c] for c in ids}


@dataclass(frozen=True)
class CriterionCorrelation:
    criterion_id: str
    r: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    reason: str | None


def correlate(pairs: Sequence[tuple], confidence: float) -> dict[str, CriterionCorrelation]:
    """Point-biserial r per criterion from (criterion_id, score, won) rows, or
    (criterion_id, score, won, count) rows: ``count`` pairs of that score and outcome (a
    cycle's pairs counted in the warehouse, so the pairs never leave it one by one)."""
    by_criterion: dict[str, tuple[list[float], list[int], list[int]]] = {}
    for criterion, score, won, *count in pairs:
        scores, outcomes, counts = by_criterion.setdefault(criterion, ([], [], []))
        scores.append(np.nan if score is None else score)
        outcomes.append(won)
        counts.append(count[0] if count else 1)
    results = {}
    for criterion, (scores, outcomes, counts) in sorted(by_criterion.items()):
        result = point_biserial(
            np.repeat(np.asarray(scores, dtype=float), counts),
            np.repeat(np.asarray(outcomes, dtype=float), counts),
            confidence=confidence,
        )
        results[criterion] = CriterionCorrelation(
            criterion,
            result.r,
            result.p_value,
            result.ci_low,
            result.ci_high,
            result.n,
            result.reason,
        )
    return results


def _significant_positive(r: float | None, p: float | None, alpha: float) -> bool:
    return r is not None and p is not None and r > 0 and p < alpha


def build_correlation_rows(con, cycle: str, method: Mapping[str, object]) -> list[tuple]:
    alpha = float(method["correlation_alpha"])
    pairs = con.execute(
        "select criterion_id, score, won, count(*) from intermediate.int_criterion_outcome_pairs "
        # counted in the warehouse, in one order: the same float sums of r on every run
        "where cycle = $cycle group by criterion_id, score, won order by all",
        {"cycle": cycle},
    ).fetchall()
    criteria = [
        row[0]
        for row in con.execute(
            "select criterion_id from intermediate.int_rubric_criteria_in_force "
            "order by criterion_position"
        ).fetchall()
    ]
    results = correlate(pairs, float(method["correlation_confidence"]))
    previous = {}
    if con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'fct_criterion_win_correlation'"
    ).fetchone()[0]:
        previous = {
            criterion: _significant_positive(r, p, alpha)
            for criterion, r, p in con.execute(
                f"select criterion_id, r, p_value from {CORRELATION_TABLE} where cycle = $cycle",
                {"cycle": previous_cycle(cycle)},
            ).fetchall()
        }
    rows = []
    for criterion in criteria:
        result = results.get(criterion) or CriterionCorrelation(
            criterion, None, None, None, None, 0, "no_closed_opportunities"
        )
        significant = _significant_positive(result.r, result.p_value, alpha)
        previously = previous.get(criterion)
        rows.append(
            (
                criterion,
                cycle,
                result.r,
                result.p_value,
                result.ci_low,
                result.ci_high,
                result.n,
                significant,
                previously,
                (not significant) and previously is False,
                result.reason,
            )
        )
    return rows


INSUFFICIENT_WON_DEALS = "insufficient_won_deals"


def build_calibration_rows(con, cycle: str, method: Mapping[str, object]) -> list[tuple]:
    """One row per criterion in force. The suggestion is ready only when the sample holds at
    least ``weight_calibration_min_won_deals`` won opportunities with scored calls; below it
    the weights are still computed and shown, with ``suggestion_status`` (and every row's
    ``note``) ``insufficient_won_deals`` and ``is_ready`` false."""
    sample = con.execute(
        "select criterion_id, opportunity_id, mean_score, won "
        "from intermediate.int_weight_calibration_sample where cycle = $cycle "
        "order by criterion_id, opportunity_id",
        {"cycle": cycle},
    ).fetchall()
    criteria = con.execute(
        "select criterion_id, weight from intermediate.int_rubric_criteria_in_force "
        "order by criterion_position"
    ).fetchall()
    results = correlate(
        [(c, score, won) for c, _, score, won in sample], float(method["correlation_confidence"])
    )
    correlations = {c: (results[c].r if c in results else None) for c, _ in criteria}
    try:
        suggested = suggested_weights(correlations, int(method["calibration_weight_floor"]))
        status, suggestion = "ok", "ready"
    except ValueError as error:
        suggested = {c: w for c, w in criteria}
        status, suggestion = f"kept_current_weights: {error}", "kept_current_weights"
    n_won = len({opportunity for _, opportunity, _, won in sample if won})
    if n_won < int(method["weight_calibration_min_won_deals"]):
        status = suggestion = INSUFFICIENT_WON_DEALS
    rows = []
    for criterion, weight in criteria:
        result = results.get(criterion)
        note = status
        if suggestion != INSUFFICIENT_WON_DEALS and result is not None and result.reason:
            note = result.reason
        rows.append(
            (
                criterion,
                cycle,
                weight,
                suggested[criterion],
                result.r if result else None,
                result.p_value if result else None,
                result.n if result else 0,
                n_won,
                note,
                suggestion,
                suggestion == "ready",
            )
        )
    return rows


@dg.multi_asset(
    name="criterion_validity",
    specs=[
        dg.AssetSpec(
            key=dg.AssetKey(["marts", "fct_criterion_win_correlation"]),
            group_name="assess",
            deps=[dg.AssetKey(["intermediate", "int_criterion_outcome_pairs"])],
            description="Validity: point-biserial r of each criterion with won deals, "
            "p-value, Fisher-z interval, n, not_predictive over two consecutive cycles.",
            kinds={"python", "duckdb"},
        ),
        dg.AssetSpec(
            key=dg.AssetKey(["marts", "fct_weight_calibration"]),
            group_name="assess",
            deps=[dg.AssetKey(["intermediate", "int_weight_calibration_sample"])],
            description="Step 1 weight calibration: current vs suggested weights from "
            "the most recent won and lost opportunities.",
            kinds={"python", "duckdb"},
        ),
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def criterion_validity(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    method = settings.method()
    with connect(settings.warehouse_path()) as con:
        correlation = build_correlation_rows(con, cycle, method)
        write_mart(con, "fct_criterion_win_correlation", cycle, correlation)
        calibration = build_calibration_rows(con, cycle, method)
        write_mart(con, "fct_weight_calibration", cycle, calibration)
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["marts", "fct_criterion_win_correlation"]),
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(correlation)),
            "preview": markdown_table(
                correlation, ["criterion_id", "cycle", "r", "p_value", "ci_low", "ci_high", "n"]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=dg.AssetKey(["marts", "fct_weight_calibration"]),
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(calibration)),
            "preview": markdown_table(
                [row[:6] + row[9:10] for row in calibration],
                [
                    "criterion_id",
                    "cycle",
                    "current_weight",
                    "suggested_weight",
                    "r",
                    "p_value",
                    "suggestion_status",
                ],
            ),
        },
    )
