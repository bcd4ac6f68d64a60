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

import dagster as dg
import numpy as np

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.engines.warehouse import connect
from salesassess.method.calendar import cycle_window
from salesassess.method.statistics import (
    group_means,
    icc_1_1,
    icc_2_1,
    krippendorff_alpha,
    quadratic_weighted_kappa,
)
from salesassess.publishing.python_marts import write_mart

RELIABILITY_KEY = dg.AssetKey(["marts", "fct_rubric_reliability"])
#: the scorer kind each comparison sets against the humans (None: humans among themselves)
SCORER_KIND = {"human": None, "auto_vs_human": "auto", "external_vs_human": "external"}

#: every score of a unit (a call's criterion under a rubric version) some human scored, one
#: per scorer (its highest where it scored a unit twice: the score a mapping from scorer to
#: score kept when it read them in score order), in the order of the units and, within a
#: unit, of the kinds and the scorers
SCORES_QUERY = (
    "select rubric_version, call_id, criterion_id, scorer_kind, scorer_id, max(score) as score "
    "from intermediate.int_reliability_scores s where exists (select 1 "
    "from intermediate.int_reliability_scores h where h.scorer_kind = 'human' "
    "and h.rubric_version = s.rubric_version and h.call_id = s.call_id "
    "and h.criterion_id = s.criterion_id) group by all "
    "order by rubric_version, call_id, criterion_id, scorer_kind, scorer_id"
)
#: the scorer pairs counted per comparison and pair of scores (kappa needs only the counts)
PAIRS_QUERY = (
    "select rubric_version, criterion_id, comparison, score_a, score_b, count(*) as n "
    "from intermediate.int_scorer_pairs where comparison is not null group by all"
)


def _column(data: dict, name: str, missing=None) -> np.ndarray:
    """A column of ``fetchnumpy``, its nulls as ``missing``."""
    return np.ma.filled(data[name], missing)


class _Matches:
    """Which entries of a column equal a value, compared once per value."""

    def __init__(self, column: np.ndarray):
        self.column = column
        self.found: dict[object, np.ndarray] = {}

    def __call__(self, value) -> np.ndarray:
        if value not in self.found:
            self.found[value] = self.column == value
        return self.found[value]


class ReliabilityScores:
    """The scores the comparisons compare, unit by unit: per unit, how many scorers of
    each kind scored it and their mean (``np.mean`` of their scores in scorer order)."""

    def __init__(self, con):
        data = con.execute(SCORES_QUERY).fetchnumpy()
        version = _column(data, "rubric_version")
        call = _column(data, "call_id")
        criterion = _column(data, "criterion_id")
        kind = _column(data, "scorer_kind")
        self.scorer = _column(data, "scorer_id")
        self.score = _column(data, "score", np.nan).astype(float)
        first = np.ones(len(version), dtype=bool)
        first[1:] = (
            (version[1:] != version[:-1])
            | (call[1:] != call[:-1])
            | (criterion[1:] != criterion[:-1])
        )
        self.unit = np.cumsum(first) - 1  # each score's unit
        self.version = _Matches(version[first])
        self.criterion = _Matches(criterion[first])
        self.of_kind: dict[str, np.ndarray] = {}
        self.counts: dict[str, np.ndarray] = {}
        self.means: dict[str, np.ndarray] = {}
        for name in ("human", *filter(None, SCORER_KIND.values())):
            rows = self.of_kind[name] = kind == name
            counts = np.bincount(self.unit[rows], minlength=int(first.sum()))
            means = np.full(len(counts), np.nan)
            means[counts > 0] = group_means(self.score[rows], counts[counts > 0])
            self.counts[name], self.means[name] = counts, means

    def units(self, version: str, criterion: str, comparison: str) -> np.ndarray:
        """Whether each unit counts in the comparison: the version's units of the criterion
        (all its criteria for ``overall``) scored by two or more humans (comparison human),
        or by humans and the comparison's kind of scorer."""
        chosen = self.version(version)
        if criterion != "overall":
            chosen = chosen & self.criterion(criterion)
        kind = SCORER_KIND[comparison]
        if kind is None:
            return chosen & (self.counts["human"] >= 2)
        return chosen & (self.counts["human"] > 0) & (self.counts[kind] > 0)

    def ratings(self, units: np.ndarray, comparison: str) -> np.ndarray:
        """units x rating slots, NaN-padded: every human's score in scorer order (comparison
        human), or the humans' mean beside the scorer's (the mean of that kind's scorers)."""
        kind = SCORER_KIND[comparison]
        if kind is not None:
            return np.column_stack((self.means["human"][units], self.means[kind][units]))
        rows = np.flatnonzero(self.of_kind["human"] & units[self.unit])
        unit = self.unit[rows]
        starts = np.flatnonzero(np.r_[True, unit[1:] != unit[:-1]])
        slot = np.arange(len(rows)) - np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
        position = np.cumsum(units) - 1
        slots = np.full((int(units.sum()), int(slot.max(initial=-1)) + 1), np.nan)
        slots[position[unit], slot] = self.score[rows]
        return slots

    def same_raters(self, units: np.ndarray, comparison: str) -> bool:
        """Whether two or more units and the same raters (humans and the comparison's kind
        of scorer) on every unit."""
        kinds = [kind for kind in ("human", SCORER_KIND[comparison]) if kind]
        raters = sum(self.counts[kind][units] for kind in kinds)
        if len(raters) < 2 or np.any(raters != raters[0]):
            return False
        scorers = {
            (kind, scorer)
            for kind in kinds
            for scorer in self.scorer[self.of_kind[kind] & units[self.unit]].tolist()
        }
        return len(scorers) == raters[0]


