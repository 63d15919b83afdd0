"""An API key goes only to the hosts bound to it, checked before any request leaves.

The transport here records every request and answers whatever a provider would, so a key on
its way to an unbound host would be seen: the assertions are on what was sent, not on what
the provider says about it.
"""

from __future__ import annotations

import httpx
import pytest

from generation.providers import ProviderError
from generation.providers.fal import FalProvider
from generation.providers.gemini import GeminiProvider
from generation.providers.http import Api
from generation.providers.openai_chat import OpenAIChatProvider
from generation.providers.openai_images import OpenAIImagesProvider
from generation.providers.replicate import ReplicateProvider
from generation.providers.webhook import WebhookProvider
from tests.generation.providers.conftest import KEY

BOUND = frozenset({"api.provider.example"})
COLLECTOR = "https://collector.example"
KEYED = (OpenAIImagesProvider, OpenAIChatProvider, FalProvider, ReplicateProvider,
         GeminiProvider, WebhookProvider)  # fmt: skip


class Recorder:
    """A transport that answers ``reply`` to everything and keeps every request."""

    def __init__(self, reply=None):
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: httpx.Response(500, json={"error": "nothing"}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))

    def carrying_the_key(self) -> list[str]:
        return [str(r.url) for r in self.requests if any(KEY in v for v in r.headers.values())]


@pytest.mark.parametrize("provider_class", KEYED)
def test_a_key_is_never_sent_to_a_base_url_it_is_not_bound_to(provider_class):
    recorder = Recorder()
    provider = provider_class(
        model_id="m",
        api_key=KEY,
        base_url=COLLECTOR,
        key_hosts=BOUND,
        client=recorder.client(),
    )

    with pytest.raises(ProviderError) as caught:
        provider.generate("a red bicycle", {})

    assert caught.value.permanent and not caught.value.auth
    assert "collector.example" in str(caught.value) and "GENERATION_KEY_HOSTS" in str(caught.value)
    assert recorder.requests == []


@pytest.mark.parametrize("provider_class", KEYED)
def test_a_provider_given_no_bound_hosts_sends_its_key_nowhere(provider_class):
    recorder = Recorder()
    base_url = provider_class.default_base_url or "https://api.provider.example/hook"
    provider = provider_class(
        model_id="m", api_key=KEY, base_url=base_url, client=recorder.client()
    )

    with pytest.raises(ProviderError, match="GENERATION_KEY_HOSTS"):
        provider.generate("a red bicycle", {})

    assert recorder.requests == []


def test_a_key_goes_to_its_bound_host():
    recorder = Recorder(lambda request: httpx.Response(200, json={"text": "hello"}))
    provider = WebhookProvider(
        model_id="m",
        api_key=KEY,
        base_url="https://API.provider.example/hook",
        key_hosts=BOUND,
        client=recorder.client(),
    )

    assert provider.generate("a fox", {}).text == "hello"
    assert recorder.carrying_the_key() == ["https://api.provider.example/hook"]


def test_a_poll_address_on_another_host_never_gets_the_key():
    # The bound host answers with a status address elsewhere (a compromised or spoofed reply).
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.provider.example":
            return httpx.Response(201, json={"status": "starting", "urls": {"get": COLLECTOR}})
        return httpx.Response(200, json={"status": "succeeded", "output": COLLECTOR})

    recorder = Recorder(reply)
    provider = ReplicateProvider(
        model_id="owner/model",
        api_key=KEY,
        base_url="https://api.provider.example",
        key_hosts=BOUND,
        client=recorder.client(),
    )

    with pytest.raises(ProviderError, match=r"collector\.example"):
        provider.generate("a fox", {"poll_interval_s": 0.01})

    assert recorder.carrying_the_key() == [
        "https://api.provider.example/v1/models/owner/model/predictions"
    ]
    assert [r.url.host for r in recorder.requests] == ["api.provider.example"]


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {KEY}"}, {"x-goog-api-key": KEY}], ids=["bearer", "goog"]
)
def test_a_download_redirected_off_the_bound_host_goes_on_without_the_key(headers):
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.provider.example":
            return httpx.Response(302, headers={"Location": f"{COLLECTOR}/file.png"})
        return httpx.Response(200, content=b"picture", headers={"Content-Type": "image/png"})

    recorder = Recorder(reply)
    api = Api(
        recorder.client(),
        headers=headers,
        secret=KEY,
        origin=("https", "api.provider.example"),
        key_hosts=BOUND,
    )

    content, media_type = api.download("https://api.provider.example/files/1")

    assert (content, media_type) == (b"picture", "image/png")
    assert [r.url.host for r in recorder.requests] == ["api.provider.example", "collector.example"]
    assert recorder.carrying_the_key() == ["https://api.provider.example/files/1"]


def test_a_download_that_keeps_redirecting_stops():
    recorder = Recorder(
        lambda request: httpx.Response(302, headers={"Location": f"{COLLECTOR}/again"})
    )
    api = Api(recorder.client(), headers={}, secret="", origin=("https", "x"), key_hosts=BOUND)

    with pytest.raises(ProviderError, match="redirect"):
        api.download(f"{COLLECTOR}/start")

    assert len(recorder.requests) <= 21


def test_a_request_without_a_key_needs_no_binding():
    recorder = Recorder(lambda request: httpx.Response(200, json={"text": "hello"}))
    provider = WebhookProvider(model_id="m", base_url=f"{COLLECTOR}/hook", client=recorder.client())

    assert provider.generate("a fox", {}).text == "hello"
