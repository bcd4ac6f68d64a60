"""Step 2 inter-rater reliability: chance-corrected statistics beside the SQL agreement.

dbt computes, per rubric version, comparison and criterion, the share of scorer pairs
within tolerance, the largest disagreement, ``anchors_too_vague`` and the calibration gate
(``int_rubric_agreement``, ``int_rubric_calibration``). This asset adds what SQL cannot
and writes ``marts.fct_rubric_reliability``. Its asset check warns when a rubric version
(or the automated or external scorer against humans) is not calibrated.

Which scores count is defined once, by the dbt model ``int_reliability_scores`` (cycle
partitions up to this one: no follow-up or check-in window), read here and by
``int_scorer_pairs``. Per comparison:

* ``human``: the humans who scored a call (units with two or more). Quadratic-weighted
  kappa over every pair of humans; Krippendorff's alpha over every human's score;
  ICC(1,1), the one-way model, because the reviewers differ from call to call (ICC(2,1)
  only where the same reviewers scored every call).
* ``auto_vs_human`` / ``external_vs_human``: the scorer against the humans only, never
  the humans against each other. Kappa over the scorer-human pairs; alpha and the ICCs
  over two values per call, the scorer's score and the humans' mean.

``auto_vs_human`` rows name their scorer (``scorer_id``: the rules' or the learned
scorer's, see :mod:`salesassess.scoring.learned_scorer`) and say whether it scores the calls
(``scores_calls``); the candidate that lost a criterion's held-out comparison is reported
beside it from ``raw.auto_scorer_candidates``, with its held-out within-1 share, kappa and
ordinal alpha.
"""

from collections import defaultdict

import dagster as dg
import numpy as np

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import cycle_window
from salesassess.method.statistics import (
    icc_1_1,
    icc_2_1,
    krippendorff_alpha,
    quadratic_weighted_kappa,
)
from salesassess.publishing.python_marts import write_mart

RELIABILITY_KEY = dg.AssetKey(["marts", "fct_rubric_reliability"])
#: the scorer kind each comparison sets against the humans (None: humans among themselves)
SCORER_KIND = {"human": None, "auto_vs_human": "auto", "external_vs_human": "external"}

Unit = tuple[str, str]  # (call_id, criterion_id)


