from __future__ import annotations

from decimal import Decimal

import pytest

from generation.providers import ProviderError
from generation.providers.openai_chat import OpenAIChatProvider
from tests.generation.providers.conftest import KEY, LOCAL, Reply

PATH = "/v1/chat/completions"


@pytest.fixture
def error_body():
    message = "Incorrect API key provided: sk-test***1234."
    return {"error": {"message": message, "type": "invalid_request_error", "code": None}}, message


def provider(base_url, client):
    return OpenAIChatProvider(
        model_id="gpt-4o-mini", api_key=KEY, key_hosts=LOCAL, base_url=base_url, client=client
    )


def completion(content="Bonjour", finish="stop", **message) -> Reply:
    choice = {"index": 0, "message": {"role": "assistant", "content": content, **message}}
    usage = {"prompt_tokens": 20, "completion_tokens": 100, "total_tokens": 120}
    return Reply(
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": "gpt-4o-mini-2024-07-18",
            "choices": [{**choice, "finish_reason": finish}],
            "usage": usage,
        }
    )


def test_it_sends_the_documented_request_and_returns_the_text(api_server, http_client):
    api_server.on("POST", PATH, completion())
    params = {
        "system_prompt": "Answer in French.",
        "temperature": 0.2,
        "input_price_per_mtok": "0.15",
        "output_price_per_mtok": "0.60",
    }

    output = provider(api_server.url, http_client).generate("Say hello", params)

    (sent,) = api_server.requests_to(PATH)
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.json == {
        "model": "gpt-4o-mini",
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "Answer in French."},
            {"role": "user", "content": "Say hello"},
        ],
    }
    assert output.text == "Bonjour"
    assert output.content is None
    assert output.media_type == "text/plain"
    assert output.model_version == "gpt-4o-mini-2024-07-18"
    assert output.cost == Decimal("0.000063")  # 20 * $0.15/M + 100 * $0.60/M


def test_it_accepts_a_self_hosted_base_url_ending_in_v1_without_a_key(api_server, http_client):
    api_server.on("POST", PATH, completion())
    local = OpenAIChatProvider(
        model_id="llama", base_url=api_server.url + "/v1", client=http_client
    )

    output = local.generate("Say hello", {})

    assert "authorization" not in api_server.requests_to(PATH)[0].headers
    assert output.text == "Bonjour"
    assert output.cost is None


@pytest.mark.parametrize(
    "reply",
    [completion(content=None, finish="content_filter"), completion(content=None, refusal="No.")],
)
def test_it_reports_filtered_or_refused_answers_as_permanent(api_server, http_client, reply):
    api_server.on("POST", PATH, reply)

    with pytest.raises(ProviderError, match="content policy") as caught:
        provider(api_server.url, http_client).generate("something forbidden", {})

    assert caught.value.permanent


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", PATH, failure.reply)

    failure.check(lambda: provider(api_server.url, http_client).generate("Say hello", {}))


def test_an_answer_without_text_fails_permanently(api_server, http_client):
    # The text arena's counterpart of bytes that are not an image.
    api_server.on("POST", PATH, Reply(json={"choices": [], "model": "gpt-4o-mini"}))

    with pytest.raises(ProviderError, match="no choices") as caught:
        provider(api_server.url, http_client).generate("Say hello", {})

    assert caught.value.permanent
