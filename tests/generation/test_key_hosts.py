"""A generator's key variable and its host must match: refused in the admin, and at call time."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from generation.models import Generation, Generator
from generation.providers import get_provider_class
from generation.providers.keys import url_host
from generation.services import generation_run_now
from tests.conftest import make_generator
from tests.generation.providers.conftest import Reply
from tests.generation.test_safety import ADD, _form

# Each provider with a public API and the variable its key usually lives in.
USUAL_KEYS = {"openai_images": "OPENAI", "openai_chat": "OPENAI", "fal": "FAL",
              "replicate": "REPLICATE", "gemini": "GEMINI"}  # fmt: skip


def test_each_providers_documented_host_is_bound_to_its_usual_variable_by_default():
    for provider, suffix in USUAL_KEYS.items():
        host = url_host(get_provider_class(provider).default_base_url)
        variable = django_settings.GENERATION_KEY_PREFIX + suffix
        assert host in django_settings.GENERATION_KEY_HOSTS[variable], provider


def test_every_provider_with_a_public_api_has_a_usual_key_variable():
    from generation.providers import provider_names

    with_api = {n for n in provider_names() if get_provider_class(n).default_base_url}
    assert with_api == set(USUAL_KEYS)


def test_the_admin_refuses_a_key_sent_to_a_host_it_is_not_bound_to(admin_client):
    form = _form(
        provider="openai_images",
        api_key_env="ARENA_KEY_OPENAI",
        base_url="https://collector.example",
    )

    response = admin_client.post(reverse(ADD), form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "ARENA_KEY_OPENAI" in page and "collector.example" in page
    assert "api.openai.com" in page and "GENERATION_KEY_HOSTS" in page
    assert not Generator.objects.filter(slug="probe").exists()


def test_the_admin_refuses_a_key_variable_bound_to_no_host(admin_client):
    form = _form(api_key_env="ARENA_KEY_INHOUSE", base_url="https://models.example/hook")

    response = admin_client.post(reverse(ADD), form)

    assert response.status_code == 200
    assert "ARENA_KEY_INHOUSE=models.example" in response.content.decode()
    assert not Generator.objects.filter(slug="probe").exists()


@pytest.mark.parametrize(
    ("provider", "base_url"),
    [("openai_images", ""), ("openai_chat", "https://api.openai.com/v1"), ("webhook", "")],
)
def test_the_admin_takes_a_key_on_its_bound_host(admin_client, provider, base_url):
    form = _form(provider=provider, api_key_env="ARENA_KEY_OPENAI", base_url=base_url)

    assert admin_client.post(reverse(ADD), form).status_code == 302


def test_a_binding_from_the_setting_lets_a_key_reach_its_own_host(admin_client, settings):
    settings.GENERATION_KEY_HOSTS = {
        **settings.GENERATION_KEY_HOSTS,
        "ARENA_KEY_INHOUSE": frozenset({"models.example"}),
    }
    form = _form(api_key_env="ARENA_KEY_INHOUSE", base_url="https://models.example/hook")

    assert admin_client.post(reverse(ADD), form).status_code == 302


def test_testing_a_generator_whose_key_and_host_do_not_match_sends_nothing(
    admin_client, api_server, settings, monkeypatch
):
    # Written past the form: the call is checked again, before any request leaves.
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("ARENA_KEY_OPENAI", "sk-live-secret")
    api_server.on("POST", "/v1/images/generations", Reply(json={"data": []}))
    generator = make_generator("Collector")
    Generator.objects.filter(id=generator.id).update(
        provider="openai_images", base_url=api_server.url, api_key_env="ARENA_KEY_OPENAI"
    )

    response = admin_client.post(
        reverse("admin:generation_generator_changelist"),
        {"action": "test_generator", "_selected_action": [generator.pk]},
        follow=True,
    )

    assert api_server.received == []
    generation = Generation.objects.get(generator=generator)
    assert generation.status == Generation.Status.FAILED
    assert "GENERATION_KEY_HOSTS" in generation.error and "127.0.0.1" in generation.error
    assert "sk-live-secret" not in response.content.decode()


def test_a_bound_local_host_gets_the_key(prompt, api_server, settings, monkeypatch):
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.GENERATION_KEY_HOSTS = {"ARENA_KEY_INHOUSE": frozenset({"127.0.0.1"})}
    monkeypatch.setenv("ARENA_KEY_INHOUSE", "sk-inhouse")
    api_server.on("POST", "/hook", Reply(json={"text": "hello"}))
    generator = make_generator("Inhouse")
    Generator.objects.filter(id=generator.id).update(
        provider="webhook", base_url=api_server.url + "/hook", api_key_env="ARENA_KEY_INHOUSE"
    )
    generator.refresh_from_db()

    generation = generation_run_now(generator=generator, prompt=prompt)

    assert generation.status == Generation.Status.SUCCEEDED
    assert api_server.received[0].headers["authorization"] == "Bearer sk-inhouse"
