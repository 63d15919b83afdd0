"""Every page at a phone's width and a desktop's: nothing wider than the window, screenshots saved.

The screenshots land in test-artifacts/ (``<test>-<size>-<page>.png``) to be looked at.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from itertools import permutations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from arena.models import Battle, Category, Prompt, Vote
from arena.services import battle_create
from generation.models import Generator
from generation.tasks import generate
from ratings.models import EloRating, Snapshot
from tests.conftest import source_png
from tests.e2e.conftest import ARTIFACTS, close_page, log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"phone": (390, 844), "desktop": (1440, 900)}
# A phone browser widens its layout to fit a page that is too wide, so innerWidth alone would
# always pass: the page must fit both the window and the width the test set.
OVERFLOW = """(width) => document.documentElement.scrollWidth
    - Math.min(window.innerWidth, width)"""


@pytest.fixture
def demo(settings, demo_drawn_small):
    settings.ARENA_OUTPUT_SIZE = (256, 256)  # drawn small, enlarged: quick to make
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
        close_page(context, page)


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


def _sign_in_as_demo(page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo-arena")
    page.get_by_role("button", name="Log in").click()


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
        _sign_in_as_demo(page, f"{live_server.url}/vote/")
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
        # Compare side by side: its bar keeps Close whole on the screen, on a phone too.
        page.locator("#compare-open").click()
        close = page.locator("#compare .close")
        expect(close).to_be_visible()
        _check(page, "edit-compare", size, wide)
        _inside_window(close.bounding_box(), SIZES[size])
        page.keyboard.press("Escape")
        expect(page.locator("#compare")).to_be_hidden()
        page.wait_for_timeout(900)  # past ARENA_MIN_VOTE_MS, so the vote is not flagged
        page.keyboard.press("1")
        expect(page.locator("#verdict")).to_contain_text("You voted")
        _check(page, "edit-reveal", size, wide)
        if size == "desktop":  # on a phone the page scrolls; Enter and the button both go on
            page.evaluate("window.scrollTo(0, 0)")  # closing compare scrolled to its button
            _inside_window(page.locator("#next").bounding_box(), SIZES[size])
    assert not wide, wide
    assert not errors, errors


def _inside_window(box: dict, size: tuple[int, int]) -> None:
    width, height = size
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, box


# Each text of each plot, inside its plot's box: a label cut at the plot's edge reads wrong.
CLIPPED_LABELS = """() => [...document.querySelectorAll("svg.plot")].flatMap(svg => {
    const outer = svg.getBoundingClientRect();
    return [...svg.querySelectorAll("text")].filter(text => {
        const r = text.getBoundingClientRect();
        return r.width && (r.left < outer.left - 0.5 || r.right > outer.right + 0.5
            || r.top < outer.top - 0.5 || r.bottom > outer.bottom + 0.5);
    }).map(text => text.textContent);
})"""


@pytest.fixture
def edit_board(settings):
    """The demo with a few edit votes between its editors, and the boards recomputed."""
    call_command("demo", "--battles", "0", "--votes", "0", "--password", "demo-arena")
    editors = [g for g in Generator.objects.order_by("slug") if g.can("edit")]
    categories = list(Category.objects.filter(kind="edit").order_by("slug"))
    voter = get_user_model().objects.get(username="demo")
    votes = [
        Vote(voter=voter, category=categories[i % len(categories)], shown_left=left,
             shown_right=right, choice=("left", "right", "tie")[i % 3], time_to_vote_ms=3000,
             judge="demo", import_key=f"layout:{i}")
        for i, (left, right) in enumerate(permutations(editors, 2))
    ]  # fmt: skip
    Vote.objects.bulk_create(votes)
    call_command("recompute_ratings", stdout=io.StringIO(), stderr=io.StringIO())


@pytest.mark.parametrize("size", SIZES)
def test_the_edit_board_fits_the_window_with_every_plot_label_whole(
    browser, live_server, edit_board, size
):
    width = SIZES[size][0]
    wide: list[str] = []
    with _window(browser, size) as (page, errors):
        _sign_in_as_demo(page, f"{live_server.url}/leaderboard/?kind=edit")
        expect(page.locator("table.board tbody tr")).to_have_count(4)
        _check(page, "edit-board", size, wide)
        assert page.evaluate(CLIPPED_LABELS) == []
        # The table's row fits without scrolling sideways, P(best) on screen.
        table = page.locator(".table-wrap")
        assert table.evaluate("t => t.scrollWidth - t.clientWidth") <= 0
        p_best = page.get_by_role("columnheader", name="P(best)").bounding_box()
        assert p_best["x"] + p_best["width"] <= width
    assert not wide, wide
    assert not errors, errors


@pytest.mark.parametrize("size", SIZES)
def test_the_progress_of_an_own_edit_speaks_of_an_edit(
    browser, live_server, voter, edit_category, editors, monkeypatch, tmp_path, size
):
    monkeypatch.setattr(generate, "delay", lambda generation_id: None)  # still generating
    picture = tmp_path / "holiday.png"
    picture.write_bytes(source_png(size=(200, 140), colour="#8fd9a8"))
    wide: list[str] = []
    with _window(browser, size) as (page, errors):
        log_in(page, live_server, path="/prompt/edit/")
        page.get_by_label("Your picture").set_input_files(str(picture))
        page.get_by_label("What should change").fill("Tap the glass to make it ring")
        page.get_by_role("button", name="Make two edits").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your edit")
        _check(page, "edit-progress", size, wide)
        caption = page.locator("#progress .source .caption")
        expect(caption).to_have_text(
            "Your picture Two editors change it as your instruction below says."
        )
        assert caption.evaluate("c => getComputedStyle(c, '::after').content") in ("none", "")
        expect(page.locator("#progress .instruction-label")).to_have_text("Your instruction")
        expect(page.locator(".typed-prompt")).to_have_text("Tap the glass to make it ring")
    assert not wide, wide
    assert not errors, errors
