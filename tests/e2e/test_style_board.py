"""The style-controlled view of a board beside the plain one, at phone and desk widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ratings.services import leaderboard_recompute
from tests.conftest import make_generator
from tests.e2e.conftest import close_page, log_in
from tests.ratings.style_boards import styled_votes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("width", [390, 1440])
def test_both_views_of_a_board_read_with_the_moves_and_what_voters_reward(
    browser, live_server, voter, category, settings, screenshot, width
):
    settings.RATINGS_STYLE_MIN_VOTES = 100
    trio = [make_generator(name) for name in ("Aurora", "Basalt", "Vivid")]
    styled_votes(category, trio, 900, seed=1)
    leaderboard_recompute(category=category)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        log_in(page, live_server, "/leaderboard/product-shots/")
        expect(page.locator("table.board tbody tr").first).to_contain_text("Vivid")
        screenshot(f"{width}px-plain", of=page)
        page.get_by_role("link", name="Style-controlled").click()
        expect(page).to_have_url(f"{live_server.url}/leaderboard/product-shots/?control=style")
        controlled = page.locator("table.controlled")
        expect(controlled.locator("tbody tr").first).to_contain_text("Aurora")
        expect(controlled.locator("tbody tr").last).to_contain_text("Vivid")
        expect(controlled.locator(".move.down")).to_contain_text("▼2")
        effects = page.locator("table.effects")
        expect(effects).to_contain_text("Colourfulness")
        expect(page.get_by_role("heading", name="What voters reward here")).to_be_visible()
        # Side by side where there is room, one above the other on a phone; never wider.
        plain_box = page.locator(".boards .table-wrap").first.bounding_box()
        controlled_box = page.locator(".boards .table-wrap").last.bounding_box()
        beside = controlled_box["x"] > plain_box["x"] + plain_box["width"] - 1
        assert beside == (width > 700)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(f"{width}px-style", of=page)
        page.get_by_role("link", name="Plain").click()
        expect(page.locator("table.effects")).to_have_count(0)
    finally:
        close_page(context, page)
