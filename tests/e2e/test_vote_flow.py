"""Log in, vote on a blind battle, see the reveal, go on to the next: in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from arena.models import Battle, Prompt, Vote
from arena.services import battles_refill
from tests.e2e.conftest import close_page, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def arena_ready(category, generators, voter):
    for text in ("A red handbag on marble", "A glass perfume bottle", "Running shoes in the sky"):
        Prompt.objects.create(text=text, category=category)
    battles_refill(buffer=3)
    assert Battle.objects.filter(status=Battle.Status.READY).count() == 3
    return generators


def _images_loaded(page) -> bool:
    return page.evaluate(
        "() => [...document.querySelectorAll('figure img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )


def test_a_voter_logs_in_votes_blind_sees_the_reveal_and_goes_on(
    page, live_server, arena_ready, screenshot
):
    log_in(page, live_server)
    expect(page.get_by_role("button", name="Left is better")).to_be_visible()
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert _images_loaded(page)
    text = page.content().lower()
    for generator in arena_ready:
        assert generator.name.lower() not in text
    screenshot("1-blind")

    page.keyboard.press("1")
    expect(page.get_by_text("You voted: Left is better")).to_be_visible()
    for generator in arena_ready:
        expect(page.get_by_text(generator.name)).to_be_visible()
    screenshot("2-reveal")
    vote = Vote.objects.get()
    assert vote.choice == "left"
    assert vote.shown_left.name in page.locator("figure").first.inner_text()

    first_url = page.url
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Right is better")).to_be_visible()
    assert page.url != first_url
    screenshot("3-next")


def test_voting_works_without_javascript(browser, live_server, arena_ready):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server)
    page.get_by_role("button", name="Both bad").click()
    expect(page.get_by_text("You voted: Both are bad")).to_be_visible()
    page.get_by_role("link", name="Next battle").click()
    expect(page.get_by_role("button", name="Tie")).to_be_visible()
    close_page(context, page)
    assert Vote.objects.get().choice == "both_bad"
