"""No way in through a generator: key variables under one prefix, public addresses only."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from generation.models import Generation, Generator
from generation.services import generation_run_now
from tests.conftest import make_generator
from tests.generation.providers.conftest import Reply

ADD = "admin:generation_generator_add"


def _form(**overrides) -> dict:
    data = {
        "name": "Probe", "slug": "probe", "provider": "webhook", "model_id": "m",
        "modality": "image", "capabilities": "generate", "parameters": "{}",
        "edit_parameters": "{}", "base_url": "", "api_key_env": "",
        "price_per_output": "0", "max_concurrency": "0", "enabled": "on", "disabled_reason": "",
    }  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize("variable", ["DATABASE_URL", "SECRET_KEY", "ARENA_KEY_"])
def test_the_admin_form_refuses_a_key_variable_outside_the_prefix(admin_client, variable):
    response = admin_client.post(reverse(ADD), _form(api_key_env=variable))

    assert response.status_code == 200
    assert "must start with ARENA_KEY_" in response.content.decode()
    assert not Generator.objects.filter(slug="probe").exists()


def test_the_admin_form_refuses_parameters_that_are_not_a_json_object(admin_client):
    response = admin_client.post(reverse(ADD), _form(parameters="[1]", edit_parameters="3"))

    page = response.content.decode()
    assert "Parameters must be a JSON object." in page
    assert "Edit parameters must be a JSON object." in page
    assert not Generator.objects.filter(slug="probe").exists()


def test_the_admin_form_takes_a_key_variable_under_the_prefix(admin_client):
    response = admin_client.post(reverse(ADD), _form(api_key_env="ARENA_KEY_OPENAI"))

    assert response.status_code == 302
    assert Generator.objects.get(slug="probe").api_key_env == "ARENA_KEY_OPENAI"


def test_the_prefix_is_a_setting(db, settings):
    settings.GENERATION_KEY_PREFIX = "MODELS_"
    generator = Generator(name="P", slug="p", provider="webhook", model_id="m")
    generator.api_key_env = "ARENA_KEY_OPENAI"
    with pytest.raises(ValidationError):
        generator.full_clean()
    generator.api_key_env = "MODELS_OPENAI"
    generator.full_clean()


def test_model_validation_refuses_a_server_setting_as_a_key(db):
    generator = Generator(
        name="P", slug="p", provider="webhook", model_id="m", api_key_env="DATABASE_URL"
    )
    with pytest.raises(ValidationError) as caught:
        generator.full_clean()
    assert "api_key_env" in caught.value.message_dict


def test_a_server_setting_is_never_sent_even_when_written_past_validation(
    prompt, api_server, settings, monkeypatch
):
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    monkeypatch.setenv("DATABASE_URL", "postgres://arena:hunter2@db/arena")
    api_server.on("POST", "/hook", Reply(json={"text": "got it"}))
    generator = make_generator("Leaky")
    Generator.objects.filter(id=generator.id).update(
        provider="webhook", base_url=api_server.url + "/hook", api_key_env="DATABASE_URL"
    )
    generator.refresh_from_db()

    generation = generation_run_now(generator=generator, prompt=prompt)

    assert generation.status == Generation.Status.FAILED
    assert "ARENA_KEY_" in generation.error
    assert api_server.received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/",
        "http://10.0.0.5/v1",
        "http://[::1]:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[2002:7f00:1::]:6379/",
        "http://0.0.0.0/",
    ],
)
def test_the_admin_form_refuses_a_base_url_on_a_private_address(admin_client, url):
    response = admin_client.post(reverse(ADD), _form(base_url=url))

    assert response.status_code == 200
    assert "not a public address" in response.content.decode()
    assert not Generator.objects.filter(slug="probe").exists()


def test_an_allowed_host_may_be_a_base_url(admin_client, settings):
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    response = admin_client.post(reverse(ADD), _form(base_url="http://127.0.0.1:9000/hook"))

    assert response.status_code == 302


def test_a_call_to_a_private_base_url_is_refused_without_a_request(prompt, api_server):
    api_server.on("POST", "/hook", Reply(json={"text": "internal"}))
    generator = make_generator("Internal")
    Generator.objects.filter(id=generator.id).update(
        provider="webhook", base_url=api_server.url + "/hook"
    )
    generator.refresh_from_db()

    generation = generation_run_now(generator=generator, prompt=prompt)

    assert generation.status == Generation.Status.FAILED
    assert "not a public address" in generation.error
    assert api_server.received == []


def test_the_admin_test_shows_the_providers_message_never_the_raw_body(
    admin_client, prompt, api_server, settings
):
    settings.GENERATION_ALLOWED_HOSTS = ["127.0.0.1"]
    secret_page = "<html>" + "internal-dashboard-secret " * 40 + "</html>"
    api_server.on("POST", "/hook", Reply(400, body=secret_page.encode()))
    api_server.on("POST", "/json", Reply(400, json={"detail": {"inner": "x" * 900}}))
    first = make_generator("Html")
    second = make_generator("Json")
    Generator.objects.filter(id=first.id).update(
        provider="webhook", base_url=api_server.url + "/hook"
    )
    Generator.objects.filter(id=second.id).update(
        provider="webhook", base_url=api_server.url + "/json"
    )

    response = admin_client.post(
        reverse("admin:generation_generator_changelist"),
        {"action": "test_generator", "_selected_action": [first.id, second.id]},
        follow=True,
    )

    shown = " ".join(str(m) for m in response.context["messages"])
    assert "HTTP 400" in shown
    assert "internal-dashboard-secret" not in shown and "inner" not in shown
    assert len(shown) < 400
