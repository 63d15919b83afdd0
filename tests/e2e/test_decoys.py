"""A decoy battle in a real browser: the same page, addresses and bytes as any battle before
the vote; after it, the reveal says it was an attention check."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from arena.models import Battle, DecoyCheck, Prompt, Vote
from arena.services import battle_create
from tests.e2e.conftest import ARTIFACTS, close_page, log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)

# What differs from battle to battle by design: its token, its per-battle output addresses,
# the form's CSRF token, the prompt's text and the voter's running tally.
PER_BATTLE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "TOKEN"),
    (re.compile(r"/outputs/[^\"'\s]+"), "/outputs/ADDRESS"),
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"'), "CSRF"),
    (re.compile(r'(<span id="tally-count">)\d+(</span> <span id="tally-unit">)votes?'), r"\1N\2"),
]


@pytest.fixture
def normal_and_decoy(category, generators, voter, settings):
    """A normal battle, then a decoy whose output b was made for a third prompt."""
    settings.ARENA_BATTLE_BUFFER = 0
    texts = ("A red handbag on marble", "A glass perfume bottle", "Running shoes in the sky")
    first, second, elsewhere = (Prompt.objects.create(text=t, category=category) for t in texts)
    source = battle_create(prompt=elsewhere, generator_a=generators[0], generator_b=generators[1])
    Battle.objects.filter(id=source.id).update(status=Battle.Status.FAILED)  # never offered
    normal = battle_create(prompt=first, generator_a=generators[0], generator_b=generators[1])
    decoy = battle_create(
        prompt=second, generator_a=generators[0], generator_b=generators[1],
        decoy=source.generation_b,
    )  # fmt: skip
    assert Battle.objects.filter(status=Battle.Status.READY).count() == 2
    return normal, decoy


def _shown(page, live_server) -> dict:
    """The battle on screen as its server page and output bytes, fetched with the session."""
    token = page.url.rstrip("/").rsplit("/", 1)[1]
    html = page.request.get(f"{live_server.url}/vote/{token}/").text()
    prompt = Battle.objects.get(token=token).prompt.text
    addresses = re.findall(r'<img src="(/outputs/[^"]+)"', html)
    outputs = [page.request.get(f"{live_server.url}{a}") for a in addresses]
    normal = html.replace(prompt, "PROMPT")
    for pattern, replacement in PER_BATTLE:
        normal = pattern.sub(replacement, normal)
    return {
        "token": token,
        "html": normal,
        "addresses": addresses,
        "bodies": [o.body() for o in outputs],
        "headers": [
            {k: v for k, v in o.headers.items() if k not in ("date", "etag", "last-modified")}
            for o in outputs
        ],
    }


def _shape(address: str) -> str:
    return re.sub(r"[A-Za-z0-9_-]", "x", address)


@pytest.mark.parametrize("width", [1440, 390])
def test_a_decoy_looks_like_any_battle_until_the_reveal_says_what_it_was(
    browser, live_server, normal_and_decoy, voter, width
):
    normal, decoy = normal_and_decoy
    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    log_in(page, live_server)
    seen = {}
    for step in (1, 2):
        wait_until_ready(page)
        shown = _shown(page, live_server)
        which = "decoy" if shown["token"] == str(decoy.token) else "normal"
        seen[which] = shown
        expect(page.locator("#decoy-note")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / f"decoy-{width}-{which}-blind.png"), full_page=True)
        page.wait_for_timeout(900)  # past ARENA_MIN_VOTE_MS
        page.keyboard.press("4")  # both bad: a pass on a decoy
        expect(page.locator("#verdict")).to_contain_text("You voted")
        if which == "decoy":
            expect(page.locator("#decoy-note")).to_be_visible()
            expect(page.locator("#decoy-note")).to_contain_text("This was an attention check")
            expect(page.locator("#decoy-note")).to_contain_text("Passed.")
        else:
            expect(page.locator("#decoy-note")).to_be_hidden()
        page.screenshot(path=str(ARTIFACTS / f"decoy-{width}-{which}-reveal.png"), full_page=True)
        if step == 1:
            page.keyboard.press("Enter")
            expect(page.locator("#battle")).to_have_attribute("data-state", "voting")
    assert set(seen) == {"normal", "decoy"}
    plain, check = seen["normal"], seen["decoy"]
    assert check["html"] == plain["html"]  # the same page apart from per-battle tokens
    shapes = [_shape(a) for a in plain["addresses"] + check["addresses"]]
    assert len(set(shapes)) == 1 and len(set(plain["addresses"] + check["addresses"])) == 4
    # Every side is the same length with the same header bytes (the one served-bytes rule).
    bodies = plain["bodies"] + check["bodies"]
    assert len({len(b) for b in bodies}) == 1
    assert len({b[:33] for b in bodies}) == 1
    assert check["headers"] == plain["headers"]
    assert Vote.objects.get().battle_id == normal.id
    assert DecoyCheck.objects.get().battle_id == decoy.id
    close_page(context, page)
