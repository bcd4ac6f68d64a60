"""The reports' charts as inline SVG, text kept as text.

Each chart is written directly as SVG elements (a few hundred microseconds; thousands of
scorecards a cycle carry two each). They keep the layout matplotlib gave them until issue
31 (axes 6.4 x 0.775 inches wide, 9 pt sans-serif text, 3.5 pt ticks, the same colours,
axes, ticks and labels), in points as matplotlib's SVG was. Each has a ``<title>`` and a
``<desc>`` with its numbers for screen readers. Text widths are estimated from DejaVu
Sans' advances (:func:`text_width`): a label in another font may end a few points off.
"""

from __future__ import annotations

import math
from functools import lru_cache

from markupsafe import Markup, escape

from salesassess.publishing.reporting.model import RepReport

REP_COLOUR, TEAM_COLOUR, LOW_COLOUR = "#1f5f8b", "#b8c4ce", "#c0392b"
TREND_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#a6761d")

# Geometry of the hand-written charts, in points (matplotlib's: a 6.4-inch figure whose
# axes take 77.5% of its width and 77% of its height, 3.5 pt ticks, a 0.1-inch margin)
FONT = "'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif"
FONT_SIZE = 9.0
AXES_WIDTH = 0.775 * 6.4 * 72
MARGIN = 7.2
TICK = 3.5
LINE = 0.8
# where matplotlib put the text: a tick label's baseline below the x axis, the axis label's,
# the figure's edge; a y tick label's baseline below its tick; the legend's band above
X_TICK_LABEL, X_LABEL, BELOW_AXES = 13.84, 26.84, 36.2
CENTRE_TO_BASELINE = 3.42
LEGEND_BAND = 27.9
# a text's width in ems, per character: DejaVu Sans' advances, rounded into classes; a
# character outside them counts 0.65 (1.0 for East Asian scripts)
_WIDTHS = {
    **dict.fromkeys(" fijlIJ!',.:;|`", 0.32),
    **dict.fromkeys("rt()[]-/\\", 0.4),
    **dict.fromkeys('acesovxyzkFLPTY"*_{}', 0.56),
    **dict.fromkeys("0123456789bdghnpquACEKOQRSVX$?#", 0.64),
    **dict.fromkeys("wBDGHNUZ&+<>=^~", 0.76),
    **dict.fromkeys("M%mW@", 0.9),
}


