from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from ratings import plots


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (691, 1231, [600, 700, 800, 900, 1000, 1100, 1200, 1300]),
        (990.4, 1010.2, [990, 995, 1000, 1005, 1010, 1015]),
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (5, 5, [5.0, 5.2, 5.4, 5.6, 5.8, 6.0]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_range(low, high, expected):
    ticks = plots.nice_ticks(low, high)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= low and ticks[-1] >= high


def _rows():
    return [
        {"name": "Aurora", "rated": True, "rating": 1131.4, "ci_lower": 1100.2, "ci_upper": 1160.9},
        {"name": "Basalt", "rated": True, "rating": 868.6, "ci_lower": 830.1, "ci_upper": 905.5},
        {"name": "New", "rated": False, "rating": None, "ci_lower": None, "ci_upper": None},
    ]


def _font_sizes(svg: str) -> list[float]:
    return [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]


def test_the_forest_plot_has_round_ticks_and_readable_text_at_its_own_size():
    svg = plots.forest(_rows())
    labels = re.findall(r'fill="#5c6575"[^>]*>(\d+)</text>', svg)
    assert labels and all(int(label) % 50 == 0 for label in labels)
    assert min(_font_sizes(svg)) >= 11
    width = re.search(r'viewBox="0 0 (\d+) \d+" width="(\d+)"', svg)
    assert width.group(1) == width.group(2)  # drawn 1:1, never scaled down


def test_a_heatmap_tells_no_data_apart_from_an_even_split():
    names = ["Aurora", "Basalt", "Cypress"]
    matrix = [[None, 0.5, None], [0.5, None, 0.8], [None, 0.2, None]]
    svg = plots.heatmap(matrix, names, title="Observed win rate", diverging=True, percent=True)
    even = re.search(r'fill="(rgb[^"]+)"><title>Aurora vs Basalt: 50%', svg).group(1)
    missing = re.search(r'fill="([^"]+)"><title>Aurora vs Cypress: no battles yet', svg).group(1)
    assert missing.startswith("url(#") and even != "rgb(255,255,255)"
    assert "no data" in svg and min(_font_sizes(svg)) >= 11
    # Column names sit just above the cells: no tall blank band.
    first_row = float(re.search(r'<rect x="[\d.]+" y="([\d.]+)" width', svg).group(1))
    assert first_row < 90


def test_the_history_puts_its_legend_below_the_lines_with_round_time_ticks():
    start = datetime(2026, 11, 20, tzinfo=UTC)
    series = {
        name: [(start + timedelta(days=d), 1000 + k * 40 + d) for d in range(6)]
        for k, name in enumerate(["Aurora", "Basalt"])
    }
    svg = plots.history(series)
    legend_y = min(float(y) for y in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="14"', svg))
    lowest_line = max(
        float(point.split(",")[1])
        for points in re.findall(r'points="([^"]+)"', svg)
        for point in points.split()
    )
    assert legend_y > lowest_line + 20
    assert "Nov 21" in svg and min(_font_sizes(svg)) >= 11


# "Dynamo" measures 50 px in DejaVu Sans at 12 px (what chromium draws with on Linux): a flat
# 7 px per character gave its label column 42 px, and the D was cut off.
@pytest.mark.parametrize(("name", "drawn"), [("Dynamo", 50.3), ("WWWW", 47.5), ("Mimi", 28.7)])
def test_label_widths_err_wide_for_capitals_and_wide_letters(name, drawn):
    assert drawn <= plots.text_width(name) <= drawn * 1.15


def test_the_forest_and_the_heatmap_leave_a_wide_name_its_room():
    rows = [
        {"name": "Dynamo", "rated": True, "rating": 969, "ci_lower": 837, "ci_upper": 1100},
        {"name": "Ember", "rated": True, "rating": 1139, "ci_lower": 1015, "ci_upper": 1263},
    ]
    # Labels are right-aligned at their column's edge; the column starts at x=0.
    forest_end = float(re.search(r'<text x="([\d.]+)"[^>]*>Dynamo<', plots.forest(rows))[1])
    heat = plots.heatmap([[None, 0.6], [0.4, None]], ["Dynamo", "Ember"], title="t",
                         diverging=True, percent=True)  # fmt: skip
    heat_end = float(re.search(r'<text x="([\d.]+)"[^>]*>Dynamo<', heat)[1])
    assert min(forest_end, heat_end) >= 50.3
