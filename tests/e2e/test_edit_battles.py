"""Edit battles in a real browser: the source beside the instruction, keys as for any battle,
the compare view flipping between source and edits, a phone, and bringing your own picture."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from arena.models import Battle, Vote
from arena.services import battle_create, edit_prompt_create
from generation.sources import source_hash
from tests.conftest import source_png
from tests.e2e.conftest import ARTIFACTS, close_page, log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)
COLOURS = ["#c0c0c0", "#8fb3d9", "#d9c28f"]


@pytest.fixture
def edit_battles(edit_category, editors, voter, settings):
    """Three ready edit battles, each on its own source picture; no refills meanwhile."""
    settings.ARENA_BATTLE_BUFFER = 0
    settings.ARENA_BATTLES_AHEAD = 0
    prompts = []
    for i, colour in enumerate(COLOURS):
        prompt = edit_prompt_create(
            text=f"Replace the background with a beach, take {i + 1}",
            category=edit_category,
            image=source_png(size=(240, 160), colour=colour),
        )
        battle_create(prompt=prompt, generator_a=editors[0], generator_b=editors[1])
        prompts.append(prompt)
    assert Battle.objects.filter(status=Battle.Status.READY).count() == len(COLOURS)
    return prompts


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"edit-{name}.png"), full_page=True)


def source_src(page) -> str:
    return page.locator("#source-image").evaluate(
        "img => img.complete && img.naturalWidth ? img.src : ''"
    )


def test_an_edit_battle_is_voted_by_keyboard_and_compared_with_its_source(
    browser, live_server, edit_battles, editors
):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    log_in(page, live_server)
    wait_until_ready(page)
    expect(page.locator("#source")).to_be_visible()
    first_source = source_src(page)
    assert first_source.endswith(".png") and "/media/sources/" in first_source
    for editor in editors:
        expect(page.locator("#battle")).not_to_contain_text(editor.name)
    page.evaluate("window.sameDocument = true")
    shoot(page, "1-blind-1440")

    page.keyboard.press("c")
    expect(page.locator("#compare")).to_be_visible()
    toggle = page.locator("#compare-source")
    expect(toggle).to_be_visible()
    edits = page.locator("#compare .pane img").evaluate_all("imgs => imgs.map(i => i.src)")
    expect(page.locator("#compare .pane-label").first).to_have_text("Left edit")
    page.keyboard.press("s")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#compare .pane-label").first).to_have_text("Source")
    shown = page.locator("#compare .pane img").evaluate_all("imgs => imgs.map(i => i.src)")
    assert shown == [first_source, first_source]
    page.wait_for_function(
        "() => [...document.querySelectorAll('#compare .pane img')].every(i => i.complete)"
    )
    shoot(page, "2-compare-source-1440")
    page.keyboard.press("s")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.locator("#compare .pane img").evaluate_all("imgs => imgs.map(i => i.src)") == edits
    shoot(page, "3-compare-edits-1440")
    page.keyboard.press("Escape")
    expect(page.locator("#compare")).to_be_hidden()

    page.keyboard.press("1")
    expect(page.locator("#verdict")).to_contain_text("You voted: Left is better")
    for editor in editors:
        expect(page.locator("#pair").get_by_text(editor.name)).to_be_visible()
    shoot(page, "4-revealed-1440")
    page.wait_for_selector("#battle[data-next=ready]")
    page.keyboard.press("Enter")
    wait_until_ready(page)
    second_source = source_src(page)
    assert second_source and second_source != first_source  # the next edit's own source
    assert page.evaluate("window.sameDocument") is True  # swapped in without a reload
    page.keyboard.press("ArrowRight")
    expect(page.locator("#verdict")).to_contain_text("Right is better")

    votes = list(Vote.objects.order_by("id").select_related("battle__prompt"))
    assert [v.choice for v in votes] == ["left", "right"]
    hashes = [source_hash(v.battle.prompt.source_image) for v in votes]
    assert [first_source.rsplit("/", 1)[-1], second_source.rsplit("/", 1)[-1]] == [
        f"{h}.png" for h in hashes
    ]
    close_page(context, page)


def test_on_a_phone_the_source_sits_above_the_stacked_edits(phone, live_server, edit_battles):
    log_in(phone, live_server)
    wait_until_ready(phone)
    source = phone.locator("#source").bounding_box()
    top = phone.locator("#output-left").bounding_box()
    bottom = phone.locator("#output-right").bounding_box()
    assert source["y"] + source["height"] <= top["y"] < bottom["y"]
    assert source["height"] < 140  # a thumbnail: the edits get the room
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    expect(phone.get_by_role("button", name="Top is better")).to_be_in_viewport()
    shoot(phone, "5-blind-390")
    phone.get_by_role("button", name="Bottom is better").tap()
    expect(phone.locator("#verdict")).to_contain_text("Bottom is better")
    shoot(phone, "6-revealed-390")
    phone.get_by_role("button", name="Compare side by side").tap()
    phone.get_by_role("button", name="Source").tap()
    expect(phone.locator("#compare .pane-label").first).to_have_text("Source")
    expect(phone.get_by_role("button", name="Close")).to_be_in_viewport(ratio=1)
    shoot(phone, "7-compare-source-390")


def test_a_voter_brings_a_picture_and_votes_on_its_two_edits(
    page, live_server, voter, edit_category, editors, settings, tmp_path
):
    settings.ARENA_BATTLE_BUFFER = 0
    picture = tmp_path / "holiday.png"
    picture.write_bytes(source_png(size=(200, 140), colour="#8fd9a8"))
    log_in(page, live_server, path="/prompt/edit/")
    page.get_by_label("Your picture").set_input_files(str(picture))
    page.get_by_label("What should change").fill("Replace the background with a night sky")
    shoot(page, "8-bring-your-own")
    page.get_by_role("button", name="Make two edits").click()
    wait_until_ready(page)
    expect(page.locator("#source")).to_be_visible()
    expect(page.locator("#prompt")).to_have_text("Replace the background with a night sky")
    page.keyboard.press("3")
    expect(page.locator("#verdict")).to_contain_text("Tie")
    assert Vote.objects.get().battle.prompt.category == edit_category


def test_the_source_comes_and_goes_as_generation_and_edit_battles_take_turns(
    page, live_server, voter, category, generators, edit_category, editors, settings
):
    from arena.models import Prompt

    settings.ARENA_BATTLE_BUFFER = 0
    both = editors[0]  # generates and edits
    for i in range(3):
        if i == 1:
            prompt = edit_prompt_create(
                text="Swap the background for snow", category=edit_category, image=source_png()
            )
            battle_create(prompt=prompt, generator_a=both, generator_b=editors[1])
        else:
            prompt = Prompt.objects.create(text=f"A red handbag, take {i}", category=category)
            battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    log_in(page, live_server)
    wait_until_ready(page)
    page.evaluate("window.sameDocument = true")
    seen = []
    for _ in range(3):  # matchmaking picks the order of categories: check whatever comes
        wait_until_ready(page)
        if page.locator("#source").is_visible():
            assert "/media/sources/" in source_src(page)
            seen.append("edit")
        else:
            assert page.locator("#source-image").count() == 0
            seen.append("generate")
        page.keyboard.press("3")
        expect(page.locator("#verdict")).to_contain_text("Tie")
        assert page.evaluate("window.sameDocument") is True  # each swapped in, no reload
        page.wait_for_selector("#battle[data-next]:not([data-next=loading])")
        page.keyboard.press("Enter")
    assert sorted(seen) == ["edit", "generate", "generate"]  # the source came and went
    assert Vote.objects.count() == 3
