"""Every page at a phone's width and a desktop's: nothing wider than the window, screenshots saved.

The screenshots land in test-artifacts/ (``<test>-<size>-<page>.png``) to be looked at.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from arena.models import Battle, Prompt
from arena.services import battle_create
from generation.models import Generator
from ratings.models import EloRating, Snapshot
from tests.e2e.conftest import ARTIFACTS, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
# A phone browser widens its layout to fit a page that is too wide, so innerWidth alone would
# always pass: the page must fit both the window and the width the test set.
OVERFLOW = """(width) => document.documentElement.scrollWidth
    - Math.min(window.innerWidth, width)"""


@pytest.fixture
def demo(settings):
    settings.ARENA_BATTLE_BUFFER = 1
    call_command("demo", "--battles", "1", "--votes", "400", "--password", "demo-arena")
    # The generation vote page is measured here; an edit battle in the test after it.
    Prompt.objects.exclude(source_image="").update(active=False)
    Battle.objects.filter(status=Battle.Status.READY).exclude(prompt__source_image="").delete()
    assert Battle.objects.filter(status=Battle.Status.READY).exists()


def _pages(live_server) -> list[tuple[str, str]]:
    snapshot = Snapshot.objects.filter(category__isnull=True, kind="generate").latest("computed_at")
    elo = EloRating.objects.order_by("id").first()
    # /api/v1/ is JSON, drawn by the browser's own viewer (980 px wide on a phone): not a page
    # of ours, so it is not listed here; tests/ratings/test_api.py covers it.
    return [
        ("leaderboard", "/leaderboard/"),
        ("leaderboard-edit", "/leaderboard/?kind=edit"),
        ("category", "/leaderboard/text-in-image/"),
        ("prompt", "/prompt/"),
        ("api-docs", "/api/v1/docs/"),
        ("admin", "/admin/"),
        ("admin-generators", "/admin/generation/generator/"),
        ("admin-snapshot", f"/admin/ratings/snapshot/{snapshot.id}/change/"),
        ("admin-elo", "/admin/ratings/elorating/"),
        ("admin-elo-row", f"/admin/ratings/elorating/{elo.id}/change/"),
    ]


def _check(page, name: str, size: str, wide: list[str]) -> None:
    page.screenshot(path=str(ARTIFACTS / f"layout-{size}-{name}.png"), full_page=True)
    overflow = page.evaluate(OVERFLOW, SIZES[size][0])
    if overflow > 0:
        wide.append(f"{name} is {overflow} px wider than the window")


@contextmanager
def _window(browser, size: str):
    """A page at one of ``SIZES``, and the console errors it logs until it closes."""
    ARTIFACTS.mkdir(exist_ok=True)
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=size == "phone",
        has_touch=size == "phone",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        yield page, errors
    finally:
        context.close()


@pytest.mark.parametrize("size", SIZES)
def test_no_page_is_wider_than_the_window(browser, live_server, demo, size):
    height = SIZES[size][1]
    wide: list[str] = []
    with _window(browser, size) as (page, errors):
        page.goto(f"{live_server.url}/vote/")
        _check(page, "login", size, wide)
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("admin-arena")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/vote/")
        wait_until_ready(page)
        _check(page, "vote", size, wide)
        # Both outputs in view at once, the second above the vote buttons, not under them.
        bar = page.locator("#vote-form").bounding_box()
        second = page.locator("#output-right img").bounding_box()
        assert second["y"] + second["height"] <= min(bar["y"], height) + 1
        expect(page.locator("header nav")).to_have_js_property(
            "scrollWidth", page.locator("header nav").evaluate("nav => nav.clientWidth")
        )  # the header does not scroll
        # The full-size viewer shows the (square) image no smaller than the card did.
        card = page.locator("#output-left img").bounding_box()
        page.locator("#output-left a.zoom").click()
        expect(page.locator("#viewer")).to_be_visible()
        shown = page.locator("#viewer-image").bounding_box()
        assert min(shown["width"], shown["height"]) >= min(card["width"], card["height"]) - 1
        _check(page, "viewer", size, wide)
        page.keyboard.press("Escape")
        expect(page.locator("#viewer")).to_be_hidden()
        page.wait_for_timeout(900)  # past ARENA_MIN_VOTE_MS, so the vote is not flagged
        page.keyboard.press("1")
        expect(page.locator("#verdict")).to_contain_text("You voted")
        _check(page, "reveal", size, wide)
        for name, path in _pages(live_server):
            page.goto(f"{live_server.url}{path}")
            if name == "api-docs":
                page.wait_for_selector(".api-info h1")
            _check(page, name, size, wide)
    assert not wide, wide
    assert not errors, errors


@pytest.fixture
def edit_demo(settings):
    """One battle on the demo's longest edit instruction, alone: the tallest battle page."""
    call_command("demo", "--battles", "0", "--votes", "0", "--password", "demo-arena")
    settings.ARENA_BATTLE_BUFFER = 0
    Battle.objects.all().delete()
    prompts = Prompt.objects.exclude(source_image="")
    longest = max(prompts, key=lambda prompt: len(prompt.text))
    editors = [g for g in Generator.objects.order_by("id") if g.can("edit")][:2]
    battle = battle_create(prompt=longest, generator_a=editors[0], generator_b=editors[1])
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY
    return battle


@pytest.mark.parametrize("size", SIZES)
def test_an_edit_battle_shows_its_source_and_both_edits_above_the_vote_bar(
    browser, live_server, edit_demo, size
):
    height = SIZES[size][1]
    wide: list[str] = []
    with _window(browser, size) as (page, errors):
        page.goto(f"{live_server.url}/vote/")
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("demo-arena")
        page.get_by_role("button", name="Log in").click()
        wait_until_ready(page)
        expect(page.locator("#prompt")).to_have_text(edit_demo.prompt.text)
        expect(page.locator("#source-image")).to_be_visible()
        _check(page, "edit-vote", size, wide)
        source = page.locator("#source").bounding_box()
        first = page.locator("#output-left img").bounding_box()
        second = page.locator("#output-right img").bounding_box()
        bar = page.locator("#vote-form").bounding_box()
        # The source above the edits, both edits whole above the vote buttons, and the buttons
        # on the first screen.
        assert source["y"] + source["height"] <= first["y"] + 1
        assert second["y"] + second["height"] <= min(bar["y"], height) + 1, (second, bar)
        assert bar["y"] + bar["height"] <= height + 1
        page.wait_for_timeout(900)  # past ARENA_MIN_VOTE_MS, so the vote is not flagged
        page.keyboard.press("1")
        expect(page.locator("#verdict")).to_contain_text("You voted")
        _check(page, "edit-reveal", size, wide)
    assert not wide, wide
    assert not errors, errors
