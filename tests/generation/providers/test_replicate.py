from __future__ import annotations

import base64

import pytest

from generation.providers import ProviderError
from generation.providers.replicate import ReplicateProvider
from tests.generation.providers.conftest import (
    KEY,
    LOCAL,
    NOT_AN_IMAGE,
    Reply,
    assert_rejected_as_not_an_image,
)

MODEL = "black-forest-labs/flux-schnell"
CREATE = f"/v1/models/{MODEL}/predictions"
GET = "/v1/predictions/p-1"
FAST = {"poll_interval_s": 0.01}


@pytest.fixture
def error_body():
    detail = "You did not pass a valid authentication token"
    return {"title": "Unauthenticated", "detail": detail, "status": 401}, detail


def provider(server, client, model=MODEL):
    return ReplicateProvider(
        model_id=model, api_key=KEY, key_hosts=LOCAL, base_url=server.url, client=client
    )


def prediction(server, status: str, **fields) -> Reply:
    urls = {"get": server.url + GET, "cancel": server.url + GET + "/cancel"}
    body = {"id": "p-1", "model": MODEL, "version": "hidden", "status": status, "urls": urls}
    return Reply(json={**body, "output": None, "error": None, **fields})


def test_it_creates_polls_and_downloads_the_first_output(api_server, cdn_server, http_client, png):
    output_urls = [cdn_server.url + "/out-0.webp", cdn_server.url + "/out-1.webp"]
    api_server.on("POST", CREATE, prediction(api_server, "starting"))
    api_server.on(
        "GET",
        GET,
        prediction(api_server, "processing"),
        prediction(api_server, "succeeded", output=output_urls),
    )
    cdn_server.on("GET", "/out-0.webp", Reply(body=png, headers={"Content-Type": "image/webp"}))

    output = provider(api_server, http_client).generate("a fox", {**FAST, "aspect_ratio": "1:1"})

    (created,) = api_server.requests_to(CREATE)
    assert created.headers["authorization"] == f"Bearer {KEY}"
    assert created.headers["prefer"] == "wait"
    assert created.json == {"input": {"prompt": "a fox", "aspect_ratio": "1:1"}}
    assert len(api_server.requests_to(GET)) == 2
    assert [r.path for r in cdn_server.received] == ["/out-0.webp"]
    assert "authorization" not in cdn_server.received[0].headers
    assert output.content == png
    assert output.media_type == "image/webp"
    assert output.model_version == f"{MODEL}:hidden"


def test_a_pinned_version_runs_through_the_predictions_endpoint(api_server, http_client, png):
    data_uri = "data:image/png;base64," + base64.b64encode(png).decode()
    api_server.on("POST", "/v1/predictions", prediction(api_server, "succeeded", output=data_uri))

    output = provider(api_server, http_client, model="me/lora:abc123").generate(
        "a fox", {"prefer_wait": 30}
    )

    (created,) = api_server.requests_to("/v1/predictions")
    assert created.json == {"version": "abc123", "input": {"prompt": "a fox"}}
    assert created.headers["prefer"] == "wait=30"
    assert output.content == png
    assert api_server.requests_to(GET) == []


@pytest.mark.parametrize(
    ("status", "error", "permanent", "says"),
    [
        ("failed", "All generated images contained NSFW content. Try again.", True, "policy"),
        ("failed", "CUDA error: out of memory", True, "out of memory"),
        ("failed", "Prediction timed out waiting for a GPU", False, "timed out"),
        ("canceled", None, True, "canceled"),
    ],
)
def test_an_unsuccessful_prediction_fails_as_its_error_suggests(
    api_server, http_client, status, error, permanent, says
):
    api_server.on("POST", CREATE, prediction(api_server, status, error=error))

    with pytest.raises(ProviderError, match=says) as caught:
        provider(api_server, http_client).generate("a fox", FAST)

    assert caught.value.permanent is permanent


def test_it_maps_each_failure_to_the_right_error(api_server, http_client, failure):
    api_server.on("POST", CREATE, failure.reply)

    failure.check(lambda: provider(api_server, http_client).generate("a fox", FAST))


def test_bytes_that_are_not_an_image_fail_permanently_in_the_pipeline(
    api_server, cdn_server, http_client
):
    output = cdn_server.url + "/out-0.png"
    api_server.on("POST", CREATE, prediction(api_server, "succeeded", output=output))
    cdn_server.on("GET", "/out-0.png", Reply(body=NOT_AN_IMAGE))

    assert_rejected_as_not_an_image(provider(api_server, http_client).generate("a fox", FAST))