def reliability_units(
    scores, version: str, criterion: str, comparison: str
) -> dict[Unit, dict[str, float]]:
    """Per call and criterion, the ratings the comparison compares: every human's score
    (comparison human, units with two or more humans), or the scorer's score (the mean of
    that kind's scorers) beside the humans' mean (units where both scored)."""
    kind = SCORER_KIND[comparison]
    by_unit: dict[Unit, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for v, c, call, scorer, scorer_kind, score in scores:
        if v == version and criterion in ("overall", c) and scorer_kind in ("human", kind):
            by_unit[(call, c)][scorer_kind][scorer] = score
    units: dict[Unit, dict[str, float]] = {}
    for unit, kinds in sorted(by_unit.items()):
        humans = kinds.get("human", {})
        if kind is None:
            if len(humans) >= 2:
                units[unit] = dict(humans)
        elif kinds.get(kind) and humans:
            units[unit] = {
                "scorer": float(np.mean(list(kinds[kind].values()))),
                "humans": float(np.mean(list(humans.values()))),
            }
    return units


def _raters_by_units(units: dict[Unit, dict[str, float]]) -> np.ndarray:
    """raters x units, NaN where a rater did not score a unit (Krippendorff's layout)."""
    raters = sorted({rater for by_rater in units.values() for rater in by_rater})
    matrix = np.full((len(raters), len(units)), np.nan)
    for j, by_rater in enumerate(units.values()):
        for i, rater in enumerate(raters):
            if rater in by_rater:
                matrix[i, j] = by_rater[rater]
    return matrix


def _ratings_by_unit(units: dict[Unit, dict[str, float]]) -> np.ndarray:
    """units x rating slots, NaN-padded (the one-way ICC's layout: slots carry no rater)."""
    width = max((len(by_rater) for by_rater in units.values()), default=0)
    matrix = np.full((len(units), width), np.nan)
    for i, by_rater in enumerate(units.values()):
        values = [by_rater[rater] for rater in sorted(by_rater)]
        matrix[i, : len(values)] = values
    return matrix


def _same_raters(units: dict[Unit, dict[str, float]], raters_of: dict[Unit, frozenset]) -> bool:
    return len(units) >= 2 and len({raters_of[unit] for unit in units}) == 1


def reliability_statistics(
    pairs, units: dict[Unit, dict[str, float]], categories, same_raters: bool
) -> dict[str, float | None]:
    """Chance-corrected statistics of one comparison: kappa over its scorer pairs, alpha and
    the ICCs over its units. ICC(2,1) only when the same raters scored every unit."""
    if pairs:
        labels = sorted({score for pair in pairs for score in pair} | set(categories or []))
        kappa = quadratic_weighted_kappa(
            [a for a, _ in pairs], [b for _, b in pairs], labels, by_value=True
        )
    else:
        kappa = None
    raters = _raters_by_units(units)
    slots = _ratings_by_unit(units)
    return {
        "kappa": kappa,
        "alpha_ordinal": krippendorff_alpha(raters, "ordinal") if raters.size else None,
        "alpha_interval": krippendorff_alpha(raters, "interval") if raters.size else None,
        "icc_1_1": icc_1_1(slots) if slots.size else None,
        "icc_2_1": icc_2_1(_raters_by_units(units).T) if same_raters else None,
    }


def build_reliability_rows(con, cycle: str) -> list[tuple]:
    agreement = con.execute(
        "select rubric_version, criterion_id, comparison, n_calls, n_pairs, within_one_rate, "
        "max_disagreement, anchors_too_vague, meets_target "
        "from intermediate.int_rubric_agreement order by rubric_version, comparison"
    ).fetchall()
    calibration = {
        (version, comparison): (status, reason)
        for version, comparison, status, reason in con.execute(
            "select rubric_version, comparison, calibration_status, reason "
            "from intermediate.int_rubric_calibration"
        ).fetchall()
    }
    pairs: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    paired_calls: dict[tuple, set[str]] = defaultdict(set)
    for version, criterion, comparison, call, a, b in con.execute(
        "select rubric_version, criterion_id, comparison, call_id, score_a, score_b "
        "from intermediate.int_scorer_pairs where comparison is not null order by all"
    ).fetchall():
        pairs[(version, criterion, comparison)].append((a, b))
        pairs[(version, "overall", comparison)].append((a, b))
        paired_calls[(version, comparison)].add(call)
    # every comparison's unit holds a human score: only those units leave the warehouse
    # (not the automated score of every call)
    scores = con.execute(
        "select rubric_version, criterion_id, call_id, scorer_id, scorer_kind, score "
        "from intermediate.int_reliability_scores s where exists (select 1 "
        "from intermediate.int_reliability_scores h where h.scorer_kind = 'human' "
        "and h.rubric_version = s.rubric_version and h.call_id = s.call_id "
        "and h.criterion_id = s.criterion_id) order by all"
    ).fetchall()
    raters_of: dict[tuple, set[str]] = defaultdict(set)
    for version, criterion, call, scorer, kind, _ in scores:
        raters_of[(version, call, criterion)].add(f"{kind}:{scorer}")
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
    scorers = _auto_scorers(con, cycle)
    result = []
    for row in rows:
        version, criterion, comparison = row[0], row[1], row[2]
        low, high = scales.get(version, [None, None])
        categories = list(range(int(low), int(high) + 1)) if low is not None else None
        units = reliability_units(scores, version, criterion, comparison)
        unit_raters = {
            unit: frozenset(
                rater
                for rater in raters_of[(version, *unit)]
                if rater.split(":", 1)[0] in ("human", SCORER_KIND[comparison])
            )
            for unit in units
        }
        stats = reliability_statistics(
            pairs[(version, criterion, comparison)],
            units,
            categories,
            _same_raters(units, unit_raters),
        )
        status, reason = calibration.get(
            (version, comparison), ("insufficient_double_scoring", None)
        )
        if criterion == "overall":
            row[8] = status == "calibrated"
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
                stats["icc_2_1"],
                status == "calibrated",
                reason,
                stats["icc_1_1"],
                status,
                scorers.get((version, criterion)) if comparison == "auto_vs_human" else None,
                True if comparison == "auto_vs_human" else None,
            )
        )
    return result + _losing_candidates(con, cycle)


