"""Voting in a real browser: every key, the reveal, the next battle preloaded, blind until voted."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from arena.models import Battle, Vote
from generation.models import Generator
from tests.e2e.conftest import BATTLES, log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)

KEYS = [
    ("1", "left", "Left is better"),
    ("2", "right", "Right is better"),
    ("3", "tie", "Tie"),
    ("4", "both_bad", "Both are bad"),
    ("ArrowLeft", "left", "Left is better"),
    ("ArrowRight", "right", "Right is better"),
    ("ArrowUp", "tie", "Tie"),
    ("ArrowDown", "both_bad", "Both are bad"),
]
assert len(KEYS) == BATTLES  # one battle for each key, then none left
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def test_every_key_votes_and_enter_moves_on_without_a_reload_until_none_are_left(
    page, live_server, battles, screenshot, settings
):
    settings.ARENA_BATTLES_AHEAD = 0  # the eight battles, and no new ones made ahead
    log_in(page, live_server)
    wait_until_ready(page)
    expect(page.locator("#shortcuts")).to_contain_text("both bad")
    page.evaluate("window.sameDocument = true")  # survives only if the page never reloads
    prompts, urls = [], []
    for i, (key, _, label) in enumerate(KEYS):
        wait_until_ready(page)
        prompts.append(page.locator("#prompt").inner_text())
        urls.append(page.url)
        page.keyboard.press(key)
        expect(page.locator("#verdict")).to_have_text(f"You voted: {label}.")
        for generator in battles:
            expect(page.locator("#pair").get_by_text(generator.name)).to_be_visible()
        expect(page.get_by_role("button", name="Tie")).to_be_hidden()
        expect(page.locator("#tally")).to_have_text(f"{i + 1} vote{'s' if i else ''} today")
        if i == 0:
            screenshot("1-revealed")
        assert page.evaluate("window.sameDocument") is True
        page.keyboard.press("Enter" if i % 2 == 0 else " ")  # Enter or Space goes on
    expect(page.get_by_role("heading", name="No battle is ready")).to_be_visible()
    screenshot("2-none-left")

    assert len(set(prompts)) == len(set(urls)) == len(KEYS)  # eight battles, eight addresses
    votes = Vote.objects.order_by("id")
    assert [vote.choice for vote in votes] == [choice for _, choice, _ in KEYS]
    assert [vote.battle.prompt.text for vote in votes] == prompts
    assert all(urls[i].endswith(f"/vote/{vote.battle.token}/") for i, vote in enumerate(votes))


def test_nothing_the_browser_receives_before_the_vote_names_a_model(
    page, live_server, battles, screenshot
):
    received: list = []
    page.on("response", lambda response: received.append(response))
    log_in(page, live_server)
    wait_until_ready(page)
    page.wait_for_selector("#battle[data-next=ready]")  # the next battle is held and preloaded
    screenshot("blind")
    before = list(received)
    words = {
        word.lower()
        for generator in Generator.objects.all()
        for word in (generator.name, generator.slug, generator.provider, generator.model_id)
    }
    leaks = []
    for response in before:
        headers = " ".join(f"{k}: {v}" for k, v in response.all_headers().items())
        text = (response.url + headers).lower().encode() + _body(response).lower()
        leaks += [(response.url, word) for word in words if word.encode() in text]
    assert leaks == []
    kinds = [_kind(response.url) for response in before]
    assert kinds.count("next") == 1 and kinds.count("image") >= 4  # current pair + next pair
    assert kinds.count("battle") == 1

    page.keyboard.press("2")
    expect(page.locator("#verdict")).to_contain_text("You voted: Right is better")
    reveal = next(r for r in received if r.request.method == "POST" and _kind(r.url) == "battle")
    assert {battles[0].name, battles[1].name} <= set(reveal.json()["reveal"].values())


def _kind(url: str) -> str:
    if "/outputs/" in url:
        return "image"
    if url.endswith("/vote/next/"):
        return "next"
    return "battle" if re.search(r"/vote/[0-9a-f-]{36}/$", url) else "other"


def _body(response) -> bytes:
    try:
        return response.body()
    except Exception:  # redirects have no body to read
        return b""


def test_the_next_battle_is_preloaded_and_swapped_in_painted(page, live_server, battles):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, live_server)
    wait_until_ready(page)
    page.wait_for_selector("#battle[data-next=ready]")
    preloaded = [url for url in requested if "/outputs/" in url]
    page.keyboard.press("3")
    expect(page.locator("#verdict")).to_contain_text("You voted: Tie")
    # The page tells the server the battle is on screen once it is painted, after the swap.
    with page.expect_response(lambda response: response.url.endswith("/shown/")):
        page.keyboard.press("Enter")
        wait_until_ready(page)
    shown = page.evaluate("[...document.querySelectorAll('#pair img')].map(img => img.src)")
    assert set(shown) <= set(preloaded)  # nothing fetched after Enter: it was all here
    held = Battle.objects.get(token=page.url.rstrip("/").rsplit("/", 1)[1])
    assert held.shown_at is not None


def test_a_pair_is_hidden_until_both_images_load_and_an_early_vote_is_flagged(
    page, live_server, battles, screenshot
):
    held: list = []
    page.route("**/outputs/*", lambda route: held.append(route))  # answered later
    log_in(page, live_server)
    page.wait_for_selector("#battle")
    page.wait_for_function("() => document.querySelectorAll('#pair img').length === 2")
    expect(page.locator("#loading")).to_have_text("Loading both outputs…")
    left = page.locator("#output-left img").get_attribute("src")
    _release(held, lambda url: url.endswith(left))
    page.wait_for_timeout(200)
    assert page.locator("#battle[data-ready]").count() == 0  # one loaded is not ready
    for side in ("left", "right"):
        assert (
            page.locator(f"#output-{side} img").evaluate("img => getComputedStyle(img).visibility")
            == "hidden"
        )
    screenshot("loading")

    page.keyboard.press("4")
    expect(page.locator("#verdict")).to_contain_text("You voted: Both are bad")
    vote = Vote.objects.get()
    assert vote.flagged and "before both outputs had loaded" in vote.flag_reason
    _release(held, lambda url: True)
    page.wait_for_selector("#battle[data-ready]")


def _release(held: list, which) -> None:
    for route in [route for route in held if which(route.request.url)]:
        held.remove(route)
        route.continue_()


def test_images_open_full_size_and_compare_zooms_both_sides_together(
    page, live_server, battles, screenshot
):
    log_in(page, live_server)
    wait_until_ready(page)
    page.locator("#output-left a.zoom").click()
    viewer = page.locator("#viewer")
    expect(viewer).to_be_visible()
    # Drawn at 64 pixels, stored at the canonical size.
    width = page.locator("#viewer-image").evaluate("img => img.naturalWidth")
    assert width == settings.ARENA_OUTPUT_SIZE[0]
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    page.keyboard.press("c")
    compare = page.locator("#compare")
    expect(compare).to_be_visible()
    fitted = page.locator("#zoom-level").inner_text()
    box = page.locator(".pane[data-pane=left]").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 3, box["y"] + box["height"] / 3)
    page.mouse.wheel(0, -400)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
    page.mouse.up()
    expect(page.locator("#zoom-level")).not_to_have_text(fitted)
    transforms = page.locator(".pane img").evaluate_all("imgs => imgs.map(i => i.style.transform)")
    assert transforms[0] == transforms[1] and "scale" in transforms[0]
    screenshot("compare")

    page.keyboard.press("1")  # a vote key closes the compare and votes
    expect(compare).to_be_hidden()
    expect(page.locator("#verdict")).to_contain_text("You voted: Left is better")


def test_the_voting_page_works_under_a_strict_content_security_policy(
    page, live_server, battles, screenshot
):
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    def with_policy(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        route.fulfill(
            response=response,
            headers={**response.headers, "content-security-policy": STRICT_CSP},
        )

    log_in(page, live_server)
    wait_until_ready(page)
    # A document reached through a redirect escapes the route: load the battle page itself.
    page.route("**/*", with_policy)
    assert page.reload().headers["content-security-policy"] == STRICT_CSP
    wait_until_ready(page)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#verdict")).to_contain_text("You voted: Right is better")
    page.keyboard.press("Enter")
    wait_until_ready(page)
    page.keyboard.press("c")
    page.locator("#compare [data-zoom=in]").click()
    expect(page.locator("#zoom-level")).not_to_have_text("100%")
    screenshot("csp")
    assert violations == []
    # The policy was really in force: an inline script is refused, and says so.
    ran = page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.head.append(s);"
        " return window.inlineRan === true; }"
    )
    assert ran is False
    page.wait_for_timeout(100)
    assert any("inline script" in text for text in violations)


def test_the_keyboard_alone_reaches_every_control_with_a_visible_focus(
    page, live_server, battles, screenshot
):
    log_in(page, live_server)
    wait_until_ready(page)
    focused = []
    while not focused or not focused[-1][0].startswith("Compare side by side"):
        assert len(focused) < 20, focused  # the last control is reached, not skipped
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate(
                "() => { const el = document.activeElement;"
                " return [el.getAttribute('aria-label') || el.innerText.trim().split('\\n')[0],"
                " getComputedStyle(el).outlineStyle]; }"
            )
        )
    names = [name for name, _ in focused]
    for control in ("Open the left output full size", "Open the right output full size", "Tie"):
        assert control in names
    assert any(name.startswith("Left is better") for name in names)
    assert [f for f in focused if f[1] == "none"] == []  # every stop shows where it is
    while not page.evaluate("document.activeElement.value === 'tie'"):
        page.keyboard.press("Shift+Tab")
    screenshot("focus")
    page.keyboard.press("Enter")  # a focused button votes like its key
    expect(page.locator("#verdict")).to_contain_text("You voted: Tie")
    expect(page.get_by_role("link", name="Next battle")).to_be_focused()
    page.keyboard.press("Space")
    wait_until_ready(page)
    expect(page.get_by_role("button", name="Left is better")).to_be_visible()
