"""What managers read: a static HTML scorecard per rep, an index per manager and per cycle.

The ``reports/rep_scorecards`` asset reads a cycle's marts from the warehouse once they are
checked and published, and writes, under ``ASSESSMENT_REPORTS_DIR`` (default
``data/reports``)::

    <cycle>/index.html                      managers, team gaps, both cycle charts, each
                                            manager's band beside the coaching effect
    <cycle>/manager_effectiveness.svg       improved share per manager (after the follow-up)
    <cycle>/criterion_vs_win.svg            point-biserial r with its 95% CI per criterion
    <cycle>/<manager_id>/index.html         the manager's reps
    <cycle>/<manager_id>/<rep_id>.html      one rep's scorecard

Every page is self-contained: charts are inline SVG drawn by matplotlib (text kept as
text, no fonts, scripts or style sheets fetched when the page is viewed). Names and
excerpts are data, so the templates escape everything they print. The cycle's folder is
written beside the old one and swapped in, so a reader never sees half a cycle.
"""

import hashlib
import io
import json
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from jinja2 import DictLoader, Environment
from markupsafe import Markup
from matplotlib import rc_context
from matplotlib.figure import Figure

from assets.mart_metadata import markdown_table
from orchestration.partitions import quarterly_partitions
from orchestration.settings import AssessmentSettings
from salesassess.calendar import cycle_window
from salesassess.coaching_statistics import effect_text
from salesassess.warehouse import connect

REPORTS_KEY = dg.AssetKey(["reports", "rep_scorecards"])
REPORT_MARTS = (
    "fct_rep_scorecards",
    "fct_rep_criterion_scores",
    "fct_coaching_priorities",
    "fct_coaching_evidence",
    "fct_top_bottom_gaps",
    "fct_criterion_win_correlation",
    "fct_rescore_deltas",
    "fct_manager_effectiveness",
    "fct_coaching_effect",
)
REP_COLOUR, TEAM_COLOUR, LOW_COLOUR = "#1f5f8b", "#b8c4ce", "#c0392b"
MANAGER_CHART = "manager_effectiveness.svg"
VALIDITY_CHART = "criterion_vs_win.svg"


def safe_name(value: str) -> str:
    """A file name for an id: the id itself when it is harmless, else a slug with a hash
    (ids are user data: ``../x`` must not leave the reports folder)."""
    if re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,80}", value):
        return value
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", value)[:40].strip("_") or "id"
    return f"{slug}-{hashlib.sha1(value.encode()).hexdigest()[:8]}"


# ---------------------------------------------------------------------------------------
# reading the marts


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
    criteria: list[dict] = field(default_factory=list)
    priorities: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    followup: dict | None = None

    @property
    def file_name(self) -> str:
        return f"{safe_name(self.rep_id)}.html"


