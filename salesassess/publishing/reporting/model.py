"""A cycle's reports as data: what every page shows, read from the published marts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import duckdb

from salesassess.engines.warehouse import table_exists
from salesassess.method.calendar import previous_cycle

REPORT_MARTS = (
    "fct_rep_scorecards",
    "fct_rep_criterion_scores",
    "fct_coaching_priorities",
    "fct_coaching_evidence",
    "fct_practice_scenarios",
    "fct_top_bottom_gaps",
    "fct_criterion_win_correlation",
    "fct_rescore_deltas",
    "fct_manager_effectiveness",
    "fct_coaching_effect",
)
# the rep's trend: this cycle and up to three before it
TREND_CYCLES = 4

FIXED_PAGES = ("index",)  # a manager folder's own page, index.html


# names Windows reserves for devices, with any extension (CON.html cannot be opened from a
# Windows share)
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)


def safe_name(value: str) -> str:
    """A file name for an id: the id itself when it is harmless, else a slug with a hash
    (ids are user data: ``../x`` must not leave the reports folder, ``CON`` is no file
    name on Windows)."""
    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,80}", value) and not _RESERVED.fullmatch(value):
        return value
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", value)[:40].strip("_") or "id"
    return f"{slug}-{hashlib.sha1(value.encode()).hexdigest()[:8]}"


@dataclass
class RepReport:
    rep_id: str
    rep_name: str
    manager_id: str
    manager_name: str | None
    n_calls: int
    n_scored_calls: int
    sample_status: str
    weighted_score: float | None
    weighted_score_100: float | None
    team_weighted_score: float | None
    close_rate: float | None
    team_close_rate: float | None
    n_closed: int
    n_won: int
    # active, or inactive (the cycle's reps snapshot): scores shown, no coaching
    rep_status: str = "active"
    # why the sample is unrepresentative (crowded into one ISO week), else None
    sample_reason: str | None = None
    criteria: list[dict] = field(default_factory=list)
    priorities: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    scenarios: list[dict] = field(default_factory=list)
    followup: dict | None = None
    # the last cycles, oldest first: {"cycle", "weighted_score", "criteria": {id: score}}
    trend: list[dict] = field(default_factory=list)
    # the previous cycle's priorities, each with that cycle's follow-up result if any
    previous_priorities: list[dict] = field(default_factory=list)

    @property
    def file_name(self) -> str:
        """``<rep id>.html``; a rep whose id would name a fixed page (``index``) gets the
        hashed form, so their scorecard and the manager's page both stay."""
        name = safe_name(self.rep_id)
        if name.lower() in FIXED_PAGES:
            name = f"{name}-{hashlib.sha1(self.rep_id.encode()).hexdigest()[:8]}"
        return f"{name}.html"


@dataclass
class CycleReport:
    cycle: str
    reps: list[RepReport]
    team_gaps: list[dict]
    correlations: list[dict]
    managers: list[dict]
    followup_available: bool
    min_scored_calls: int
    scale: tuple[float, float] = (1, 5)
    cycles: list[str] = field(default_factory=list)
    previous_cycle: str = ""

    def managers_by_id(self) -> dict[str, list[RepReport]]:
        grouped: dict[str, list[RepReport]] = {}
        for rep in self.reps:
            grouped.setdefault(rep.manager_id, []).append(rep)
        return dict(sorted(grouped.items()))


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, cycle: str, **params) -> list[dict]:
    given = {"cycle": cycle, **params}
    cursor = con.execute(sql, {k: v for k, v in given.items() if f"${k}" in sql})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _attach(by_rep: dict[str, RepReport], rows: list[dict], attribute: str) -> None:
    for row in rows:
        if row["rep_id"] in by_rep:
            getattr(by_rep[row["rep_id"]], attribute).append(row)


def _scale(con: duckdb.DuckDBPyConnection, cycle: str) -> tuple[float, float]:
    """The rubric's whole scale in the cycle (the charts span it)."""
    low, high = con.execute(
        "select min(scale_min), max(scale_max) from raw.rubric_criteria where cycle = $cycle",
        {"cycle": cycle},
    ).fetchone()
    return (1, 5) if low is None else (low, high)