class ScorerPairs:
    """The scorer pairs of each comparison, counted per pair of scores."""

    def __init__(self, con):
        data = con.execute(PAIRS_QUERY).fetchnumpy()
        self.version = _Matches(_column(data, "rubric_version"))
        self.criterion = _Matches(_column(data, "criterion_id"))
        self.comparison = _Matches(_column(data, "comparison"))
        self.score_a = _column(data, "score_a", np.nan)
        self.score_b = _column(data, "score_b", np.nan)
        self.count = _column(data, "n")

    def scores(self, version: str, criterion: str, comparison: str) -> tuple[np.ndarray, ...]:
        """The comparison's pairs as two arrays of scores (all criteria for ``overall``)."""
        chosen = self.version(version) & self.comparison(comparison)
        if criterion != "overall":
            chosen = chosen & self.criterion(criterion)
        count = self.count[chosen]
        return np.repeat(self.score_a[chosen], count), np.repeat(self.score_b[chosen], count)


def reliability_statistics(
    score_a: np.ndarray,
    score_b: np.ndarray,
    ratings: np.ndarray,
    categories,
    same_raters: bool,
) -> dict[str, float | None]:
    """Chance-corrected statistics of one comparison: kappa over its scorer pairs
    (``score_a``, ``score_b``), alpha and the ICCs over its units' ``ratings`` (units x
    slots; with the same raters on every unit, a slot is a rater). ICC(2,1) only when the
    same raters scored every unit. Alpha depends on how often each value is given to each
    unit, not on who gave it, so the slots stand in for the raters."""
    if score_a.size:
        labels = sorted(set(np.unique(np.r_[score_a, score_b]).tolist()) | set(categories or []))
        kappa = quadratic_weighted_kappa(score_a, score_b, labels, by_value=True)
    else:
        kappa = None
    raters = np.ascontiguousarray(ratings.T)  # raters x units (Krippendorff's layout)
    return {
        "kappa": kappa,
        "alpha_ordinal": krippendorff_alpha(raters, "ordinal") if raters.size else None,
        "alpha_interval": krippendorff_alpha(raters, "interval") if raters.size else None,
        "icc_1_1": icc_1_1(ratings) if ratings.size else None,
        "icc_2_1": icc_2_1(raters.T) if same_raters else None,
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
    pairs = ScorerPairs(con)
    paired_calls = {
        (version, comparison): n_calls
        for version, comparison, n_calls in con.execute(
            "select rubric_version, comparison, count(distinct call_id) "
            "from intermediate.int_scorer_pairs where comparison is not null group by all"
        ).fetchall()
    }
    scores = ReliabilityScores(con)
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
        n_calls = paired_calls.get((version, comparison), 0)
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
        units = scores.units(version, criterion, comparison)
        stats = reliability_statistics(
            *pairs.scores(version, criterion, comparison),
            scores.ratings(units, comparison),
            categories,
            scores.same_raters(units, comparison),
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
