from __future__ import annotations

import pytest

from generation.providers import ProviderError
from generation.providers.fal import FalProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

MODEL = "fal-ai/flux/dev"
SUBMIT = f"/{MODEL}"
STATUS = "/fal-ai/flux/requests/req-1/status"
RESULT = "/fal-ai/flux/requests/req-1"
FAST = {"poll_interval_s": 0.01}


@pytest.fixture
def error_body():
    return {"detail": "Invalid Key"}, "Invalid Key"


def provider(server, client):
    return FalProvider(
        model_id=MODEL, api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def queue(server, *statuses: str, result: dict) -> None:
    """Program a request that passes through ``statuses`` and ends with ``result``."""
    server.on(
        "POST",
        SUBMIT,
        Reply(
            json={
                "request_id": "req-1",
                "status_url": server.url + STATUS,
                "response_url": server.url + RESULT,
                "cancel_url": server.url + RESULT + "/cancel",
            }
        ),
    )
    server.on("GET", STATUS, *(Reply(json={"status": s, "queue_position": 0}) for s in statuses))
    server.on("GET", RESULT, Reply(json=result))


def image_result(cdn, content_type="image/jpeg", nsfw=False) -> dict:
    image = {"url": cdn.url + "/files/out.jpg", "content_type": content_type}
    return {"images": [image], "seed": 42, "has_nsfw_concepts": [nsfw]}


def test_it_queues_polls_and_downloads_the_image(api_server, cdn_server, http_client, png):
    queue(api_server, "IN_QUEUE", "IN_PROGRESS", "COMPLETED", result=image_result(cdn_server))
    cdn_server.on("GET", "/files/out.jpg", Reply(body=png, headers={"Content-Type": "image/jpeg"}))

    output = provider(api_server, http_client).generate("a fox", {**FAST, "image_size": "square"})

    (submitted,) = api_server.requests_to(SUBMIT)
    assert submitted.headers["authorization"] == f"Key {KEY}"
    assert submitted.json == {"prompt": "a fox", "image_size": "square"}
    assert len(api_server.requests_to(STATUS)) == 3
    assert api_server.requests_to(RESULT)[0].headers["authorization"] == f"Key {KEY}"
    (downloaded,) = cdn_server.received
    assert "authorization" not in downloaded.headers  # the key never leaves fal's origin
    assert output.content == png
    assert output.media_type == "image/jpeg"
    assert output.cost is None


def test_it_gives_up_transiently_when_the_deadline_passes(api_server, cdn_server, http_client):
    queue(api_server, "IN_PROGRESS", result=image_result(cdn_server))

    with pytest.raises(ProviderError, match="not finished") as caught:
        provider(api_server, http_client).generate("a fox", {**FAST, "deadline_s": 0.05})

    assert not caught.value.permanent


def test_it_reports_the_safety_checkers_verdict_as_a_refusal(api_server, cdn_server, http_client):
    queue(api_server, "COMPLETED", result=image_result(cdn_server, nsfw=True))

    with pytest.raises(ProviderError, match="content policy") as caught:
        provider(api_server, http_client).generate("a fox", FAST)

    assert caught.value.permanent
    assert cdn_server.received == []


def test_it_reports_validation_errors_from_the_result_permanently(api_server, http_client):
    queue(api_server, "COMPLETED", result={})
    detail = [{"loc": ["body", "image_size"], "msg": "value is not a valid enumeration member"}]
    api_server.on("GET", RESULT, Reply(422, json={"detail": detail}))

    with pytest.raises(ProviderError, match="not a valid enumeration member") as caught:
        provider(api_server, http_client).generate("a fox", {**FAST, "image_size": "huge"})

    assert caught.value.permanent


def test_a_failing_status_check_is_transient(api_server, cdn_server, http_client):
    queue(api_server, "IN_QUEUE", result=image_result(cdn_server))
    api_server.on("GET", STATUS, Reply(503, body=b"busy", headers={"Retry-After": "3"}))

    with pytest.raises(ProviderError) as caught:
        provider(api_server, http_client).generate("a fox", FAST)

    assert not caught.value.permanent
    assert caught.value.retry_after == 3.0


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", SUBMIT, failure.reply)

    failure.check(lambda: provider(api_server, http_client).generate("a fox", FAST))


def test_bytes_that_are_not_an_image_fail_permanently_in_the_pipeline(
    api_server, cdn_server, http_client
):
    queue(api_server, "COMPLETED", result=image_result(cdn_server))
    cdn_server.on("GET", "/files/out.jpg", Reply(body=NOT_AN_IMAGE))

    assert_rejected_as_not_an_image(provider(api_server, http_client).generate("a fox", FAST))
