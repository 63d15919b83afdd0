from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime

import httpx
import pytest

from generation.providers import ProviderError
from generation.providers import http as provider_http
from generation.providers.http import (
    Api,
    api_url,
    decode_data_uri,
    model_params,
    retry_after,
    token_cost,
)
from generation.providers.webhook import WebhookProvider
from tests.generation.providers.conftest import KEY, LOCAL, Reply


def api(client=None, origin=("http", "api.example")) -> Api:
    return Api(
        client,
        headers={"Authorization": f"Bearer {KEY}"},
        secret=KEY,
        origin=origin,
        key_hosts=LOCAL | {"api.example"},
    )


def error_for(status: int, **kwargs) -> ProviderError:
    return api().error_for(httpx.Response(status, **kwargs))


def test_the_api_conversation_never_shows_its_key_in_a_repr():
    assert KEY not in repr(api())


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_reads_seconds_milliseconds_and_dates(headers, expected):
    assert retry_after(httpx.Response(429, headers=headers)) == expected


def test_retry_after_counts_down_to_a_future_http_date():
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)

    assert 115 <= retry_after(httpx.Response(429, headers={"Retry-After": when})) <= 120


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"title": "Invalid version", "detail": "The version does not exist"}, "Invalid version: "),
        ({"detail": [{"loc": ["body", "seed"], "msg": "not an int"}]}, "not an int"),
        ({"error": {"code": 403, "message": "Permission denied", "status": "DENIED"}}, "denied"),
        ({"message": "model not loaded"}, "model not loaded"),
    ],
)
def test_error_messages_come_from_each_providers_error_shape(body, expected):
    error = error_for(403, json=body)

    assert error.permanent
    assert expected.lower() in str(error).lower()


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_permanent(status):
    assert error_for(status, json={"error": {"message": "no"}}).permanent


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_server_errors_and_throttling_are_transient(status):
    assert not error_for(status, text="<html>Bad gateway</html>").permanent


def test_an_error_without_json_falls_back_to_the_reason_phrase():
    assert "HTTP 502: Bad Gateway" in str(error_for(502, text="<html>nginx</html>"))


def test_the_key_is_scrubbed_from_messages_that_echo_it():
    error = error_for(401, json={"error": {"message": f"Bad key {KEY} given"}})

    assert KEY not in str(error)
    assert "[key]" in str(error)


def test_a_read_timeout_from_a_built_client_honours_timeout_s(api_server):
    api_server.on("POST", "/hook", Reply(json={"text": "late"}, delay=1.0))
    webhook = WebhookProvider(model_id="m", base_url=api_server.url + "/hook", allowed_hosts=LOCAL)

    with pytest.raises(ProviderError, match="timed out") as caught:
        webhook.generate("a fox", {"timeout_s": 0.2})

    assert not caught.value.permanent


def test_a_client_it_builds_is_closed_after_the_call(api_server, monkeypatch):
    api_server.on("POST", "/hook", Reply(json={"text": "hi"}))
    built = httpx.Client()
    monkeypatch.setattr(provider_http, "build_client", lambda params, hosts: built)

    WebhookProvider(model_id="m", base_url=api_server.url + "/hook").generate("a fox", {})

    assert built.is_closed


def test_an_injected_client_is_left_open(api_server, http_client):
    api_server.on("POST", "/hook", Reply(json={"text": "hi"}))

    WebhookProvider(model_id="m", base_url=api_server.url + "/hook", client=http_client).generate(
        "a fox", {}
    )

    assert not http_client.is_closed


def test_a_refused_connection_is_transient(http_client):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    webhook = WebhookProvider(model_id="m", base_url=f"http://127.0.0.1:{port}", client=http_client)

    with pytest.raises(ProviderError, match="connection failed") as caught:
        webhook.generate("a fox", {})

    assert not caught.value.permanent


def test_a_url_with_an_unsupported_scheme_is_permanent(http_client):
    webhook = WebhookProvider(model_id="m", base_url="ftp://models.example/x", client=http_client)

    with pytest.raises(ProviderError, match="bad URL") as caught:
        webhook.generate("a fox", {})

    assert caught.value.permanent


def test_downloads_larger_than_the_cap_are_refused(api_server, http_client, monkeypatch):
    monkeypatch.setattr(provider_http, "MAX_DOWNLOAD_BYTES", 10)
    api_server.on("GET", "/big.png", Reply(body=b"x" * 11))

    with pytest.raises(ProviderError, match="download limit") as caught:
        api(http_client).download(api_server.url + "/big.png")

    assert caught.value.permanent


def test_a_missing_download_is_permanent_and_a_failing_one_transient(api_server, http_client):
    api_server.on("GET", "/gone.png", Reply(404, body=b"gone"))
    api_server.on("GET", "/busy.png", Reply(503, body=b"busy"))

    with pytest.raises(ProviderError) as missing:
        api(http_client).download(api_server.url + "/gone.png")
    with pytest.raises(ProviderError) as busy:
        api(http_client).download(api_server.url + "/busy.png")

    assert missing.value.permanent
    assert not busy.value.permanent


def test_downloads_carry_the_key_only_to_the_providers_own_origin(api_server, http_client):
    api_server.on("GET", "/img.png", Reply(body=b"img"))
    origin = ("http", api_server.url.removeprefix("http://"))

    api(http_client, origin=origin).download(api_server.url + "/img.png")
    api(http_client).download(api_server.url + "/img.png")

    first, second = api_server.received
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert "authorization" not in second.headers


def test_data_uris_decode_without_a_request():
    assert decode_data_uri("data:image/png;base64,aGVsbG8=") == (b"hello", "image/png")


def test_token_cost_needs_both_prices_and_some_usage():
    prices = {"input_price_per_mtok": "2.5", "output_price_per_mtok": 10}

    assert token_cost(prices, 1000, 2000) == Decimal("0.022500")
    assert token_cost(prices, None, None) is None
    assert token_cost({"input_price_per_mtok": 1}, 1000, 2000) is None


def test_a_price_that_is_not_a_number_is_a_permanent_error():
    with pytest.raises(ProviderError) as caught:
        token_cost({"input_price_per_mtok": "cheap", "output_price_per_mtok": 1}, 1, 1)

    assert caught.value.permanent


def test_bad_adapter_options_are_permanent_errors():
    webhook = WebhookProvider(model_id="m", base_url="http://127.0.0.1:9")

    with pytest.raises(ProviderError, match="timeout_s") as caught:
        webhook.generate("a fox", {"timeout_s": "forever"})

    assert caught.value.permanent


def test_adapter_options_never_reach_the_model():
    params = {"timeout_s": 5, "poll_interval_s": 1, "input_price_per_mtok": 1, "seed": 7}

    assert model_params(params) == {"seed": 7}


@pytest.mark.parametrize("base", ["https://api.example", "https://api.example/v1"])
def test_api_url_does_not_double_the_version_prefix(base):
    assert api_url(base, "/v1/chat/completions") == "https://api.example/v1/chat/completions"