@dataclass
class CycleReport:
    cycle: str
    reps: list[RepReport]
    team_gaps: list[dict]
    correlations: list[dict]
    managers: list[dict]
    followup_available: bool
    min_scored_calls: int

    def managers_by_id(self) -> dict[str, list[RepReport]]:
        grouped: dict[str, list[RepReport]] = {}
        for rep in self.reps:
            grouped.setdefault(rep.manager_id, []).append(rep)
        return dict(sorted(grouped.items()))


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = $t",
            {"t": table},
        ).fetchone()[0]
    )


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, cycle: str) -> list[dict]:
    cursor = con.execute(sql, {"cycle": cycle})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_cycle(con: duckdb.DuckDBPyConnection, cycle: str, min_scored_calls: int) -> CycleReport:
    """Everything the cycle's pages show, from the marts (follow-up marts when present)."""
    reps = [
        RepReport(**row)
        for row in _dicts(
            con,
            "select rep_id, rep_name, manager_id, manager_name, n_calls, n_scored_calls, "
            "sample_status, weighted_score, weighted_score_100, team_weighted_score, "
            "close_rate, team_close_rate, n_closed_opportunities as n_closed, "
            "n_won_opportunities as n_won from marts.fct_rep_scorecards "
            "where cycle = $cycle order by manager_id, rep_id",
            cycle,
        )
    ]
    by_rep = {rep.rep_id: rep for rep in reps}
    for row in _dicts(
        con,
        "select rep_id, criterion_id, criterion_name, weight, rep_score, team_benchmark, "
        "weighted_gap from marts.fct_rep_criterion_scores where cycle = $cycle "
        "order by rep_id, criterion_position, criterion_id",
        cycle,
    ):
        if row["rep_id"] in by_rep:
            by_rep[row["rep_id"]].criteria.append(row)
    for row in _dicts(
        con,
        "select rep_id, rank, criterion_id, criterion_name, rep_score, team_score, weight, "
        "weighted_gap, calibration_status, calibration_reason "
        "from marts.fct_coaching_priorities where cycle = $cycle order by rep_id, rank",
        cycle,
    ):
        if row["rep_id"] in by_rep:
            by_rep[row["rep_id"]].priorities.append(row)
    for row in _dicts(
        con,
        "select rep_id, evidence_rank, call_id, criterion_id, call_date, score, moment_mm_ss, "
        "excerpt, evidence_status from marts.fct_coaching_evidence where cycle = $cycle "
        "order by rep_id, evidence_rank",
        cycle,
    ):
        if row["rep_id"] in by_rep:
            by_rep[row["rep_id"]].evidence.append(row)
    followup_available = _has_table(con, "fct_rescore_deltas") and bool(
        con.execute(
            "select count(*) from marts.fct_rescore_deltas where cycle = $cycle",
            {"cycle": cycle},
        ).fetchone()[0]
    )
    if followup_available:
        for row in _dicts(
            con,
            "select rep_id, criterion_id, cycle_score, followup_score, n_followup_calls, "
            "delta, status, followup_start, change_coaching_approach "
            "from marts.fct_rescore_deltas where cycle = $cycle",
            cycle,
        ):
            if row["rep_id"] in by_rep:
                by_rep[row["rep_id"]].followup = row
    managers = (
        _dicts(
            con,
            "select manager_id, n_coached, n_improved, n_insufficient_followup, "
            "improved_share, status from marts.fct_manager_effectiveness "
            "where cycle = $cycle order by manager_id = 'team', manager_id",
            cycle,
        )
        if _has_table(con, "fct_manager_effectiveness")
        else []
    )
    effects = (
        {
            row["manager_id"]: row
            for row in _dicts(
                con,
                "select manager_id, effect, ci_low, ci_high, p_value, note as effect_note "
                "from marts.fct_coaching_effect where cycle = $cycle",
                cycle,
            )
        }
        if _has_table(con, "fct_coaching_effect")
        else {}
    )
    empty = {"effect": None, "ci_low": None, "ci_high": None, "p_value": None}
    for manager in managers:  # the band and, beside it, the effect net of regression
        manager.update(effects.get(manager["manager_id"], {**empty, "effect_note": None}))
    team_gaps = _dicts(
        con,
        "select criterion_id, criterion_name, weight, ranked_by, top_mean, bottom_mean, gap, "
        "rank from marts.fct_top_bottom_gaps where cycle = $cycle and is_team_priority "
        "order by rank",
        cycle,
    )
    correlations = _dicts(
        con,
        "select w.criterion_id, coalesce(g.criterion_name, w.criterion_id) as criterion_name, "
        "w.r, w.p_value, w.ci_low, w.ci_high, w.n, w.significant_positive, w.not_predictive "
        "from marts.fct_criterion_win_correlation w left join marts.fct_top_bottom_gaps g "
        "on g.criterion_id = w.criterion_id and g.cycle = w.cycle "
        "where w.cycle = $cycle order by w.criterion_id",
        cycle,
    )
    return CycleReport(
        cycle, reps, team_gaps, correlations, managers, followup_available, min_scored_calls
    )


# ---------------------------------------------------------------------------------------
# charts: matplotlib to inline SVG

_RC = {
    "svg.fonttype": "none",  # text stays text: searchable, no embedded glyphs
    "svg.hashsalt": "assessment-reports",  # stable element ids: reproducible files
    "text.parse_math": False,  # a '$' in a criterion name is a dollar sign
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(figure: Figure) -> Markup:
    buffer = io.StringIO()
    # no RDF block (creator, date): the file depends on its data only
    empty = {"Creator": None, "Date": None, "Format": None, "Type": None}
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=empty)
    text = buffer.getvalue()
    # inline: drop the XML prolog and doctype, keep the <svg> element
    return Markup(text[text.index("<svg") :])