@lru_cache(maxsize=4096)  # criterion labels repeat on every scorecard
def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The width of ``text`` in points, estimated (no font is read)."""
    return size * sum(_WIDTHS.get(ch, 1.0 if ord(ch) >= 0x2E80 else 0.65) for ch in text)


def _n(value: float) -> str:
    """A coordinate or length: two decimals (a hundredth of a point)."""
    return f"{value:.2f}"


def _svg_open(width: float, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}pt" '
        f'height="{_n(height)}pt" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
        f'font-family="{escape(FONT)}" font-size="{_n(FONT_SIZE)}" fill="#000000">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
    ]


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _score(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _label(criterion: dict) -> str:
    return criterion["criterion_name"] or criterion["criterion_id"]


class _BarAxes:
    """The axes of a horizontal bar chart, in points: ``labels`` top down, one row each
    (rows at 0, 1, ... with 5% margins beyond the bars, which reach ``half`` a row each side
    of the first and last rows), 0.77 of a figure ``inches_per_row`` inch per row and
    ``inches_extra`` inch taller, from ``top``; x from ``low`` to ``high`` (values outside
    clamped to the axis)."""

    def __init__(
        self,
        labels,
        top: float,
        low: float,
        high: float,
        inches_per_row: float,
        inches_extra: float,
        half: float,
    ) -> None:
        rows = len(labels)
        self.labels, self.top, self.low, self.high = labels, top, low, high
        self.height = 0.77 * (inches_per_row * rows + inches_extra) * 72
        span = rows - (1 - 2 * half)
        self.first, self.last = -half - 0.05 * span, rows - 1 + half + 0.05 * span
        self.left = MARGIN + max(text_width(label) for label in labels) + 2 * TICK
        self.bottom = top + self.height

    def x(self, value: float) -> float:
        clamped = min(max(value, self.low), self.high)
        return self.left + (clamped - self.low) / (self.high - self.low) * AXES_WIDTH

    def y(self, row: float) -> float:
        return self.top + (row - self.first) / (self.last - self.first) * self.height

    def svg(self, marks: list[tuple[float, str]], xlabel: str) -> list[str]:
        """The left and bottom spines with their ticks, the x ticks' labels (``marks``:
        value, label), the x axis' label and the rows' labels."""
        parts = [f'<g stroke="#000000" stroke-width="{_n(LINE)}" fill="none">']
        left, bottom = self.left, self.bottom
        parts.append(f'<path d="M{_n(left)} {_n(self.top)}V{_n(bottom)}H{_n(left + AXES_WIDTH)}"/>')
        ticks = "".join(f"M{_n(self.x(value))} {_n(bottom)}v{_n(TICK)}" for value, _ in marks)
        ticks += "".join(
            f"M{_n(left)} {_n(self.y(i))}h{_n(-TICK)}" for i in range(len(self.labels))
        )
        parts.append(f'<path d="{ticks}"/></g>')
        for value, label in marks:
            parts.append(_text(self.x(value), bottom + X_TICK_LABEL, label, "middle"))
        parts.append(_text(left + AXES_WIDTH / 2, bottom + X_LABEL, xlabel, "middle"))
        for index, label in enumerate(self.labels):
            parts.append(_text(left - 2 * TICK, self.y(index) + CENTRE_TO_BASELINE, label, "end"))
        return parts


@lru_cache(maxsize=256)  # one frame for every rep of a cycle with the same criteria
def _criterion_frame(labels: tuple[str, ...], low: float, high: float):
    """What a criterion chart shares with every rep of the cycle: the bars' x at 0 and the
    scale per point, each row's bar tops and height, the left edge and bottom, the figure's
    height, and its axes, ticks and labels as SVG."""
    ticks = list(range(int(low), int(high) + 1))
    # 0.55 inch per criterion, 0.9 inch more; the rep's bar at -0.2 and the team's at +0.2
    # of a row, 0.38 tall
    axes = _BarAxes(labels, LEGEND_BAND, min(0, low), high, 0.55, 0.9, 0.39)
    x, y, left, bottom = axes.x, axes.y, axes.left, axes.bottom
    # each row's bar tops: the team's (+0.2) and the rep's (-0.2), 0.38 of a row tall
    tops = tuple((_n(y(i + 0.01)), _n(y(i - 0.39))) for i in range(len(labels)))
    bar = _n(y(0.39) - y(0.01))
    parts = axes.svg(
        [(t, str(t)) for t in ticks], f"mean criterion score (rubric scale {low:g}-{high:g})"
    )
    right = left + AXES_WIDTH + (text_width(str(ticks[-1])) / 2 if ticks else 0) + MARGIN
    return x, tops, bar, left, right, bottom + BELOW_AXES, "\n".join(parts)


def criterion_chart(rep: RepReport, scale: tuple[float, float]) -> Markup | None:
    """The rep's score on each criterion against the team benchmark, on the rubric's whole
    scale: a pair of horizontal bars per criterion (the rep's dark above the team's grey),
    the legend above."""
    rows = [c for c in rep.criteria if c["rep_score"] is not None]
    if not rows:
        return None
    labels = tuple(f"{_label(c)} ({c['weight']}%)" for c in rows)
    low, high = scale
    x, tops, bar, left, right, total, frame = _criterion_frame(labels, low, high)
    legend = [(TEAM_COLOUR, "team benchmark"), (REP_COLOUR, rep.rep_name)]
    legend_width = sum(2.0 * FONT_SIZE + 0.8 * FONT_SIZE + text_width(t) for _, t in legend)
    legend_width += 2.0 * FONT_SIZE
    legend_x = max(MARGIN, left + AXES_WIDTH / 2 - legend_width / 2)
    width = max(right, legend_x + legend_width + MARGIN)
    desc = "; ".join(
        f"{label}: rep {_score(c['rep_score'])}, team {_score(c['team_benchmark'])}"
        for label, c in zip(labels, rows, strict=True)
    )
    parts = _svg_open(
        width,
        total,
        f"{rep.rep_name}: mean score on each criterion against the team benchmark "
        f"(rubric scale {low:g}-{high:g})",
        desc,
    )
    zero = x(0)
    for (team_top, rep_top), c in zip(tops, rows, strict=True):
        # no benchmark when no rep of the team has a sufficient sample: no bar
        for value, top, colour in (
            (c["team_benchmark"], team_top, TEAM_COLOUR),
            (c["rep_score"], rep_top, REP_COLOUR),
        ):
            if value is None:
                continue
            end = x(value)
            parts.append(
                f'<rect x="{_n(min(zero, end))}" y="{top}" width="{_n(abs(end - zero))}" '
                f'height="{bar}" fill="{colour}"/>'
            )
    parts.append(frame)
    position = legend_x  # swatches 2 em x 0.7 em, 0.8 em before the text, 2 em between
    for colour, label in legend:
        parts.append(
            f'<rect x="{_n(position)}" y="{_n(LEGEND_BAND - 16.4)}" width="{_n(2 * FONT_SIZE)}" '
            f'height="{_n(0.7 * FONT_SIZE)}" fill="{colour}"/>'
        )
        position += 2.8 * FONT_SIZE
        parts.append(_text(position, LEGEND_BAND - 10.26, label))
        position += text_width(label) + 2.0 * FONT_SIZE
    parts.append("</svg>")
    return Markup("\n".join(parts) + "\n")


def _ticks(low: float, high: float) -> list[tuple[float, str]]:
    """An axis' ticks as matplotlib's MaxNLocator chose them on these axes (9 bins): the
    smallest step of 1, 2, 2.5, 5 or 10 times a power of ten at least a ninth of the span
    (0.5 on a 1-5 scale, 20 on 0-100), each label with the step's decimals and a minus sign
    for negatives."""
    span = (high - low) or 1.0
    power = 10.0 ** math.floor(math.log10(span / 9))
    step = next(power * m for m in (1, 2, 2.5, 5, 10) if power * m >= span / 9 * (1 - 1e-9))
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if round(step * 10**decimals) != step * 10**decimals:  # 2.5, 0.25
        decimals += 1
    first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
    ticks = []
    for index in range(first, last + 1):
        value = round(index * step, 10) + 0.0
        ticks.append((value, f"{value:.{decimals}f}".replace("-", "\u2212")))
    return ticks


def _series_style(index: int) -> tuple[str, float, float]:
    """Colour, line width and marker radius of the trend's series ``index`` (0: the
    weighted score)."""
    if index == 0:
        return REP_COLOUR, 2.6, 3.0
    return TREND_COLOURS[(index - 1) % len(TREND_COLOURS)], 1.2, 1.5


@lru_cache(maxsize=256)  # one frame for every rep of a cycle with the same criteria
def _trend_frame(
    low: float, high: float, cycles: tuple[str, ...], names: tuple[str, ...]
) -> tuple[tuple[str, ...], float, float, float, float, str]:
    """What a trend chart shares with every rep of the cycle: each cycle's x, the y axis'
    bottom and height, the figure's size, and its axes, ticks, labels and legend as SVG."""
    ticks = _ticks(low, high)
    height = 0.77 * 3.4 * 72
    top = MARGIN + CENTRE_TO_BASELINE
    bottom = top + height
    left = MARGIN + 13 + max((text_width(t) for _, t in ticks), default=0) + 2 * TICK
    right = left + AXES_WIDTH
    last = len(cycles) - 1
    first_x, last_x = -0.05 * last, 1.05 * last
    xs = [left + (p - first_x) / (last_x - first_x) * AXES_WIDTH for p in range(len(cycles))]

    def y(value: float) -> float:
        return bottom - (value - low) / (high - low) * height

    legend_x = right + 0.01 * AXES_WIDTH + 0.9 * FONT_SIZE
    text_x = legend_x + 2.8 * FONT_SIZE
    # the legend's rows: the first baseline 14.94 pt below the axes' top, 13.5 pt apart
    legend_bottom = top + 14.94 + 13.5 * (len(names) - 1) + 2.3 + 0.4 * FONT_SIZE
    width = max(
        text_x + max(text_width(name) for name in names) + 0.4 * FONT_SIZE + MARGIN,
        xs[-1] + text_width(cycles[-1]) / 2 + MARGIN,
    )
    total = max(bottom + X_TICK_LABEL + 2.3 + MARGIN, legend_bottom + MARGIN)
    parts = [f'<g stroke="#000000" stroke-width="{_n(LINE)}" fill="none">']
    parts.append(f'<path d="M{_n(left)} {_n(top)}V{_n(bottom)}H{_n(right)}"/>')
    marks = "".join(f"M{_n(x)} {_n(bottom)}v{_n(TICK)}" for x in xs)
    marks += "".join(f"M{_n(left)} {_n(y(v))}h{_n(-TICK)}" for v, _ in ticks)
    parts.append(f'<path d="{marks}"/></g>')
    for x, cycle in zip(xs, cycles, strict=True):
        parts.append(_text(x, bottom + X_TICK_LABEL, cycle, "middle"))
    for value, label in ticks:
        parts.append(_text(left - 2 * TICK, y(value) + CENTRE_TO_BASELINE, label, "end"))
    middle = top + height / 2
    parts.append(
        _text(
            MARGIN + 6.84,
            middle,
            f"score (rubric scale {low:g}-{high:g})",
            "middle",
            f' transform="rotate(-90 {_n(MARGIN + 6.84)} {_n(middle)})"',
        )
    )
    for index, name in enumerate(names):
        colour, line, radius = _series_style(index)
        baseline = top + 14.94 + 13.5 * index
        centre = baseline - 3.2
        parts.append(
            f'<g stroke="{colour}" fill="{colour}"><path d="M{_n(legend_x)} {_n(centre)}'
            f'h{_n(2 * FONT_SIZE)}" stroke-width="{_n(line)}"/><circle '
            f'cx="{_n(legend_x + FONT_SIZE)}" cy="{_n(centre)}" r="{_n(radius)}" '
            'stroke-width="1"/></g>'
        )
        parts.append(_text(text_x, baseline, name))
    return tuple(_n(x) for x in xs), bottom, height, width, total, "\n".join(parts)


