"""The demo as a newcomer sees it: two voting pages in a row, no generator's look to learn."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from arena.models import Battle
from generation.models import Generator
from tests.e2e.conftest import close_page, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings, demo_drawn_small):
    # Drawn small and enlarged to the box: the simulated votes' outputs are quick to make.
    settings.ARENA_OUTPUT_SIZE = (512, 512)
    call_command("demo", battles=1, stdout=io.StringIO())
    return list(Generator.objects.values_list("name", flat=True))


def _log_in_as_demo(page, live_server) -> None:
    page.goto(f"{live_server.url}/vote/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("demo-arena")
    page.get_by_role("button", name="Log in").click()


@pytest.mark.parametrize("width", [1440, 390])
def test_two_demo_voting_pages_in_a_row_name_no_model_and_share_no_look(
    browser, live_server, demo, width, request
):
    from tests.e2e.conftest import ARTIFACTS

    context = browser.new_context(viewport={"width": width, "height": 1000})
    page = context.new_page()
    _log_in_as_demo(page, live_server)
    sources = []
    for step in (1, 2):
        wait_until_ready(page)
        prompt = page.locator("#prompt").inner_text()  # a prompt may say "Ember & Bean"
        text = page.locator("#battle").inner_text().replace(prompt, "")
        assert not [name for name in demo if name in text]
        sources += page.evaluate("[...document.querySelectorAll('#pair img')].map(i => i.src)")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"demo-blind-{width}-{step}.png"), full_page=True)
        page.keyboard.press("3")
        expect(page.locator("#verdict")).to_contain_text("You voted: Tie")
        page.keyboard.press("Enter")
    assert len(set(sources)) == 4  # four outputs, four addresses, none from a stored name
    assert all("/outputs/" in src and ".png" not in src for src in sources)
    assert Battle.objects.filter(voter__username="demo", status="voted").count() == 2
    close_page(context, page)
