"""A voter's own board at a phone's width and a desktop's: locked under 30 votes, then the
models by their votes beside the team's rank; nothing wider than the window."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, close_page, log_in
from tests.e2e.test_layout import OVERFLOW
from tests.ratings.conftest import boards  # noqa: F401 (a fixture: the team's boards)
from tests.ratings.test_personal import cast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("boards")
@pytest.mark.parametrize("width", [1440, 390])
def test_the_own_board_opens_at_thirty_votes_and_fits_the_window(
    browser, live_server, voter, width
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, is_mobile=width < 700, has_touch=width < 700
    )
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server, path="/leaderboard/")
    cast(voter, "logos", 20, seed=11)
    expect(page.get_by_role("heading", name="Leaderboard")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"personal-{width}-team-board.png"))
    page.get_by_role("link", name="Your own board").click()
    expect(page.locator("#personal-locked")).to_contain_text("10 more votes to go")
    page.screenshot(path=str(ARTIFACTS / f"personal-{width}-locked.png"), full_page=True)
    assert page.evaluate(OVERFLOW, width) <= 0

    cast(voter, "logos", 40, seed=12)
    page.goto(f"{live_server.url}/leaderboard/mine/logos/")
    expect(page.locator("table.board tbody tr")).to_have_count(4)
    expect(page.locator("#agreement")).to_contain_text("Agreement with the team")
    expect(page.locator("h1")).to_have_text("Your board")
    page.screenshot(path=str(ARTIFACTS / f"personal-{width}-board.png"), full_page=True)
    assert page.evaluate(OVERFLOW, width) <= 0
    close_page(context, page)