def criterion_chart(rep: RepReport) -> Markup | None:
    """The rep's score on each criterion against the team benchmark."""
    rows = [c for c in rep.criteria if c["rep_score"] is not None]
    if not rows:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 0.55 * len(rows) + 0.9))
        axes = figure.add_subplot()
        labels = [f"{c['criterion_name'] or c['criterion_id']} ({c['weight']}%)" for c in rows]
        positions = range(len(rows))
        axes.barh(
            [p + 0.2 for p in positions],
            [c["team_benchmark"] for c in rows],
            height=0.38,
            color=TEAM_COLOUR,
            label="team benchmark",
        )
        axes.barh(
            [p - 0.2 for p in positions],
            [c["rep_score"] for c in rows],
            height=0.38,
            color=REP_COLOUR,
            label=rep.rep_name,
        )
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlabel("mean criterion score")
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        return _svg(figure)


def manager_chart(managers: list[dict]) -> Markup | None:
    """Share of each manager's coached reps who improved, against the 30% / 70% bands."""
    rows = [m for m in managers if m["improved_share"] is not None]
    if not rows:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 0.5 * len(rows) + 1.0))
        axes = figure.add_subplot()
        colours = {"working": "#2e8b57", "mixed": "#d4a017", "needs_adjustment": LOW_COLOUR}
        labels = [f"{m['manager_id']} ({m['n_improved']}/{m['n_coached']})" for m in rows]
        axes.barh(
            labels,
            [100 * m["improved_share"] for m in rows],
            color=[colours.get(m["status"], TEAM_COLOUR) for m in rows],
        )
        for threshold in (30, 70):
            axes.axvline(threshold, color="#555555", linestyle="--", linewidth=0.8)
        axes.set_xlim(0, 100)
        axes.invert_yaxis()
        axes.set_xlabel("coached reps improved (%); <= 30 needs adjustment, >= 70 working")
        return _svg(figure)


def validity_chart(correlations: list[dict]) -> Markup | None:
    """Point-biserial r of each criterion with won deals, with its 95% CI."""
    rows = [c for c in correlations if c["r"] is not None]
    if not rows:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 0.5 * len(rows) + 1.0))
        axes = figure.add_subplot()
        labels = [f"{c['criterion_name']} (n={c['n']})" for c in rows]
        lows = [c["r"] - c["ci_low"] if c["ci_low"] is not None else 0 for c in rows]
        highs = [c["ci_high"] - c["r"] if c["ci_high"] is not None else 0 for c in rows]
        axes.barh(
            labels,
            [c["r"] for c in rows],
            xerr=[lows, highs],
            color=[REP_COLOUR if c["significant_positive"] else TEAM_COLOUR for c in rows],
            ecolor="#333333",
            capsize=3,
        )
        axes.axvline(0, color="#333333", linewidth=0.8)
        axes.invert_yaxis()
        axes.set_xlabel("r with won deals (95% CI); dark = significant positive")
        return _svg(figure)


