"""The reports' charts: matplotlib figures as inline SVG, text kept as text."""

from __future__ import annotations

import io
import math

from markupsafe import Markup
from matplotlib import rc_context
from matplotlib.figure import Figure

from salesassess.publishing.reporting.model import RepReport

REP_COLOUR, TEAM_COLOUR, LOW_COLOUR = "#1f5f8b", "#b8c4ce", "#c0392b"
TREND_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")

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


def _label(criterion: dict) -> str:
    return criterion["criterion_name"] or criterion["criterion_id"]


def criterion_chart(rep: RepReport, scale: tuple[float, float]) -> Markup | None:
    """The rep's score on each criterion against the team benchmark, on the rubric's whole
    scale."""
    rows = [c for c in rep.criteria if c["rep_score"] is not None]
    if not rows:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 0.55 * len(rows) + 0.9))
        axes = figure.add_subplot()
        labels = [f"{_label(c)} ({c['weight']}%)" for c in rows]
        positions = range(len(rows))
        axes.barh(
            [p + 0.2 for p in positions],
            # no benchmark when no rep of the team has a sufficient sample: no bar
            [math.nan if c["team_benchmark"] is None else c["team_benchmark"] for c in rows],
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
        axes.set_xlim(min(0, scale[0]), scale[1])
        axes.set_xticks(range(int(scale[0]), int(scale[1]) + 1))
        axes.invert_yaxis()
        axes.set_xlabel(f"mean criterion score (rubric scale {scale[0]:g}-{scale[1]:g})")
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
        return _svg(figure)


def trend_chart(rep: RepReport, scale: tuple[float, float]) -> Markup | None:
    """The rep's weighted score and each criterion over the last cycles."""
    if len(rep.trend) < 2:
        return None
    cycles = [point["cycle"] for point in rep.trend]
    names = {c["criterion_id"]: _label(c) for c in rep.criteria}
    criterion_ids = list(names) or sorted({k for p in rep.trend for k in p["criteria"]})
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 3.4))
        axes = figure.add_subplot()
        positions = range(len(cycles))
        axes.plot(
            positions,
            [p["weighted_score"] for p in rep.trend],
            color=REP_COLOUR,
            linewidth=2.6,
            marker="o",
            label="weighted score",
        )
        for index, criterion_id in enumerate(criterion_ids):
            axes.plot(
                positions,
                [p["criteria"].get(criterion_id) for p in rep.trend],
                color=TREND_COLOURS[index % len(TREND_COLOURS)],
                linewidth=1.2,
                marker=".",
                label=names.get(criterion_id, criterion_id),
            )
        axes.set_xticks(list(positions), cycles)
        axes.set_ylim(scale[0], scale[1])
        axes.set_ylabel(f"score (rubric scale {scale[0]:g}-{scale[1]:g})")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return _svg(figure)


def manager_chart(managers: list[dict]) -> Markup | None:
    """Share of each manager's coached reps who improved, against the 30% / 70% bands: the
    confirmed verdicts (``improved_share``); a manager whose every verdict is provisional
    gets the share of those (``improved_share_all``), hatched grey and labelled so."""
    rows = [m for m in managers if (m["improved_share"], m["improved_share_all"]) != (None, None)]
    if not rows:
        return None
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 0.5 * len(rows) + 1.0))
        axes = figure.add_subplot()
        colours = {"working": "#2e8b57", "mixed": "#d4a017", "needs_adjustment": LOW_COLOUR}
        confirmed = [m["improved_share"] is not None for m in rows]
        labels = [
            f"{m['manager_id']} ({m['n_improved']}/{m['n_coached']})"
            if sure
            else f"{m['manager_id']} (provisional {m['n_improved_all']}/{m['n_coached_all']})"
            for m, sure in zip(rows, confirmed, strict=True)
        ]
        bars = axes.barh(
            labels,
            [
                100 * (m["improved_share"] if sure else m["improved_share_all"])
                for m, sure in zip(rows, confirmed, strict=True)
            ],
            color=[
                colours.get(m["status"], TEAM_COLOUR) if sure else TEAM_COLOUR
                for m, sure in zip(rows, confirmed, strict=True)
            ],
        )
        for bar, sure in zip(bars, confirmed, strict=True):
            if not sure:
                bar.set_hatch("//")
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
