"""Server-drawn SVG plots for the leaderboard pages: no script, readable without JavaScript.

Each function returns SVG markup built from numbers only (labels are escaped), so pages can
include it with ``|safe`` and still work under a strict Content-Security-Policy.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

ROW = 22
LABEL = 170
PALETTE = ["#2f5bea", "#e4572e", "#17a398", "#f3a712", "#8e44ad", "#5c6575", "#c0392b", "#1f9d55"]


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="plot">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / count
    return [low + i * step for i in range(count + 1)]


def forest(rows: list[dict], *, width: int = 760) -> str:
    """Rating with its 95% interval per rated generator, best at the top."""
    rated = [r for r in rows if r["rated"] and r["ci_lower"] is not None]
    if not rated:
        return ""
    low = min(r["ci_lower"] for r in rated) - 10
    high = max(r["ci_upper"] for r in rated) + 10
    plot = width - LABEL - 20
    height = ROW * len(rated) + 40

    def x(value: float) -> float:
        return LABEL + (value - low) / (high - low) * plot

    body = []
    for tick in _ticks(low, high):
        grid = f'x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="0" y2="{height - 25}"'
        body.append(
            f'<line {grid} stroke="#dde1e8"/>'
            f'<text x="{x(tick):.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
            f'fill="#5c6575">{tick:.0f}</text>'
        )
    for i, r in enumerate(rated):
        y = 14 + i * ROW
        body.append(
            f'<text x="{LABEL - 8}" y="{y + 4}" font-size="12" text-anchor="end">'
            f"{escape(r['name'][:24])}</text>"
            f'<line x1="{x(r["ci_lower"]):.1f}" x2="{x(r["ci_upper"]):.1f}" y1="{y}" y2="{y}" '
            f'stroke="#2f5bea" stroke-width="3"><title>{escape(r["name"])}: {r["rating"]:.0f} '
            f"({r['ci_lower']:.0f} to {r['ci_upper']:.0f})</title></line>"
            f'<circle cx="{x(r["rating"]):.1f}" cy="{y}" r="4.5" fill="#1d2330"/>'
        )
    return _svg(width, height, body, "Ratings with 95% intervals")


def _colour(value: float, *, diverging: bool, top: float) -> tuple[str, str]:
    """Fill for a cell and a text colour that stays readable on it."""
    if diverging:  # 0 red, 0.5 white, 1 blue
        t = max(min(value, 1.0), 0.0)
        s = abs(t - 0.5) * 2
        fill = (
            f"rgb(255,{255 - 150 * s:.0f},{255 - 150 * s:.0f})"
            if t < 0.5
            else f"rgb({255 - 190 * s:.0f},{255 - 120 * s:.0f},255)"
        )
        return fill, "#1d2330"
    s = 0 if top <= 0 else value / top
    fill = f"rgb({255 - 200 * s:.0f},{255 - 160 * s:.0f},{255 - 60 * s:.0f})"
    return fill, "#ffffff" if s > 0.55 else "#1d2330"


def _cell(x: int, y: int, cell: int, value, label: str, tip: str, colours) -> str:
    fill, ink = colours
    text = ""
    if cell >= 30:
        text = (
            f'<text x="{x + cell / 2:.1f}" y="{y + cell * 0.62:.1f}" font-size="10" '
            f'text-anchor="middle" fill="{ink}">{label}</text>'
        )
    return (
        f'<rect x="{x}" y="{y}" width="{cell - 1}" height="{cell - 1}" fill="{fill}">'
        f"<title>{tip}</title></rect>{text}"
    )


def heatmap(
    matrix: list[list], names: list[str], *, title: str, diverging: bool, percent: bool
) -> str:
    """A square matrix as coloured cells, rows against columns; hover shows the value."""
    n = len(names)
    if n == 0:
        return ""
    cell = max(min(560 // n, 52), 8)
    size = LABEL + cell * n
    top = max((v for row in matrix for v in row if v is not None), default=0)
    font = min(cell * 0.6, 12)
    body = []
    for i, row in enumerate(matrix):
        y = LABEL + i * cell
        body.append(
            f'<text x="{LABEL - 6}" y="{y + cell * 0.65:.1f}" font-size="{font:.0f}" '
            f'text-anchor="end">{escape(names[i][:22])}</text>'
        )
        for j, value in enumerate(row):
            if i == j or value is None:
                continue
            label = f"{value:.0%}" if percent else f"{value:.0f}"
            tip = f"{escape(names[i])} vs {escape(names[j])}: {label}"
            colours = _colour(value, diverging=diverging, top=top)
            body.append(_cell(LABEL + j * cell, y, cell, value, label, tip, colours))
    for j, name in enumerate(names):
        x = LABEL + j * cell + cell * 0.6
        body.append(
            f'<text x="{x:.1f}" y="{LABEL - 6}" font-size="{font:.0f}" '
            f'transform="rotate(-60 {x:.1f} {LABEL - 6})">{escape(name[:22])}</text>'
        )
    return _svg(size + 90, size + 10, body, title)


def history(series: dict[str, list[tuple[datetime, float]]], *, width: int = 760) -> str:
    """Rating over time, one line per generator, from stored snapshots."""
    points = [p for line in series.values() for p in line]
    if len({p[0] for p in points}) < 2:
        return ""
    t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
    low, high = min(p[1] for p in points) - 10, max(p[1] for p in points) + 10
    height, plot_w = 300, width - 60
    span = (t1 - t0).total_seconds() or 1

    def xy(t: datetime, v: float) -> str:
        x = 50 + (t - t0).total_seconds() / span * plot_w
        return f"{x:.1f},{270 - (v - low) / (high - low) * 250:.1f}"

    body = [
        f'<text x="4" y="{270 - (tick - low) / (high - low) * 250:.1f}" font-size="11" '
        f'fill="#5c6575">{tick:.0f}</text>'
        for tick in _ticks(low, high, 4)
    ]
    for k, (name, line) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path = " ".join(xy(t, v) for t, v in line)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
            f'<text x="{width - 200 + 0}" y="{16 + k * 15}" font-size="11" fill="{colour}">'
            f"{escape(name[:26])}</text>"
        )
    body.append(
        f'<text x="50" y="{height - 6}" font-size="11" fill="#5c6575">{t0:%Y-%m-%d %H:%M}</text>'
        f'<text x="{width - 10}" y="{height - 6}" font-size="11" fill="#5c6575" '
        f'text-anchor="end">{t1:%Y-%m-%d %H:%M}</text>'
    )
    return _svg(width, height, body, "Rating history")
