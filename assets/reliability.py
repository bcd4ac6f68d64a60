"""Step 2 inter-rater reliability: chance-corrected statistics beside the SQL agreement.

dbt computes, per rubric version, comparison and criterion, the share of scorer pairs
within tolerance, the largest disagreement, ``anchors_too_vague`` and the calibration gate
(``int_rubric_agreement``, ``int_rubric_calibration``). This asset adds what SQL cannot:
quadratic-weighted Cohen's kappa over the scorer pairs, Krippendorff's alpha (ordinal and
interval, any number of scorers, missing values allowed) and ICC(2,1), and writes
``marts.fct_rubric_reliability``. Its asset check warns when a rubric version (or the
automated scorer against humans) is not calibrated.
"""

from collections import defaultdict

import dagster as dg
import numpy as np

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.calendar import cycle_window
from salesassess.statistics import icc_2_1, krippendorff_alpha, quadratic_weighted_kappa
from salesassess.warehouse import connect, replace_cycle_rows

RELIABILITY_KEY = dg.AssetKey(["marts", "fct_rubric_reliability"])
RELIABILITY_TABLE = "marts.fct_rubric_reliability"
RELIABILITY_DDL = (
    "rubric_version varchar, criterion_id varchar, comparison varchar, cycle varchar, "
    "n_calls bigint, n_pairs bigint, within_one_rate double, max_disagreement double, "
    "anchors_too_vague boolean, meets_target boolean, quadratic_weighted_kappa double, "
    "krippendorff_alpha_ordinal double, krippendorff_alpha_interval double, "
    "icc_2_1 double, calibrated boolean, calibration_reason varchar"
)
KINDS_IN = {
    "human": ("human",),
    "auto_vs_human": ("auto", "human"),
    "external_vs_human": ("external", "human"),
}


def _matrix(ratings: dict[tuple[str, str], dict[str, float]]) -> np.ndarray:
    """scorers x units, NaN where a scorer did not score a unit."""
    scorers = sorted({scorer for by_scorer in ratings.values() for scorer in by_scorer})
    units = sorted(ratings)
    matrix = np.full((len(scorers), len(units)), np.nan)
    for j, unit in enumerate(units):
        for i, scorer in enumerate(scorers):
            if scorer in ratings[unit]:
                matrix[i, j] = ratings[unit][scorer]
    return matrix


def _first_two(ratings: dict[tuple[str, str], dict[str, float]]) -> np.ndarray | None:
    """units x 2: each unit's two first scorers (by id), for ICC(2,1) on rater slots."""
    rows = [
        [by_scorer[s] for s in sorted(by_scorer)[:2]]
        for by_scorer in ratings.values()
        if len(by_scorer) >= 2
    ]
    return np.array(rows) if len(rows) >= 2 else None


def reliability_statistics(pairs, ratings, categories) -> dict[str, float | None]:
    """Chance-corrected statistics for one group of scorer pairs and its rating matrix."""
    kappa = quadratic_weighted_kappa([a for a, _ in pairs], [b for _, b in pairs], categories)
    matrix = _matrix(ratings)
    slots = _first_two(ratings)
    return {
        "kappa": kappa,
        "alpha_ordinal": krippendorff_alpha(matrix, "ordinal") if matrix.size else None,
        "alpha_interval": krippendorff_alpha(matrix, "interval") if matrix.size else None,
        "icc": icc_2_1(slots) if slots is not None else None,
    }


