"""Providers say when the key itself was rejected, so the arena can turn the generator off."""

from __future__ import annotations

import httpx
import pytest

from generation.providers import ProviderError
from generation.providers.http import Api
from generation.providers.openai_images import OpenAIImagesProvider
from tests.generation.providers.conftest import KEY, LOCAL, Reply

PATH = "/v1/images/generations"


def _error(status: int, body: dict) -> ProviderError:
    api = Api(None, headers={}, secret=KEY, origin=("http", "api.example"))
    return api.error_for(httpx.Response(status, json=body))


@pytest.mark.parametrize("status", [401, 403])
def test_a_rejected_key_is_a_permanent_auth_error(status):
    error = _error(status, {"error": {"message": "Invalid API key"}})
    assert error.permanent and error.auth


@pytest.mark.parametrize("status", [400, 404, 422, 429, 500])
def test_other_failures_say_nothing_about_the_key(status):
    assert not _error(status, {"error": {"message": "no"}}).auth


def test_a_content_refusal_answered_with_403_is_not_a_key_problem():
    error = _error(403, {"error": {"message": "no", "code": "content_policy_violation"}})
    assert error.permanent and not error.auth


def test_a_provider_answering_401_raises_an_auth_error(api_server, http_client):
    api_server.on("POST", PATH, Reply(401, json={"error": {"message": "Incorrect API key"}}))
    provider = OpenAIImagesProvider(
        model_id="gpt-image-1",
        api_key=KEY,
        key_hosts=LOCAL,
        base_url=api_server.url,
        client=http_client,
    )
    with pytest.raises(ProviderError) as caught:
        provider.generate("a cat", {})
    assert caught.value.auth and caught.value.permanent
    assert KEY not in str(caught.value)


def test_a_cdn_refusing_a_download_is_not_blamed_on_the_key(api_server, cdn_server, http_client):
    image_url = f"{cdn_server.url}/expired.png"
    api_server.on("POST", PATH, Reply(json={"data": [{"url": image_url}]}))
    cdn_server.on("GET", "/expired.png", Reply(403, body=b"<Error>Request has expired</Error>"))
    provider = OpenAIImagesProvider(
        model_id="dall-e-3",
        api_key=KEY,
        key_hosts=LOCAL,
        base_url=api_server.url,
        client=http_client,
    )
    with pytest.raises(ProviderError) as caught:
        provider.generate("a cat", {})
    assert caught.value.permanent and not caught.value.auth