def _trends(con, cycle: str, by_rep: dict[str, RepReport]) -> list[str]:
    """Each rep's weighted score and criterion scores over the last cycles; returns every
    assessed cycle, oldest first."""
    cycles = [
        c
        for (c,) in con.execute(
            "select distinct cycle from marts.fct_rep_scorecards order by cycle"
        ).fetchall()
    ]
    shown = [c for c in cycles if c <= cycle][-TREND_CYCLES:]
    if not shown:
        return cycles
    points: dict[tuple[str, str], dict] = {}
    for row in _dicts(
        con,
        "select rep_id, cycle, weighted_score from marts.fct_rep_scorecards "
        "where cycle in (select unnest($shown)) order by cycle",
        cycle,
        shown=shown,
    ):
        points[(row["rep_id"], row["cycle"])] = {
            "cycle": row["cycle"],
            "weighted_score": row["weighted_score"],
            "criteria": {},
        }
    for row in _dicts(
        con,
        "select rep_id, cycle, criterion_id, rep_score from marts.fct_rep_criterion_scores "
        "where cycle in (select unnest($shown))",
        cycle,
        shown=shown,
    ):
        point = points.get((row["rep_id"], row["cycle"]))
        if point is not None:
            point["criteria"][row["criterion_id"]] = row["rep_score"]
    for (rep_id, _), point in sorted(points.items(), key=lambda item: item[0][1]):
        if rep_id in by_rep:
            by_rep[rep_id].trend.append(point)
    return cycles


def _previous_priorities(con, cycle: str, by_rep: dict[str, RepReport]) -> str:
    """Last cycle's priorities of each rep, with that cycle's follow-up result."""
    last = previous_cycle(cycle)
    has_followup = table_exists(con, "marts.fct_rescore_deltas")
    followup_join = (
        "left join marts.fct_rescore_deltas d on d.rep_id = p.rep_id and d.cycle = p.cycle "
        "and d.criterion_id = p.criterion_id"
        if has_followup
        else ""
    )
    followup_columns = (
        "d.cycle_score, d.followup_score, d.n_followup_calls, d.delta, d.status"
        if has_followup
        else "null as cycle_score, null as followup_score, null as n_followup_calls, "
        "null as delta, null as status"
    )
    rows = _dicts(
        con,
        "select p.rep_id, p.rank, p.criterion_id, p.criterion_name, p.rep_score, p.team_score, "
        f"{followup_columns} from marts.fct_coaching_priorities p {followup_join} "
        "where p.cycle = $last order by p.rep_id, p.rank",
        cycle,
        last=last,
    )
    _attach(by_rep, rows, "previous_priorities")
    return last


