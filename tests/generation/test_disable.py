"""A generator whose key the provider rejects is turned off, and its waiting battles replaced."""

from __future__ import annotations

import pytest

from arena.models import Battle, Prompt
from arena.services import battle_create, battles_refill
from generation.models import Generation, Generator
from generation.services import generation_get_or_create, generator_disable
from generation.tasks import generate
from tests.conftest import make_generator
from tests.generation.providers.conftest import Reply

KEY_VARIABLE = "ARENA_KEY_TEST_REJECTED"


@pytest.fixture
def rejected(db, api_server, monkeypatch, settings) -> Generator:
    """A generator on a local OpenAI-style API that answers 401 to its key."""
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.GENERATION_KEY_HOSTS = {KEY_VARIABLE: frozenset({"127.0.0.1"})}
    monkeypatch.setenv(KEY_VARIABLE, "sk-revoked-1234")
    api_server.on(
        "POST",
        "/v1/images/generations",
        Reply(401, json={"error": {"message": "Incorrect API key provided", "code": "bad_key"}}),
    )
    return Generator.objects.create(
        name="Revoked",
        slug="revoked",
        provider="openai_images",
        model_id="gpt-image-1",
        base_url=api_server.url,
        api_key_env=KEY_VARIABLE,
    )


def _battle(prompt, a, b, capture, execute=False) -> Battle:
    with capture(execute=execute):
        return battle_create(prompt=prompt, generator_a=a, generator_b=b)


def test_a_rejected_key_disables_the_generator_with_the_reason(prompt, rejected):
    generation, _ = generation_get_or_create(prompt=prompt, generator=rejected)

    assert generate.apply(args=[generation.id]).get() == Generation.Status.FAILED

    rejected.refresh_from_db()
    generation.refresh_from_db()
    assert not rejected.enabled
    reason = rejected.disabled_reason
    assert "rejected the API key" in reason
    assert "HTTP 401" in reason and "Incorrect API key" in reason
    assert "sk-revoked-1234" not in rejected.disabled_reason
    assert generation.status == Generation.Status.FAILED and "HTTP 401" in generation.error
    assert generation.attempts == 1  # a rejected key is not retried


def test_its_waiting_battles_fail_and_the_buffer_is_refilled_without_it(
    category, prompt, generators, rejected, api_server, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    first = _battle(prompt, rejected, generators[0], capture)
    other_prompt = Prompt.objects.create(text="A blue teapot", category=category)
    waiting = _battle(other_prompt, generators[1], rejected, capture)

    with capture(execute=True):
        generate.apply(args=[first.generation_a_id])

    for battle in (first, waiting):
        battle.refresh_from_db()
        assert battle.status == Battle.Status.FAILED
    error = Generation.objects.get(id=waiting.generation_b_id).error
    assert error.startswith("generator disabled: The provider rejected the API key")
    # The waiting generation was failed without asking the provider a second time.
    assert len(api_server.requests_to("/v1/images/generations")) == 1
    fresh = Battle.objects.exclude(id__in=[first.id, waiting.id])
    assert fresh.exists()
    assert not fresh.filter(generator_a=rejected).exists()
    assert not fresh.filter(generator_b=rejected).exists()


def test_a_disabled_generator_is_left_out_of_new_battles(category, prompt, generators):
    third = make_generator("Cobalt")
    generator_disable(generator_id=third.id, reason="The provider rejected the API key: 401")

    battles_refill(category_id=category.id, buffer=6)

    used = set(Battle.objects.values_list("generator_a", flat=True))
    used |= set(Battle.objects.values_list("generator_b", flat=True))
    assert third.id not in used and used == {g.id for g in generators}


def test_disabling_twice_keeps_the_first_reason(generators):
    assert generator_disable(generator_id=generators[0].id, reason="first")
    assert not generator_disable(generator_id=generators[0].id, reason="second")
    generators[0].refresh_from_db()
    assert generators[0].disabled_reason == "first"


def test_a_permanent_error_that_is_not_about_the_key_leaves_the_generator_on(prompt):
    broken = make_generator("Broken", fail="permanent")
    generation, _ = generation_get_or_create(prompt=prompt, generator=broken)

    generate.apply(args=[generation.id])

    broken.refresh_from_db()
    assert broken.enabled and broken.disabled_reason == ""
