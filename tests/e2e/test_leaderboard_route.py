"""The route's decision at the top of a board, read in a browser at phone and desk widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import close_page, log_in
from tests.ratings.conftest import battle_lines, import_lines

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1440])
def test_the_route_decision_reads_at_the_top_of_a_board(browser, live_server, voter, tmp_path,
                                                        screenshot, width):  # fmt: skip
    import_lines(tmp_path, battle_lines())
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "/leaderboard/people/")
        decision = page.locator(".route-decision")
        expect(decision).to_contain_text("Route: nano-banana-pro")
        expect(decision).to_contain_text("the best (tolerance 25): confident")
        expect(decision).to_be_in_viewport()
        box = decision.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width  # never wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(f"{width}px", of=page)
    finally:
        close_page(context, page)