def trend_chart(rep: RepReport, scale: tuple[float, float]) -> Markup | None:
    """The rep's weighted score and each criterion over the last cycles: one line each,
    the weighted score thick, a gap where a cycle has no score; the legend on the right."""
    if len(rep.trend) < 2:
        return None
    cycles = tuple(point["cycle"] for point in rep.trend)
    names = {c["criterion_id"]: _label(c) for c in rep.criteria}
    criterion_ids = list(names) or sorted({k for p in rep.trend for k in p["criteria"]})
    series = [("weighted score", [p["weighted_score"] for p in rep.trend])] + [
        (names.get(cid, cid), [p["criteria"].get(cid) for p in rep.trend]) for cid in criterion_ids
    ]
    low, high = scale
    xs, bottom, height, width, total, frame = _trend_frame(
        low, high, cycles, tuple(name for name, _ in series)
    )
    desc = "; ".join(
        f"{name}: " + ", ".join(f"{c} {_score(v)}" for c, v in zip(cycles, values, strict=True))
        for name, values in series
    )
    parts = _svg_open(
        width,
        total,
        f"{rep.rep_name}: weighted score and criterion scores over cycles "
        f"{cycles[0]} to {cycles[-1]} (rubric scale {low:g}-{high:g})",
        desc,
    )
    for index, (_, values) in enumerate(series):
        colour, line, radius = _series_style(index)
        parts.append(
            f'<g stroke="{colour}" fill="{colour}" stroke-linejoin="round" stroke-linecap="square">'
        )
        # each score's point, clipped to the scale as matplotlib's axes clipped it
        points = [
            None
            if v is None
            else (xs[i], _n(bottom - (min(max(v, low), high) - low) / (high - low) * height))
            for i, v in enumerate(values)
        ]
        # a line through each run of cycles with a score; a marker on every score
        run: list[str] = []
        for point in [*points, None]:
            if point is not None:
                run.append(f"{point[0]} {point[1]}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke-width="{_n(line)}"/>'
                )
            run = []
        radius_text = _n(radius)
        parts.extend(
            f'<circle cx="{cx}" cy="{cy}" r="{radius_text}" stroke-width="1"/>'
            for cx, cy in filter(None, points)
        )
        parts.append("</g>")
    parts.append(frame)
    parts.append("</svg>")
    return Markup("\n".join(parts) + "\n")


