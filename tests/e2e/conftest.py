"""A real browser (Debian's chromium, driven by Playwright) against a live test server."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

# Rate-limit counters live in the cache, which the live server's thread shares with the test.
from tests.arena.conftest import fresh_cache  # noqa: F401 (an autouse fixture)

BATTLES = 8
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="package", autouse=True)
def orm_beside_playwright():
    """Allow the ORM in the thread where Playwright's sync API runs its event loop.

    The calls are still synchronous and safe. Only for these tests: the variable must not
    leak into the rest of the run (``check --deploy`` rightly refuses it).
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(orm_beside_playwright):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not shutil.which(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI needs Playwright and chromium at {CHROMIUM}")
        pytest.skip(f"needs Playwright and chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def close_page(context, page) -> None:
    # The page's last requests (a preload, an output) finish before the test's database is
    # emptied: a request still running then holds locks that the flush deadlocks against.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_load_state("networkidle", timeout=10_000)
    context.close()


# Both take the live server, so that they close before it stops and the database is flushed.
@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    close_page(context, page)


@pytest.fixture
def phone(browser, live_server):
    """A page in a phone-sized, touch-screen browser (390 x 844, as an iPhone 14)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    close_page(context, page)


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot named after the test under test-artifacts/ (of ``page`` or another)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(step: str, of=None) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        (of or page).screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def battles(category, generators, voter, settings):
    """``BATTLES`` ready battles on different prompts, and no refills behind the test's back.

    Returns the two generators they are made of.
    """
    from arena.models import Battle, Prompt
    from arena.services import battle_create

    settings.ARENA_BATTLE_BUFFER = 0
    for i in range(BATTLES):
        prompt = Prompt.objects.create(
            text=f"A red handbag on marble, take {i + 1}", category=category
        )
        battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    assert Battle.objects.filter(status=Battle.Status.READY).count() == BATTLES
    return generators


def log_in(page, live_server, path: str = "/vote/", password: str = "voter-pass-123") -> None:
    """Open ``path`` signed out, and sign in as the ``voter`` fixture on the login form."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.get_by_label("Username").fill("voter")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Signed in once the next page has its document: a screenshot taken while it is on its
    # way fails ("Unable to capture screenshot").
    page.wait_for_url(lambda url: "/accounts/login/" not in url, wait_until="domcontentloaded")


def wait_until_ready(page) -> None:
    """Wait until the battle on screen shows both of its images, decoded, ready to judge."""
    page.wait_for_selector("#battle[data-state=voting][data-ready]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#pair img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
