from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from generation.providers import ProviderError
from generation.providers.openai_images import OpenAIImagesProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

PATH = "/v1/images/generations"


@pytest.fixture
def error_body():
    message = "Incorrect API key provided: sk-test***1234."
    return {"error": {"message": message, "type": "invalid_request_error", "code": "x"}}, message


def provider(server, client, model="gpt-image-1"):
    return OpenAIImagesProvider(
        model_id=model, api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def b64_reply(data: bytes, **extra) -> Reply:
    return Reply(
        json={"created": 1, "data": [{"b64_json": base64.b64encode(data).decode()}], **extra}
    )


def test_it_sends_the_documented_request_and_decodes_the_image(api_server, http_client, png):
    usage = {"input_tokens": 50, "output_tokens": 4160, "total_tokens": 4210}
    api_server.on("POST", PATH, b64_reply(png, usage=usage, output_format="webp"))
    params = {
        "size": "1024x1024",
        "quality": "low",
        "output_format": "webp",
        "timeout_s": 30,
        "input_price_per_mtok": 5,
        "output_price_per_mtok": 40,
    }

    output = provider(api_server, http_client).generate("a red handbag", params)

    (sent,) = api_server.requests_to(PATH)
    assert sent.method == "POST"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {
        "model": "gpt-image-1",
        "prompt": "a red handbag",
        "n": 1,
        "size": "1024x1024",
        "quality": "low",
        "output_format": "webp",
    }
    assert output.content == png
    assert output.media_type == "image/webp"
    assert output.cost == Decimal("0.166650")  # 50 * $5/M + 4160 * $40/M


def test_it_reports_no_cost_without_prices(api_server, http_client, png):
    api_server.on("POST", PATH, b64_reply(png, usage={"input_tokens": 5, "output_tokens": 9}))

    output = provider(api_server, http_client).generate("a cat", {})

    assert output.cost is None
    assert output.model_version == ""


def test_it_downloads_the_url_that_dall_e_models_answer(api_server, http_client, png):
    api_server.on("POST", PATH, Reply(json={"data": [{"url": f"{api_server.url}/img.png"}]}))
    api_server.on("GET", "/img.png", Reply(body=png, headers={"Content-Type": "image/png"}))

    output = provider(api_server, http_client, model="dall-e-3").generate("a cat", {})

    assert output.content == png


@pytest.mark.parametrize("code", ["moderation_blocked", "content_policy_violation"])
def test_it_reports_a_moderation_block_as_a_permanent_refusal(api_server, http_client, code):
    error = {"message": "Your request was rejected by the safety system.", "code": code}
    api_server.on(
        "POST", PATH, Reply(400, json={"error": {**error, "type": "image_generation_user_error"}})
    )

    with pytest.raises(ProviderError) as caught:
        provider(api_server, http_client).generate("something forbidden", {})

    assert caught.value.permanent
    assert "content policy" in str(caught.value)
    assert "rejected by the safety system" in str(caught.value)


def test_it_treats_an_exhausted_quota_as_permanent(api_server, http_client):
    error = {"message": "You exceeded your current quota", "code": "insufficient_quota"}
    api_server.on("POST", PATH, Reply(429, json={"error": error}))

    with pytest.raises(ProviderError) as caught:
        provider(api_server, http_client).generate("a cat", {})

    assert caught.value.permanent


def test_it_rejects_an_answer_without_image_data(api_server, http_client):
    api_server.on("POST", PATH, Reply(json={"data": []}))

    with pytest.raises(ProviderError, match="no base64 image data") as caught:
        provider(api_server, http_client).generate("a cat", {})

    assert caught.value.permanent


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", PATH, failure.reply)

    failure.check(lambda: provider(api_server, http_client).generate("a cat", {}))


def test_bytes_that_are_not_an_image_fail_permanently_in_the_pipeline(api_server, http_client):
    api_server.on("POST", PATH, b64_reply(NOT_AN_IMAGE))

    assert_rejected_as_not_an_image(provider(api_server, http_client).generate("a cat", {}))