def _bar_chart(
    labels: list[str],
    bars: list[tuple[float, str]],
    limits: tuple[float, float],
    xlabel: str,
    title: str,
    desc: str,
    *,
    defs: str = "",
    errors: list[tuple[float, float]] = (),
    lines: list[tuple[float, str]] = (),
    marks: list[tuple[float, str]] = (),
) -> Markup:
    """Horizontal bars, one per label top down (0.8 of a row, from 0 to the value), on an
    axes 0.77 of a figure 0.5 inch per bar and 1 inch tall; ``errors``: an interval across
    each bar (from, to), capped; ``lines``: vertical lines across the axes (x, style
    attributes), drawn over the bars; ``marks``: the x axis' ticks (value, label)."""
    axes = _BarAxes(labels, MARGIN, *limits, 0.5, 1.0, 0.4)
    x, y, left, top, bottom = axes.x, axes.y, axes.left, axes.top, axes.bottom

    width = left + AXES_WIDTH + max(text_width(marks[-1][1]) / 2 if marks else 0, 2) + MARGIN
    parts = _svg_open(width, bottom + BELOW_AXES, title, desc)
    if defs:
        parts.append(f"<defs>{defs}</defs>")
    zero = x(0)
    for index, (value, fill) in enumerate(bars):
        end = x(value)
        parts.append(
            f'<rect x="{_n(min(zero, end))}" y="{_n(y(index - 0.4))}" '
            f'width="{_n(abs(end - zero))}" height="{_n(y(index + 0.4) - y(index - 0.4))}" '
            f'fill="{fill}"/>'
        )
    for index, (start, end) in enumerate(errors):
        centre = y(index)
        parts.append(
            f'<path d="M{_n(x(start))} {_n(centre)}H{_n(x(end))}'
            f'M{_n(x(start))} {_n(centre - 3)}v6M{_n(x(end))} {_n(centre - 3)}v6" '
            'stroke="#333333" stroke-width="1.5" fill="none"/>'
        )
    for value, style in lines:
        parts.append(f'<path d="M{_n(x(value))} {_n(top)}V{_n(bottom)}" {style}/>')
    parts += axes.svg(marks, xlabel)
    parts.append("</svg>")
    return Markup("\n".join(parts) + "\n")


