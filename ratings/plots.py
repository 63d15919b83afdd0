"""Server-drawn SVG plots for the leaderboard pages: numbers only (labels escaped), so pages
include them with ``|safe`` under a strict Content-Security-Policy. Drawn at their own size
and never scaled down (a narrow screen scrolls), so no text is smaller than ``FONT`` px.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from html import escape

FONT = 12  # px; the smallest text in any plot (11 px is the floor)
# Advance widths in ems of the widest common UI sans (DejaVu Sans, what system-ui gives on
# most Linux desktops): a label measured with these fits in Helvetica, Arial or Roboto too.
# A flat 7 px per character clipped labels with capitals and wide letters ("Dynamo").
_EMS = {
    **dict.fromkeys("iljIJ.,:;'|!", 0.30),
    **dict.fromkeys("frt()[]- ", 0.42),
    **dict.fromkeys("sczLPFTYE", 0.64),
    **dict.fromkeys("0123456789", 0.64),
    **dict.fromkeys("mMW", 1.0),
    **dict.fromkeys("wDGHNOQUC", 0.82),
    **dict.fromkeys("abdeghknopquvxy", 0.64),
    **dict.fromkeys("ABKRSVXZ", 0.72),
}
ROW = 24
INK, MUTED, GRID = "#1d2330", "#5c6575", "#dde1e8"
PALETTE = ["#2f5bea", "#e4572e", "#17a398", "#b7791f", "#8e44ad", "#5c6575", "#c0392b", "#1f9d55"]
NO_DATA = "#c9ced6"  # with a hatch: never mistaken for a colour of the scale


def _svg(width: float, height: float, body: list[str], title: str, defs: str = "") -> str:
    width, height = math.ceil(width), math.ceil(height)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'class="plot" font-size="{FONT}"><title>{escape(title)}</title>{defs}'
        f"{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = INK, extra=""):
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def text_width(text: str) -> float:
    """The width in px of ``text`` at ``FONT`` px, erring wide (unknown characters: 1 em)."""
    return sum(_EMS.get(char, 1.0) for char in text) * FONT


def _label_width(names: list[str], limit: int = 24) -> float:
    return max((text_width(name[:limit]) for name in names), default=0) + 12


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round ticks (steps of 1, 2 or 5 times a power of ten) covering ``low`` to ``high``."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = power * min((1, 2, 5, 10), key=lambda m: abs(math.log(m * power / raw)))
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    return [first + i * step for i in range(round((last - first) / step) + 1)]


def forest(rows: list[dict], *, plot_width: int = 420) -> str:
    """Rating with its 95% interval per rated generator, best at the top."""
    rated = [r for r in rows if r["rated"] and r["ci_lower"] is not None]
    if not rated:
        return ""
    low, high = min(r["ci_lower"] for r in rated), max(r["ci_upper"] for r in rated)
    ticks = nice_ticks(low, high, max(plot_width // 80, 2))  # labels ~80 px apart at least
    low, high = ticks[0], ticks[-1]
    label = _label_width([r["name"] for r in rated])
    width, axis_y = label + plot_width + 24, ROW * len(rated) + 8
    height = axis_y + FONT + 10

    def x(value: float) -> float:
        return label + (value - low) / (high - low) * plot_width

    body = [
        f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="0" y2="{axis_y}" stroke="{GRID}"/>'
        + _text(x(tick), axis_y + FONT + 4, f"{tick:g}", anchor="middle", fill=MUTED)
        for tick in ticks
    ]
    for i, r in enumerate(rated):
        y = ROW / 2 + i * ROW
        tip = f"{r['name']}: {r['rating']:.0f} ({r['ci_lower']:.0f} to {r['ci_upper']:.0f})"
        body.append(
            _text(label - 8, y + 4, r["name"][:24], anchor="end")
            + f'<line x1="{x(r["ci_lower"]):.1f}" x2="{x(r["ci_upper"]):.1f}" y1="{y}" '
            f'y2="{y}" stroke="#2f5bea" stroke-width="3"><title>{escape(tip)}</title></line>'
            f'<circle cx="{x(r["rating"]):.1f}" cy="{y}" r="4.5" fill="{INK}"/>'
        )
    return _svg(width, height, body, "Ratings with 95% intervals")


def _diverging(value: float) -> str:
    """0 red, 0.5 a light warm grey (a real colour of the scale), 1 blue."""
    t = max(min(value, 1.0), 0.0)
    s = abs(t - 0.5) * 2
    if t < 0.5:
        return f"rgb({246 - 18 * s:.0f},{243 - 150 * s:.0f},{238 - 150 * s:.0f})"
    return f"rgb({246 - 190 * s:.0f},{243 - 120 * s:.0f},{238 + 17 * s:.0f})"


def _sequential(value: float, top: float) -> str:
    s = 0 if top <= 0 else value / top
    return f"rgb({238 - 190 * s:.0f},{243 - 150 * s:.0f},{250 - 60 * s:.0f})"


def _ink(fill: str) -> str:
    red, green, blue = (int(c) for c in re.findall(r"\d+", fill))
    return "#ffffff" if 0.299 * red + 0.587 * green + 0.114 * blue < 140 else INK


def _hatch(pattern: str) -> str:
    return (
        f'<defs><pattern id="{pattern}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#eef0f3"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{NO_DATA}" stroke-width="3"/></pattern></defs>'
    )


def heatmap(
    matrix: list[list], names: list[str], *, title: str, diverging: bool, percent: bool
) -> str:
    """A square matrix as coloured cells, rows against columns; hover shows the value.

    Cells with no data (and the diagonal) are hatched grey, outside the colour scale.
    """
    n = len(names)
    if n == 0:
        return ""
    cell = max(min(480 // n, 48), 30)
    label = _label_width(names, 22)
    head = _label_width(names, 22) * 0.87 + 8  # column names at -60 degrees
    pattern = "no-data-" + re.sub(r"[^a-z]+", "-", title.lower()).strip("-")
    top = max((v for row in matrix for v in row if v is not None), default=0)
    body = []
    for i, row in enumerate(matrix):
        y = head + i * cell
        body.append(_text(label - 6, y + cell * 0.6, names[i][:22], anchor="end"))
        for j, value in enumerate(row):
            x = label + j * cell
            box = f'x="{x:.1f}" y="{y:.1f}" width="{cell - 2}" height="{cell - 2}"'
            if i == j or value is None:
                what = "same model" if i == j else "no battles yet"
                body.append(
                    f'<rect {box} fill="url(#{pattern})"><title>{escape(names[i])} vs '
                    f"{escape(names[j])}: {what}</title></rect>"
                )
                continue
            shown = f"{value:.0%}" if percent else f"{value:.0f}"
            fill = _diverging(value) if diverging else _sequential(value, top)
            tip = f"{names[i]} vs {names[j]}: {shown}"
            body.append(
                f'<rect {box} fill="{fill}"><title>{escape(tip)}</title></rect>'
                + _text(x + cell / 2 - 1, y + cell / 2 + 4, shown, anchor="middle", fill=_ink(fill))
            )
    for j, name in enumerate(names):
        x, y = label + j * cell + cell / 2, head - 6
        body.append(_text(x, y, name[:22], extra=f' transform="rotate(-60 {x:.1f} {y:.1f})"'))
    legend_y = head + n * cell + 8
    body.append(_legend(label, legend_y, pattern, diverging=diverging, percent=percent, top=top))
    width = label + max(n * cell, 3 * 58 + 80) + 8
    return _svg(width, legend_y + 22, body, title, defs=_hatch(pattern))


def _legend(x: float, y: float, pattern: str, *, diverging: bool, percent: bool, top: float):
    """The colour scale's ends and middle, and the no-data swatch."""
    stops = [0.0, 0.5, 1.0] if diverging else [0.0, top / 2, top]
    parts = []
    for k, value in enumerate(stops):
        fill = _diverging(value) if diverging else _sequential(value, top)
        shown = f"{value:.0%}" if percent else f"{value:.0f}"
        left = x + k * 58
        parts.append(
            f'<rect x="{left:.1f}" y="{y}" width="14" height="14" fill="{fill}" stroke="{GRID}"/>'
            + _text(left + 19, y + 11, shown, fill=MUTED)
        )
    left = x + len(stops) * 58
    parts.append(
        f'<rect x="{left:.1f}" y="{y}" width="14" height="14" fill="url(#{pattern})"/>'
        + _text(left + 19, y + 11, "no data", fill=MUTED)
    )
    return "".join(parts)


