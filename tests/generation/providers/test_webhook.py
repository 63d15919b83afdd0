from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from generation.providers import ProviderError
from generation.providers.webhook import WebhookProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

PATH = "/generate"


@pytest.fixture
def error_body():
    return {"error": "bad token"}, "bad token"


def provider(server, client, api_key=KEY):
    return WebhookProvider(
        model_id="sdxl-brand-lora",
        api_key=api_key,
        key_hosts=LOCAL,
        base_url=server.url + PATH,
        client=client,
    )


def test_it_posts_the_prompt_and_accepts_raw_image_bytes(api_server, http_client, png):
    api_server.on("POST", PATH, Reply(body=png, headers={"Content-Type": "image/png"}))

    output = provider(api_server, http_client).generate("a fox", {"steps": 20, "timeout_s": 5})

    (sent,) = api_server.requests_to(PATH)
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {"prompt": "a fox", "model": "sdxl-brand-lora", "parameters": {"steps": 20}}
    assert output.content == png
    assert output.media_type == "image/png"


@pytest.mark.parametrize("field", ["image_base64", "b64_json"])
def test_it_decodes_base64_json_with_its_metadata(api_server, http_client, png, field):
    body = {field: base64.b64encode(png).decode(), "model_version": "lora-7", "cost": "0.0021"}
    api_server.on("POST", PATH, Reply(json=body))

    output = provider(api_server, http_client).generate("a fox", {})

    assert output.content == png
    assert output.model_version == "lora-7"
    assert output.cost == Decimal("0.0021")


@pytest.mark.parametrize("field", ["image_url", "url"])
def test_it_downloads_an_image_url(api_server, cdn_server, http_client, png, field):
    api_server.on("POST", PATH, Reply(json={field: cdn_server.url + "/out.png"}))
    cdn_server.on("GET", "/out.png", Reply(body=png, headers={"Content-Type": "image/png"}))

    output = provider(api_server, http_client).generate("a fox", {})

    assert output.content == png
    assert output.cost is None


def test_it_accepts_text_and_sends_no_auth_without_a_key(api_server, http_client):
    api_server.on("POST", PATH, Reply(json={"text": "a haiku"}))

    output = provider(api_server, http_client, api_key="").generate("write a haiku", {})

    assert "authorization" not in api_server.requests_to(PATH)[0].headers
    assert output.text == "a haiku"
    assert output.media_type == "text/plain"


def test_it_needs_a_base_url(http_client):
    webhook = WebhookProvider(model_id="x", client=http_client)

    with pytest.raises(ProviderError, match="needs a base URL") as caught:
        webhook.generate("a fox", {})

    assert caught.value.permanent


def test_it_rejects_json_without_any_output(api_server, http_client):
    api_server.on("POST", PATH, Reply(json={"status": "ok"}))

    with pytest.raises(ProviderError, match="no image_base64") as caught:
        provider(api_server, http_client).generate("a fox", {})

    assert caught.value.permanent


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", PATH, failure.reply)

    failure.check(lambda: provider(api_server, http_client).generate("a fox", {}))


def test_bytes_that_are_not_an_image_fail_permanently_in_the_pipeline(api_server, http_client):
    api_server.on("POST", PATH, Reply(body=NOT_AN_IMAGE, headers={"Content-Type": "image/png"}))

    assert_rejected_as_not_an_image(provider(api_server, http_client).generate("a fox", {}))