# matplotlib's hatch "//" over the team colour: a provisional share
_HATCH_ID = "provisional-share"
_HATCH = (
    f'<pattern id="{_HATCH_ID}" patternUnits="userSpaceOnUse" width="9" height="9">'
    f'<rect width="9" height="9" fill="{TEAM_COLOUR}"/><path d="M-1 1l2-2M0 9l9-9M8 10l2-2" '
    'stroke="#000000" stroke-width="1"/></pattern>'
)


def manager_chart(managers: list[dict]) -> Markup | None:
    """Share of each manager's coached reps who improved, against the 30% / 70% bands: the
    confirmed verdicts (``improved_share``); a manager whose every verdict is provisional
    gets the share of those (``improved_share_all``), hatched grey and labelled so."""
    rows = [m for m in managers if (m["improved_share"], m["improved_share_all"]) != (None, None)]
    if not rows:
        return None
    colours = {"working": "#2e8b57", "mixed": "#d4a017", "needs_adjustment": LOW_COLOUR}
    labels, bars, lines = [], [], []
    for m in rows:
        if m["improved_share"] is not None:
            labels.append(f"{m['manager_id']} ({m['n_improved']}/{m['n_coached']})")
            bars.append((100 * m["improved_share"], colours.get(m["status"], TEAM_COLOUR)))
        else:
            labels.append(
                f"{m['manager_id']} (provisional {m['n_improved_all']}/{m['n_coached_all']})"
            )
            bars.append((100 * m["improved_share_all"], f"url(#{_HATCH_ID})"))
        lines.append(f"{labels[-1]}: {bars[-1][0]:.0f}% improved")
    dashed = 'stroke="#555555" stroke-width="0.8" stroke-dasharray="2.96 1.28" fill="none"'
    return _bar_chart(
        labels,
        bars,
        (0, 100),
        "coached reps improved (%); <= 30 needs adjustment, >= 70 working",
        "Share of each manager's coached reps who improved, against the 30% and 70% bands",
        "; ".join(lines),
        defs=_HATCH if any(fill.startswith("url(") for _, fill in bars) else "",
        lines=[(threshold, dashed) for threshold in (30, 70)],
        marks=_ticks(0, 100),
    )


def validity_chart(correlations: list[dict]) -> Markup | None:
    """Point-biserial r of each criterion with won deals, with its 95% CI."""
    rows = [c for c in correlations if c["r"] is not None]
    if not rows:
        return None
    labels = [f"{c['criterion_name']} (n={c['n']})" for c in rows]
    lows = [c["ci_low"] if c["ci_low"] is not None else c["r"] for c in rows]
    highs = [c["ci_high"] if c["ci_high"] is not None else c["r"] for c in rows]
    # matplotlib's limits: the bars (from 0) and the intervals with 5% margins, except
    # where the data stops at the bars' 0
    low, high = min(0, *lows, *(c["r"] for c in rows)), max(0, *highs, *(c["r"] for c in rows))
    margin = 0.05 * ((high - low) or 1.0)
    low = low if low == 0 else low - margin
    high = high if high == 0 else high + margin
    desc = "; ".join(
        f"{label}: r {c['r']:+.3f}"
        + (
            f", 95% CI {c['ci_low']:+.3f} to {c['ci_high']:+.3f}"
            if c["ci_low"] is not None and c["ci_high"] is not None
            else ""
        )
        for label, c in zip(labels, rows, strict=True)
    )
    return _bar_chart(
        labels,
        [(c["r"], REP_COLOUR if c["significant_positive"] else TEAM_COLOUR) for c in rows],
        (low, high),
        "r with won deals (95% CI); dark = significant positive",
        "Point-biserial correlation of each criterion with won deals, with its 95% interval",
        desc,
        errors=list(zip(lows, highs, strict=True)),
        lines=[(0, 'stroke="#333333" stroke-width="0.8" fill="none"')],
        marks=_ticks(low, high),
    )