def _time_ticks(t0: datetime, t1: datetime) -> tuple[list[datetime], str]:
    """Round times across the span, and the format their labels need."""
    span = (t1 - t0).total_seconds()
    steps = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 2 * 86400, 7 * 86400, 30 * 86400]
    step = next((s for s in steps if span / s <= 5), steps[-1])
    same_day = t0.date() == t1.date()
    fmt = "%b %d" if step >= 86400 else ("%H:%M" if same_day else "%d %H:%M")
    start = datetime.fromtimestamp(math.ceil(t0.timestamp() / step) * step, tz=t0.tzinfo)
    ticks = []
    while start <= t1:
        ticks.append(start)
        start += timedelta(seconds=step)
    return ticks or [t0], fmt


def history(series: dict[str, list[tuple[datetime, float]]], *, plot_width: int = 420) -> str:
    """Rating over time, one line per generator, from stored snapshots; the legend below."""
    points = [p for line in series.values() for p in line]
    if len({p[0] for p in points}) < 2:
        return ""
    t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
    ticks = nice_ticks(min(p[1] for p in points), max(p[1] for p in points), 4)
    low, high = ticks[0], ticks[-1]
    left, top, plot_h = max(text_width(f"{t:g}") for t in ticks) + 12, 8, 200
    span = (t1 - t0).total_seconds()

    def x(t: datetime) -> float:
        return left + (t - t0).total_seconds() / span * plot_width

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    body = [
        f'<line x1="{left}" x2="{left + plot_width}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
        f'stroke="{GRID}"/>' + _text(left - 6, y(tick) + 4, f"{tick:g}", anchor="end", fill=MUTED)
        for tick in ticks
    ]
    when, fmt = _time_ticks(t0, t1)
    for t in when:
        body.append(_text(x(t), top + plot_h + FONT + 6, f"{t:{fmt}}", anchor="middle", fill=MUTED))
    legend_y = top + plot_h + 2 * FONT + 20
    column = max(text_width(name[:26]) for name in series) + 30
    per_row = max(int((left + plot_width) // column), 1)
    for k, (name, line) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in line)
        lx, ly = left + (k % per_row) * column, legend_y + (k // per_row) * (FONT + 8)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
            f'<rect x="{lx:.1f}" y="{ly - 9}" width="14" height="4" fill="{colour}"/>'
            + _text(lx + 20, ly, name[:26])
        )
    rows = (len(series) + per_row - 1) // per_row
    height = legend_y + (rows - 1) * (FONT + 8) + 8
    return _svg(left + plot_width + 30, height, body, "Rating history")
