"""Every server-side request, each redirect hop included, reaches a public or allowed host."""

from __future__ import annotations

import ipaddress
import socket
import threading

import httpx
import pytest

from generation.providers import ProviderError
from generation.providers.guard import BlockedAddress, guarded_client, is_public
from generation.providers.http import Api
from generation.providers.webhook import WebhookProvider
from tests.generation.providers.conftest import Reply

TIMEOUT = httpx.Timeout(1.0, connect=1.0)


def _port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_a_download_that_redirects_to_a_private_address_is_refused(api_server):
    # The first hop goes to an allowed name; the redirect points at loopback, which is not.
    target = f"http://127.0.0.1:{_port(api_server)}/secret"
    api_server.on("GET", "/img.png", Reply(302, headers={"Location": target}))
    api_server.on("GET", "/secret", Reply(body=b"internal"))
    with guarded_client(timeout=TIMEOUT, allowed_hosts={"localhost"}) as client:
        api = Api(client, headers={}, secret="", origin=("http", "x"))

        with pytest.raises(BlockedAddress) as caught:
            api.download(f"http://localhost:{_port(api_server)}/img.png")

    assert caught.value.permanent
    assert [r.path for r in api_server.received] == ["/img.png"]


def test_a_name_that_resolves_to_loopback_is_refused(api_server):
    api_server.on("POST", "/hook", Reply(json={"text": "internal"}))
    webhook = WebhookProvider(model_id="m", base_url=f"http://localhost:{_port(api_server)}/hook")

    with pytest.raises(ProviderError, match="not a public address"):
        webhook.generate("a fox", {})

    assert api_server.received == []


def test_an_allowed_host_is_reached(api_server):
    api_server.on("POST", "/hook", Reply(json={"text": "hello"}))
    webhook = WebhookProvider(
        model_id="m", base_url=api_server.url + "/hook", allowed_hosts=frozenset({"127.0.0.1"})
    )

    assert webhook.generate("a fox", {}).text == "hello"


def test_proxy_variables_from_the_environment_are_ignored(api_server, cdn_server, monkeypatch):
    # Through a proxy, the check would see the proxy's address instead of the target's.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, cdn_server.url)
    api_server.on("GET", "/img.png", Reply(body=b"direct"))

    with guarded_client(timeout=TIMEOUT, allowed_hosts={"127.0.0.1"}) as client:
        response = client.get(api_server.url + "/img.png")

    assert response.content == b"direct"
    assert cdn_server.received == []


def test_a_body_cut_short_raises_an_httpx_error_callers_catch():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def answer_half() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")

        server = threading.Thread(target=answer_half, daemon=True)
        server.start()
        client = guarded_client(timeout=TIMEOUT, allowed_hosts={"127.0.0.1"})
        with client, pytest.raises(httpx.RemoteProtocolError):
            client.get(f"http://127.0.0.1:{port}/img.png")
        server.join()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("127.0.0.1", False),
        ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
        ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
        ("fe80::1", False), ("fd00::1", False), ("::ffff:10.0.0.1", False), ("224.0.0.1", False),
        # Every IPv6 form with an IPv4 address inside is judged by that address.
        ("::127.0.0.1", False), ("::10.0.0.1", False), ("::169.254.169.254", False),
        ("::ffff:127.0.0.1", False), ("::ffff:0:127.0.0.1", False), ("::ffff:0:10.0.0.1", False),
        ("2002:7f00:1::", False), ("2002:a9fe:a9fe::1", False), ("64:ff9b::127.0.0.1", False),
        ("64:ff9b::10.1.2.3", False), ("64:ff9b:1::7f00:1", False),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
        ("::8.8.8.8", True), ("2002:808:808::1", True), ("64:ff9b::8.8.8.8", True),
    ],
)  # fmt: skip
def test_only_global_unicast_addresses_are_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public