def load_cycle(con: duckdb.DuckDBPyConnection, cycle: str, min_scored_calls: int) -> CycleReport:
    """Everything the cycle's pages show, from the marts (follow-up marts when present)."""
    reps = [
        RepReport(**row)
        for row in _dicts(
            con,
            "select rep_id, rep_name, manager_id, manager_name, n_calls, n_scored_calls, "
            "sample_status, weighted_score, weighted_score_100, team_weighted_score, "
            "close_rate, team_close_rate, n_closed_opportunities as n_closed, "
            "n_won_opportunities as n_won, rep_status, sample_reason "
            "from marts.fct_rep_scorecards "
            "where cycle = $cycle order by manager_id, rep_id",
            cycle,
        )
    ]
    by_rep = {rep.rep_id: rep for rep in reps}
    _attach(
        by_rep,
        _dicts(
            con,
            "select rep_id, criterion_id, criterion_name, weight, rep_score, team_benchmark, "
            "weighted_gap from marts.fct_rep_criterion_scores where cycle = $cycle "
            "order by rep_id, criterion_position, criterion_id",
            cycle,
        ),
        "criteria",
    )
    _attach(
        by_rep,
        _dicts(
            con,
            "select rep_id, rank, criterion_id, criterion_name, rep_score, team_score, weight, "
            "weighted_gap, calibration_status, calibration_reason, is_provisional, "
            "sample_reason from marts.fct_coaching_priorities where cycle = $cycle "
            "order by rep_id, rank",
            cycle,
        ),
        "priorities",
    )
    _attach(
        by_rep,
        _dicts(
            con,
            "select rep_id, evidence_rank, call_id, criterion_id, call_date, score, "
            "moment_mm_ss, excerpt, evidence_status from marts.fct_coaching_evidence "
            "where cycle = $cycle order by rep_id, evidence_rank",
            cycle,
        ),
        "evidence",
    )
    _attach(
        by_rep,
        _dicts(
            con,
            "select rep_id, rank, criterion_id, criterion_name, call_id, call_date, score, "
            "moment_mm_ss, prospect_words, rep_words, target_level, target_behaviour "
            "from marts.fct_practice_scenarios where cycle = $cycle order by rep_id, rank",
            cycle,
        ),
        "scenarios",
    )
    followup_available = table_exists(con, "marts.fct_rescore_deltas") and bool(
        con.execute(
            "select count(*) from marts.fct_rescore_deltas where cycle = $cycle",
            {"cycle": cycle},
        ).fetchone()[0]
    )
    if followup_available:
        for row in _dicts(
            con,
            "select rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, "
            "delta, status, followup_start, change_coaching_approach, is_provisional "
            "from marts.fct_rescore_deltas where cycle = $cycle",
            cycle,
        ):
            if row["rep_id"] in by_rep:
                by_rep[row["rep_id"]].followup = row
    managers = (
        _dicts(
            con,
            # the confirmed band leads (without the reps whose priority is provisional);
            # the one with them (*_all) is kept beside it
            "select manager_id, n_coached_confirmed as n_coached, "
            "n_improved_confirmed as n_improved, n_insufficient_followup, "
            "improved_share_confirmed as improved_share, status_confirmed as status, "
            "n_provisional, n_coached as n_coached_all, n_improved as n_improved_all, "
            "improved_share as improved_share_all, status as status_all "
            "from marts.fct_manager_effectiveness "
            "where cycle = $cycle order by manager_id = 'team', manager_id",
            cycle,
        )
        if table_exists(con, "marts.fct_manager_effectiveness")
        else []
    )
    effects = (
        {
            row["manager_id"]: row
            for row in _dicts(
                con,
                # the confirmed effect leads (without the reps whose priority is
                # provisional); the one with them is kept beside it
                "select manager_id, effect_confirmed as effect, ci_low_confirmed as ci_low, "
                "ci_high_confirmed as ci_high, p_value_confirmed as p_value, "
                "note_confirmed as effect_note, n_provisional as effect_n_provisional, "
                "struct_pack(effect := effect, ci_low := ci_low, ci_high := ci_high, "
                "p_value := p_value, effect_note := note) as with_provisional "
                "from marts.fct_coaching_effect where cycle = $cycle",
                cycle,
            )
        }
        if table_exists(con, "marts.fct_coaching_effect")
        else {}
    )
    empty = {"effect": None, "ci_low": None, "ci_high": None, "p_value": None}
    empty |= {"effect_note": None, "effect_n_provisional": 0, "with_provisional": None}
    for manager in managers:  # the band and, beside it, the effect net of regression
        manager.update(effects.get(manager["manager_id"], empty))
    team_gaps = _dicts(
        con,
        "select team, criterion_id, criterion_name, weight, ranked_by, top_mean, bottom_mean, "
        "gap, rank from marts.fct_top_bottom_gaps where cycle = $cycle and is_team_priority "
        "order by team, rank",
        cycle,
    )
    correlations = _dicts(
        con,
        "select w.criterion_id, coalesce(g.criterion_name, w.criterion_id) as criterion_name, "
        "w.r, w.p_value, w.ci_low, w.ci_high, w.n, w.significant_positive, w.not_predictive "
        "from marts.fct_criterion_win_correlation w left join (select distinct cycle, "
        "criterion_id, criterion_name from marts.fct_top_bottom_gaps) g "
        "on g.criterion_id = w.criterion_id and g.cycle = w.cycle "
        "where w.cycle = $cycle order by w.criterion_id",
        cycle,
    )
    cycles = _trends(con, cycle, by_rep)
    last = _previous_priorities(con, cycle, by_rep)
    return CycleReport(
        cycle,
        reps,
        team_gaps,
        correlations,
        managers,
        followup_available,
        min_scored_calls,
        scale=_scale(con, cycle),
        cycles=cycles,
        previous_cycle=last,
    )