def _auto_scorers(con, cycle: str) -> dict[tuple[str, str], str]:
    """The scorer ids in raw.auto_scores per rubric version and criterion (and overall)."""
    rows = con.execute(
        "select rubric_version, criterion_id, string_agg(distinct scorer_id, ', ' "
        "order by scorer_id) from raw.auto_scores where cycle = $cycle group by all "
        "union all select rubric_version, 'overall', string_agg(distinct scorer_id, ', ' "
        "order by scorer_id) from raw.auto_scores where cycle = $cycle group by all",
        {"cycle": cycle},
    ).fetchall()
    return {(version, criterion): scorer for version, criterion, scorer in rows}


def _losing_candidates(con, cycle: str) -> list[tuple]:
    """auto_vs_human rows of the scorers that lost a criterion's held-out comparison."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'auto_scorer_candidates'"
    ).fetchone()[0]
    if not exists:
        return []
    return con.execute(
        "select rubric_version, criterion_id, 'auto_vs_human', cycle, n_calls, n_calls, "
        "within_one_rate, null, null, null, quadratic_weighted_kappa, "
        "krippendorff_alpha_ordinal, null, null, null, "
        "'held-out agreement not higher than the scorer of the calls', null, null, "
        "scorer_id, false "
        "from raw.auto_scorer_candidates where cycle = $cycle and not scores_calls "
        "order by rubric_version, criterion_id",
        {"cycle": cycle},
    ).fetchall()


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
                dg.AssetKey(["intermediate", "int_reliability_scores"]),
            ],
            description="Step 2 inter-rater reliability per rubric version, comparison and "
            "criterion: within-1 agreement, kappa, Krippendorff's alpha, ICC(1,1) (and "
            "ICC(2,1) where the same raters scored every call), calibration status.",
            kinds={"python", "duckdb"},
        )
    ],
    check_specs=[
        dg.AssetCheckSpec(
            "rubric_calibrated",
            asset=RELIABILITY_KEY,
            description="Warns when a rubric version, or the automated or external scorer "
            "against humans, is not calibrated or has too few double-scored calls: its "
            "coaching priorities are marked provisional.",
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def rubric_reliability(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    with connect(settings.warehouse_path()) as con:
        rows = build_reliability_rows(con, cycle)
        write_mart(con, "fct_rubric_reliability", cycle, rows)
        gates = con.execute(
            "select rubric_version, comparison, calibration_status, reason "
            "from intermediate.int_rubric_calibration order by rubric_version, comparison"
        ).fetchall()
    columns = ["rubric_version", "criterion_id", "comparison", "cycle", "n_calls", "n_pairs"]
    columns += ["within_one_rate", "max_disagreement", "anchors_too_vague", "meets_target"]
    columns += ["kappa", "alpha_ordinal", "alpha_interval", "icc_2_1", "calibrated"]
    columns += ["calibration_reason", "icc_1_1", "calibration_status"]
    yield dg.MaterializeResult(
        asset_key=RELIABILITY_KEY,
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(rows)),
            "preview": markdown_table(rows, columns),
            "calibration": dg.MetadataValue.md(
                "\n".join(
                    f"- version {v}, {c}: "
                    + (
                        "calibrated"
                        if status == "calibrated"
                        else f"**{status.replace('_', ' ')}**: {reason}"
                    )
                    for v, c, status, reason in gates
                )
                or "no double-scored calls"
            ),
        },
    )
    failing = [(v, c, f"{s}: {r}") for v, c, s, r in gates if s != "calibrated"]
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
