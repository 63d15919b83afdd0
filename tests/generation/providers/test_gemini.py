from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from generation.providers import ProviderError
from generation.providers.gemini import GeminiProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

MODEL = "gemini-2.5-flash-image"
PATH = f"/v1beta/models/{MODEL}:generateContent"


@pytest.fixture
def error_body():
    message = "API key not valid. Please pass a valid API key."
    return {"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}, message


def provider(server, client, model=MODEL):
    return GeminiProvider(
        model_id=model, api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def answer(parts, finish="STOP", **extra) -> Reply:
    candidate = {"content": {"role": "model", "parts": parts}, "finishReason": finish}
    return Reply(json={"candidates": [candidate], "modelVersion": MODEL, **extra})


def image_part(data: bytes) -> dict:
    return {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(data).decode()}}


def test_it_sends_the_documented_request_and_decodes_the_image(api_server, http_client, png):
    usage = {"promptTokenCount": 10, "candidatesTokenCount": 1290, "totalTokenCount": 1300}
    api_server.on(
        "POST", PATH, answer([{"text": "Here you go"}, image_part(png)], usageMetadata=usage)
    )
    params = {
        "aspect_ratio": "16:9",
        "temperature": 0.5,
        "input_price_per_mtok": "0.30",
        "output_price_per_mtok": "30",
    }

    output = provider(api_server, http_client, model=f"models/{MODEL}").generate("a fox", params)

    (sent,) = api_server.requests_to(PATH)
    assert sent.headers["x-goog-api-key"] == KEY
    assert "authorization" not in sent.headers
    assert sent.json == {
        "contents": [{"parts": [{"text": "a fox"}]}],
        "generationConfig": {
            "temperature": 0.5,
            "responseModalities": ["IMAGE"],
            "imageConfig": {"aspectRatio": "16:9"},
        },
    }
    assert output.content == png
    assert output.media_type == "image/png"
    assert output.model_version == MODEL
    assert output.cost == Decimal("0.038703")  # 10 * $0.30/M + 1290 * $30/M


def test_it_bills_thinking_tokens_as_output(api_server, http_client, png):
    usage = {"promptTokenCount": 0, "candidatesTokenCount": 100, "thoughtsTokenCount": 900}
    api_server.on("POST", PATH, answer([image_part(png)], usageMetadata=usage))
    prices = {"input_price_per_mtok": 2, "output_price_per_mtok": 120}

    output = provider(api_server, http_client).generate("a fox", prices)

    assert output.cost == Decimal("0.120000")


def test_it_reports_a_blocked_prompt_as_a_permanent_refusal(api_server, http_client):
    blocked = {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"}, "modelVersion": MODEL}
    api_server.on("POST", PATH, Reply(json=blocked))

    with pytest.raises(ProviderError, match=r"content policy.*PROHIBITED_CONTENT") as caught:
        provider(api_server, http_client).generate("something forbidden", {})

    assert caught.value.permanent


def test_it_reports_a_safety_finish_reason_as_a_permanent_refusal(api_server, http_client):
    api_server.on("POST", PATH, Reply(json={"candidates": [{"finishReason": "IMAGE_SAFETY"}]}))

    with pytest.raises(ProviderError, match="IMAGE_SAFETY") as caught:
        provider(api_server, http_client).generate("something forbidden", {})

    assert caught.value.permanent


def test_it_fails_permanently_with_the_models_words_when_it_draws_nothing(api_server, http_client):
    api_server.on("POST", PATH, answer([{"text": "I can only describe it."}], finish="NO_IMAGE"))

    with pytest.raises(ProviderError, match=r"NO_IMAGE.*I can only describe it") as caught:
        provider(api_server, http_client).generate("a fox", {})

    assert caught.value.permanent


def test_it_waits_as_long_as_googles_retry_info_asks(api_server, http_client):
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "37s"}]
    error = {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}
    api_server.on("POST", PATH, Reply(429, json={"error": {**error, "details": details}}))

    with pytest.raises(ProviderError) as caught:
        provider(api_server, http_client).generate("a fox", {})

    assert not caught.value.permanent
    assert caught.value.retry_after == 37.0


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", PATH, failure.reply)

    failure.check(lambda: provider(api_server, http_client).generate("a fox", {}))


def test_bytes_that_are_not_an_image_fail_permanently_in_the_pipeline(api_server, http_client):
    api_server.on("POST", PATH, answer([image_part(NOT_AN_IMAGE)]))

    assert_rejected_as_not_an_image(provider(api_server, http_client).generate("a fox", {}))