# ---------------------------------------------------------------------------------------
# pages

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1d2730}
h1{margin-bottom:.2rem}.sub{color:#5a6670;margin-top:0}
table{border-collapse:collapse;margin:.5rem 0 1.2rem}td,th{padding:.25rem .6rem;
border-bottom:1px solid #dde3e8;text-align:left}td.n,th.n{text-align:right}
.figures{display:flex;gap:2rem;flex-wrap:wrap}.figure b{display:block;font-size:1.6rem}
.warn{color:#a0441c}.excerpt{font-style:italic}svg{max-width:100%;height:auto}
"""

_BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %}</title><style>{{ style }}</style></head>
<body>{% block body %}{% endblock %}
<footer class="sub"><p>Generated {{ generated_at }} from the warehouse marts of cycle
{{ report.cycle }}.</p></footer></body></html>
"""

_REP = """{% extends "base.html" %}
{% block title %}{{ rep.rep_name }}: scorecard {{ report.cycle }}{% endblock %}
{% block body %}
<p><a href="index.html">&larr; {{ rep.manager_name or rep.manager_id }}'s team</a></p>
<h1 id="rep-name">{{ rep.rep_name }}</h1>
<p class="sub">{{ rep.rep_id }} &middot; manager {{ rep.manager_name or rep.manager_id }}
&middot; cycle {{ report.cycle }} &middot; {{ rep.n_scored_calls }} scored calls of
{{ rep.n_calls }}
{% if rep.sample_status != 'ok' %}&middot; <span class="warn">{{ rep.sample_status }}
(fewer than {{ report.min_scored_calls }} scored calls: no coaching priority)</span>
{% endif %}</p>

<div class="figures">
<div class="figure" id="weighted-score">Weighted score
<b>{{ num(rep.weighted_score, '.2f') }}</b>team {{ num(rep.team_weighted_score, '.2f') }}
{% if rep.weighted_score_100 is not none %}&middot; {{ num(rep.weighted_score_100, '.1f') }}
/ 100{% endif %}</div>
<div class="figure" id="close-rate">Close rate
<b>{{ pct(rep.close_rate) }}</b>team {{ pct(rep.team_close_rate) }} &middot;
{{ rep.n_won }} won of {{ rep.n_closed }} closed</div>
</div>

<h2>Criteria against the team benchmark</h2>
{% if chart %}<figure id="criterion-chart">{{ chart }}</figure>{% endif %}
<table id="criteria"><tr><th>criterion</th><th class="n">weight</th><th class="n">rep</th>
<th class="n">team</th><th class="n">weighted gap</th></tr>
{% for c in rep.criteria %}<tr><td>{{ c.criterion_name or c.criterion_id }}</td>
<td class="n">{{ c.weight }}%</td><td class="n">{{ num(c.rep_score, '.2f') }}</td>
<td class="n">{{ num(c.team_benchmark, '.2f') }}</td>
<td class="n">{{ num(c.weighted_gap, '.1f') }}</td></tr>
{% endfor %}</table>

<h2>Coaching priorities</h2>
{% if rep.priorities %}<ol id="priorities">
{% for p in rep.priorities %}<li><strong>{{ p.criterion_name or p.criterion_id }}</strong>:
rep {{ num(p.rep_score, '.2f') }} vs team {{ num(p.team_score, '.2f') }}, weight
{{ p.weight }}%, weighted gap {{ num(p.weighted_gap, '.1f') }}</li>
{% endfor %}</ol>
{% if rep.priorities[0].calibration_status != 'calibrated' %}<p class="warn">
{{ rep.priorities[0].calibration_status }}: {{ rep.priorities[0].calibration_reason }}.
Discuss these priorities, but do not base coaching decisions on them until the rubric is
calibrated.</p>{% endif %}
{% else %}<p id="priorities">No coaching priority this cycle
({{ 'insufficient sample' if rep.sample_status != 'ok' else 'no criterion below the team' }}).
</p>{% endif %}

<h2>Evidence moments</h2>
{% if rep.evidence %}<p>The calls that most clearly illustrate the first priority,
{{ rep.priorities[0].criterion_name or rep.priorities[0].criterion_id
if rep.priorities else rep.evidence[0].criterion_id }}.</p>
<table id="evidence"><tr><th>call date</th><th>moment</th>
<th class="n">score</th><th>excerpt (personal data redacted)</th></tr>
{% for e in rep.evidence %}<tr><td>{{ e.call_date }}</td>
<td>{{ e.moment_mm_ss or '--:--' }}</td><td class="n">{{ num(e.score, '.1f') }}</td>
<td class="excerpt">{{ e.excerpt if e.excerpt else '(' ~ e.evidence_status ~ ')' }}</td></tr>
{% endfor %}</table>
{% else %}<p id="evidence">No evidence moments (no primary priority).</p>{% endif %}

<h2>Follow-up after 30 days</h2>
{% if rep.followup %}<p id="followup">{{ rep.followup.criterion_id }}: cycle score
{{ num(rep.followup.cycle_score, '.2f') }}, follow-up score
{{ num(rep.followup.followup_score, '.2f') }} over {{ rep.followup.n_followup_calls }} calls
from {{ rep.followup.followup_start }}, delta {{ num(rep.followup.delta, '+.2f') }}:
<strong>{{ rep.followup.status }}</strong>
{% if rep.followup.change_coaching_approach %}<span class="warn">
&middot; change_coaching_approach: no improvement on this criterion two cycles running;
move from feedback to structured practice</span>{% endif %}</p>
{% elif report.followup_available %}<p id="followup">Not coached this cycle.</p>
{% else %}<p id="followup">Not available yet: the follow-up runs once the 30-day window
after the assessment has closed.</p>{% endif %}
{% endblock %}
"""

_MANAGER = """{% extends "base.html" %}
{% block title %}{{ manager_id }}: team scorecards {{ report.cycle }}{% endblock %}
{% block body %}
<p><a href="../index.html">&larr; cycle {{ report.cycle }}</a></p>
<h1>{{ reps[0].manager_name or manager_id }}'s team</h1>
<p class="sub">manager {{ manager_id }} &middot; cycle {{ report.cycle }}
{% if effectiveness %}&middot; coaching effectiveness
<strong>{{ effectiveness.status }}</strong> ({{ effectiveness.n_improved }} of
{{ effectiveness.n_coached }} coached reps improved); coaching effect net of regression to
the mean: {{ effect(effectiveness) }}{% endif %}</p>
<table id="reps"><tr><th>rep</th><th class="n">weighted score</th><th class="n">close rate</th>
<th>first priority</th><th>follow-up</th></tr>
{% for rep in reps %}<tr><td><a href="{{ rep.file_name }}">{{ rep.rep_name }}</a></td>
<td class="n">{{ num(rep.weighted_score, '.2f') }}</td><td class="n">{{ pct(rep.close_rate) }}</td>
<td>{{ (rep.priorities[0].criterion_name or rep.priorities[0].criterion_id)
if rep.priorities else rep.sample_status }}</td>
<td>{{ rep.followup.status if rep.followup else '-' }}</td></tr>
{% endfor %}</table>
{% endblock %}
"""

_CYCLE = """{% extends "base.html" %}
{% block title %}Rep scorecards {{ report.cycle }}{% endblock %}
{% block body %}
<h1>Rep scorecards, cycle {{ report.cycle }}</h1>
<p class="sub">{{ report.reps | length }} reps, {{ managers | length }} managers</p>
<h2>Managers</h2>
<table id="managers"><tr><th>manager</th><th class="n">reps</th><th>coaching effectiveness</th>
</tr>{% for m in managers %}<tr><td><a href="{{ m.dir }}/index.html">{{ m.name }}</a></td>
<td class="n">{{ m.n_reps }}</td><td>{{ m.status or '-' }}</td></tr>{% endfor %}</table>
<h2>Team: the two widest gaps between top and bottom performers</h2>
<ol id="team-gaps">{% for g in report.team_gaps %}<li>{{ g.criterion_name or g.criterion_id }}:
top {{ num(g.top_mean, '.2f') }} vs bottom {{ num(g.bottom_mean, '.2f') }} (gap
{{ num(g.gap, '.2f') }}; reps ranked by {{ g.ranked_by }})</li>{% endfor %}</ol>
<h2>Manager effectiveness</h2>
{% if manager_svg %}<figure id="manager-chart">{{ manager_svg }}</figure>
{% else %}<p id="manager-chart">Not available yet: the follow-up has not run.</p>{% endif %}
{% if report.managers %}<table id="coaching-effect"><tr><th>manager</th>
<th class="n">improved</th><th>band</th><th>coaching effect, 95% interval</th></tr>
{% for m in report.managers %}<tr><td>{{ m.manager_id }}</td>
<td class="n">{{ m.n_improved }} of {{ m.n_coached }}</td><td>{{ m.status }}</td>
<td>{{ effect(m) }}</td></tr>{% endfor %}</table>
<p class="sub">Improved: the rep's score on the coached criterion rose by 0.5 or more. Reps
are coached where a sample of calls scored them lowest, and a low sample is partly bad luck
that the next sample does not repeat: the score rises without any coaching (regression to
the mean). The coaching effect is how much more the coached criterion rose than criteria
not coached that started from the same score; when its interval includes 0, the rise
cannot be told apart from chance.</p>{% endif %}
<h2>Criteria against won deals</h2>
{% if validity_svg %}<figure id="validity-chart">{{ validity_svg }}</figure>
{% else %}<p id="validity-chart">Not enough scored calls linked to closed deals.</p>{% endif %}
<table><tr><th>criterion</th><th class="n">r</th><th class="n">p</th><th class="n">n</th>
<th></th></tr>{% for c in report.correlations %}<tr><td>{{ c.criterion_name }}</td>
<td class="n">{{ num(c.r, '+.3f') }}</td><td class="n">{{ num(c.p_value, '.3g') }}</td>
<td class="n">{{ c.n }}</td><td>{{ 'not predictive' if c.not_predictive else '' }}</td></tr>
{% endfor %}</table>
{% endblock %}
"""


def _num(value, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def _environment() -> Environment:
    environment = Environment(
        loader=DictLoader(
            {"base.html": _BASE, "rep.html": _REP, "manager.html": _MANAGER, "cycle.html": _CYCLE}
        ),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(num=_num, pct=_pct, effect=effect_text, style=Markup(_STYLE))
    return environment


@dataclass(frozen=True)
class RenderResult:
    folder: Path
    rep_pages: int
    manager_pages: int
    followup_included: bool
    seconds: float


def render_cycle(report: CycleReport, reports_dir: Path) -> RenderResult:
    """Write the cycle's pages and charts into ``reports_dir/<cycle>``, replacing it whole."""
    started = time.perf_counter()
    environment = _environment()
    generated_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    common = {"report": report, "generated_at": generated_at}
    target = reports_dir / safe_name(report.cycle)
    staging = reports_dir / f".{target.name}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    effectiveness = {m["manager_id"]: m for m in report.managers}
    managers = []
    rep_pages = 0
    for manager_id, reps in report.managers_by_id().items():
        folder = staging / safe_name(manager_id)
        folder.mkdir()
        for rep in reps:
            page = environment.get_template("rep.html").render(
                rep=rep, chart=criterion_chart(rep), **common
            )
            (folder / rep.file_name).write_text(page, encoding="utf-8")
            rep_pages += 1
        page = environment.get_template("manager.html").render(
            manager_id=manager_id, reps=reps, effectiveness=effectiveness.get(manager_id), **common
        )
        (folder / "index.html").write_text(page, encoding="utf-8")
        managers.append(
            {
                "dir": folder.name,
                "name": reps[0].manager_name or manager_id,
                "n_reps": len(reps),
                "status": (effectiveness.get(manager_id) or {}).get("status"),
            }
        )
    manager_svg = manager_chart(report.managers)
    validity_svg = validity_chart(report.correlations)
    for name, svg in ((MANAGER_CHART, manager_svg), (VALIDITY_CHART, validity_svg)):
        if svg is not None:
            (staging / name).write_text(str(svg), encoding="utf-8")
    page = environment.get_template("cycle.html").render(
        managers=managers, manager_svg=manager_svg, validity_svg=validity_svg, **common
    )
    (staging / "index.html").write_text(page, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    return RenderResult(
        target, rep_pages, len(managers), report.followup_available, time.perf_counter() - started
    )


def write_cycle_reports(
    warehouse: Path, reports_dir: Path, cycle: str, min_scored_calls: int
) -> tuple[CycleReport, RenderResult]:
    with connect(warehouse, read_only=True) as con:
        report = load_cycle(con, cycle, min_scored_calls)
    return report, render_cycle(report, reports_dir)


@dg.multi_asset(
    name="rep_scorecard_reports",
    specs=[
        dg.AssetSpec(
            key=REPORTS_KEY,
            group_name="publish",
            deps=[
                dg.AssetKey(["published", "assessment_marts"]),
                dg.AssetKey(["published", "followup_marts"]),
            ],
            description="Static HTML scorecards of the cycle: one page per rep (criteria vs "
            "team as a chart, two priorities, three evidence moments, close rate, follow-up "
            "once available), an index per manager and per cycle, the manager-effectiveness "
            "and criterion-vs-win charts. Written under ASSESSMENT_REPORTS_DIR.",
            kinds={"html", "python"},
        )
    ],
    partitions_def=quarterly_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(1),
)
def rep_scorecard_reports(context: dg.AssetExecutionContext, settings: AssessmentSettings):
    cycle = cycle_window(context.partition_key).cycle
    report, result = write_cycle_reports(
        settings.warehouse_path(),
        settings.reports_path(),
        cycle,
        int(settings.method()["min_scored_calls"]),
    )
    preview = [
        (
            rep.manager_id,
            rep.rep_name,
            rep.weighted_score,
            ", ".join(p["criterion_id"] for p in rep.priorities) or rep.sample_status,
            rep.followup["status"] if rep.followup else "-",
        )
        for rep in report.reps[:10]
    ]
    yield dg.MaterializeResult(
        asset_key=REPORTS_KEY,
        metadata={
            "index": dg.MetadataValue.path(str(result.folder / "index.html")),
            "rep_pages": dg.MetadataValue.int(result.rep_pages),
            "manager_pages": dg.MetadataValue.int(result.manager_pages),
            "followup_included": dg.MetadataValue.bool(result.followup_included),
            "render_seconds": dg.MetadataValue.float(round(result.seconds, 3)),
            "team_gaps": dg.MetadataValue.json(
                json.loads(json.dumps(report.team_gaps, default=str))
            ),
            "preview": markdown_table(
                preview, ["manager", "rep", "weighted score", "priorities", "follow-up"]
            ),
        },
    )