def build_reliability_rows(con, cycle: str) -> list[tuple]:
    agreement = con.execute(
        "select rubric_version, criterion_id, comparison, n_calls, n_pairs, within_one_rate, "
        "max_disagreement, anchors_too_vague, meets_target "
        "from intermediate.int_rubric_agreement order by rubric_version, comparison"
    ).fetchall()
    calibration = {
        (version, comparison): (calibrated, reason)
        for version, comparison, calibrated, reason in con.execute(
            "select rubric_version, comparison, calibrated, reason "
            "from intermediate.int_rubric_calibration"
        ).fetchall()
    }
    pairs: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    paired_calls: dict[tuple, set[str]] = defaultdict(set)
    for version, criterion, comparison, call, a, b in con.execute(
        "select rubric_version, criterion_id, comparison, call_id, score_a, score_b "
        "from intermediate.int_scorer_pairs where comparison is not null"
    ).fetchall():
        pairs[(version, criterion, comparison)].append((a, b))
        pairs[(version, "overall", comparison)].append((a, b))
        paired_calls[(version, comparison)].add(call)
    # the ratings of every unit (call, criterion) holding a pair of a comparison: each
    # scorer of the comparison's kinds, read from the pairs (one home for which scores
    # count), so only double-scored units leave the warehouse
    unit_ratings: dict[tuple, dict[tuple[str, str], dict[str, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    kinds = ", ".join(
        f"('{comparison}', '{kind}')" for comparison, ks in KINDS_IN.items() for kind in ks
    )
    for comparison, version, criterion, call, scorer, score in con.execute(
        "with scored as (select rubric_version, criterion_id, call_id, scorer_a as scorer_id, "
        "scorer_kind_a as scorer_kind, score_a as score from intermediate.int_scorer_pairs "
        "union select rubric_version, criterion_id, call_id, scorer_b, scorer_kind_b, score_b "
        "from intermediate.int_scorer_pairs), "
        "units as (select distinct rubric_version, criterion_id, call_id, comparison "
        "from intermediate.int_scorer_pairs where comparison is not null), "
        f"kinds (comparison, scorer_kind) as (values {kinds}) "
        "select u.comparison, u.rubric_version, u.criterion_id, u.call_id, s.scorer_id, s.score "
        "from units u join scored s using (rubric_version, criterion_id, call_id) "
        "join kinds k on k.comparison = u.comparison and k.scorer_kind = s.scorer_kind"
    ).fetchall():
        unit_ratings[(version, criterion, comparison)][(call, criterion)][scorer] = score
        unit_ratings[(version, "overall", comparison)][(call, criterion)][scorer] = score
    scales = dict(
        con.execute(
            "select rubric_version, any_value([scale_min, scale_max]) "
            "from raw.rubric_criteria where cycle = $cycle group by rubric_version",
            {"cycle": cycle},
        ).fetchall()
    )
    rows = []
    totals: dict[tuple, list] = {}
    for version, criterion, comparison, n_calls, n_pairs, rate, worst, vague, meets in agreement:
        key = (version, comparison)
        total = totals.setdefault(key, [set(), 0, 0.0, 0.0, False])
        total[1] += n_pairs
        total[2] += rate * n_pairs
        total[3] = max(total[3], worst)
        total[4] = total[4] or vague
        rows.append([version, criterion, comparison, n_calls, n_pairs, rate, worst, vague, meets])
    for (version, comparison), (_, n_pairs, agreeing, worst, vague) in totals.items():
        n_calls = len(paired_calls[(version, comparison)])
        rows.append(
            [
                version,
                "overall",
                comparison,
                n_calls,
                n_pairs,
                agreeing / n_pairs,
                worst,
                vague,
                None,
            ]
        )
    result = []
    for row in rows:
        version, criterion, comparison = row[0], row[1], row[2]
        low, high = scales.get(version, [None, None])
        categories = list(range(int(low), int(high) + 1)) if low is not None else None
        ratings = unit_ratings.get((version, criterion, comparison), {})
        stats = reliability_statistics(pairs[(version, criterion, comparison)], ratings, categories)
        calibrated, reason = calibration.get((version, comparison), (False, None))
        if criterion == "overall":
            row[8] = calibrated
        result.append(
            (
                version,
                criterion,
                comparison,
                cycle,
                *row[3:9],
                stats["kappa"],
                stats["alpha_ordinal"],
                stats["alpha_interval"],
                stats["icc"],
                calibrated if comparison in ("human", "auto_vs_human") else None,
                reason,
            )
        )
    return result


@dg.multi_asset(
    name="rubric_reliability",
    specs=[
        dg.AssetSpec(
            key=RELIABILITY_KEY,
            group_name="assess",
            deps=[
                dg.AssetKey(["intermediate", "int_rubric_agreement"]),
                dg.AssetKey(["intermediate", "int_rubric_calibration"]),
                dg.AssetKey(["intermediate", "int_scorer_pairs"]),
            ],
            description="Step 2 inter-rater reliability per rubric version, comparison and "
            "criterion: within-1 agreement, kappa, Krippendorff's alpha, ICC(2,1), "
            "calibrated.",
            kinds={"python", "duckdb"},
        )
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "rubric_calibrated",
            asset=RELIABILITY_KEY,
            description="Warns when a rubric version, or the automated scorer against "
            "humans, is not calibrated: its coaching priorities are marked not_calibrated.",
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def rubric_reliability(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    with connect(settings.warehouse_path()) as con:
        rows = build_reliability_rows(con, cycle)
        replace_cycle_rows(con, RELIABILITY_TABLE, RELIABILITY_DDL, cycle, rows)
        gates = con.execute(
            "select rubric_version, comparison, calibrated, reason "
            "from intermediate.int_rubric_calibration order by rubric_version, comparison"
        ).fetchall()
    columns = ["rubric_version", "criterion_id", "comparison", "cycle", "n_calls", "n_pairs"]
    columns += ["within_one_rate", "max_disagreement", "anchors_too_vague", "meets_target"]
    columns += ["kappa", "alpha_ordinal", "alpha_interval", "icc_2_1"]
    yield dg.MaterializeResult(
        asset_key=RELIABILITY_KEY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(rows)),
            "preview": markdown_table(rows, columns),
            "calibration": dg.MetadataValue.md(
                "\n".join(
                    f"- version {v}, {c}: "
                    + ("calibrated" if calibrated else f"**not calibrated**: {reason}")
                    for v, c, calibrated, reason in gates
                )
                or "no double-scored calls"
            ),
        },
    )
    failing = [(v, c, r) for v, c, calibrated, r in gates if not calibrated]
    yield dg.AssetCheckResult(
        asset_key=RELIABILITY_KEY,
        check_name="rubric_calibrated",
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "not_calibrated": dg.MetadataValue.md(
                "\n".join(f"- version {v}, {c}: {r}" for v, c, r in failing) or "none"
            )
        },
    )
