"""Bring your own prompt in a browser: type, watch it generate, vote; and a failure, retried."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from arena.models import Category, Prompt, Vote
from generation.models import Generator
from generation.tasks import generate
from tests.conftest import make_generator
from tests.e2e.conftest import log_in, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)
TYPED = "A travel poster with the words VISIT OSLO"


@pytest.fixture
def categories(category, settings):
    settings.ARENA_BATTLE_BUFFER = 0
    category.description = "E-commerce packshots: handbags, shoes, bottles on plain backgrounds."
    category.save()
    text = Category.objects.create(
        slug="text-in-image",
        name="Text in image",
        description="Pictures whose point is legible text: signs, posters, labels, menus.",
    )
    Prompt.objects.create(text="A neon sign that reads OPEN LATE", category=text)
    return category, text


@pytest.fixture
def worker(monkeypatch):
    """Generations wait in the queue until the test, playing the worker, runs them."""
    queued: list[int] = []
    monkeypatch.setattr(generate, "delay", lambda generation_id: queued.append(generation_id))
    return queued


def test_a_voter_types_a_prompt_watches_it_generate_and_votes_on_it(
    page, live_server, voter, generators, categories, worker, screenshot
):
    log_in(page, live_server, path="/prompt/")
    page.get_by_label("Your prompt").fill(TYPED)
    expect(page.get_by_label("Category")).to_have_value("")  # left to the arena
    page.get_by_role("button", name="Generate two outputs").click()
    message = page.locator("#progress-message")
    expect(message).to_have_text("Generating: 0 of 2 outputs ready.")
    expect(page.get_by_text("Category: Text in image")).to_be_visible()
    screenshot("1-generating")

    assert len(worker) == 2
    generate.apply(args=[worker[0]])
    expect(message).to_have_text("Generating: 1 of 2 outputs ready.")
    expect(page.locator("#outputs-progress li").first).to_contain_text("done")
    generate.apply(args=[worker[1]])
    wait_until_ready(page)  # the page opened the battle by itself
    expect(page.locator("#prompt")).to_have_text(TYPED)
    expect(page.locator("#category")).to_have_text("Text in image")
    for generator in generators:
        expect(page.get_by_text(generator.name)).to_have_count(0)
    screenshot("2-ready")

    page.keyboard.press("2")
    expect(page.locator("#verdict")).to_have_text("You voted: Right is better.")
    screenshot("3-revealed")
    vote = Vote.objects.get()
    assert vote.battle.requested_by == voter
    assert (vote.battle.prompt.text, vote.battle.prompt.source) == (TYPED, "voter")
    assert vote.category.slug == "text-in-image"


def test_a_failed_generation_says_so_and_another_pair_can_be_tried(
    page, live_server, voter, generators, categories, screenshot
):
    broken = make_generator("Broken", fail="permanent")
    Generator.objects.filter(pk=generators[1].pk).update(enabled=False)
    log_in(page, live_server, path="/prompt/")
    page.get_by_label("Your prompt").fill("A glass teapot on a linen cloth")
    page.get_by_label("Category").select_option(label="Product shots")
    page.get_by_role("button", name="Generate two outputs").click()
    expect(page.locator("#progress-message")).to_contain_text(
        "One of the two models could not make an output for this prompt"
    )
    retry = page.get_by_role("button", name="Try another pair")
    expect(retry).to_be_visible()
    expect(page.get_by_text(broken.name)).to_have_count(0)  # blind, even when it fails
    screenshot("1-failed")

    Generator.objects.filter(pk=generators[1].pk).update(enabled=True)
    retry.click()
    wait_until_ready(page)
    expect(page.locator("#prompt")).to_have_text("A glass teapot on a linen cloth")
    page.keyboard.press("3")
    expect(page.locator("#verdict")).to_contain_text("You voted: Tie")
    for generator in generators:
        expect(page.locator("#pair").get_by_text(generator.name)).to_be_visible()
    assert Vote.objects.get().battle.prompt.category.name == "Product shots"
