"""A real HTTP server on 127.0.0.1 that each test programs to speak one provider's API.

Tests queue canned replies per (method, path); the server answers them in order (the last
one repeats) and records every request it receives, so a test can assert what was sent.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from generation.outputs import reencode_image
from generation.providers import Output, ProviderError
from generation.providers.guard import guarded_client

KEY = "sk-test-secret-key-1234"
# The local servers listen on loopback, which only an explicitly allowed host may reach.
LOCAL = frozenset({"127.0.0.1"})
READ_TIMEOUT_S = 0.3
NOT_AN_IMAGE = b"<html>definitely not a picture</html>"


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to sleep before answering, to provoke client timeouts


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class ApiServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if urlsplit(r.path).path == path]

    def next_reply(self, received: Received) -> Reply:
        with self._lock:
            self.received.append(received)
            queue = self.routes.get((received.method, urlsplit(received.path).path))
            if not queue:
                return Reply(404, json={"detail": f"no route for {received.path}"})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> None:
        # A short poll interval lets shutdown() return at once instead of after 0.5 s.
        threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True).start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _handler_for(server: ApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                self.command,
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                self.rfile.read(length),
            )
            reply = server.next_reply(received)
            time.sleep(reply.delay)
            body = json.dumps(reply.json).encode() if reply.json is not None else reply.body
            headers = {"Content-Type": "application/json"} if reply.json is not None else {}
            try:
                self.send_response(reply.status)
                for name, value in {**headers, **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting, as the timeout tests intend

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def api_server():
    server = ApiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cdn_server():
    """A second origin, standing in for the CDN that serves generated files."""
    server = ApiServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def http_client():
    timeout = httpx.Timeout(READ_TIMEOUT_S, connect=2.0)
    with guarded_client(timeout=timeout, allowed_hosts=LOCAL) as client:
        yield client


@pytest.fixture
def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "#336699").save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class Failure:
    """One way an API call can fail, and the error the provider must raise for it."""

    reply: Reply
    permanent: bool
    retry_after: float | None = None
    message: str = ""

    def check(self, call: Callable[[], Output]) -> None:
        with pytest.raises(ProviderError) as caught:
            call()
        assert caught.value.permanent is self.permanent
        assert caught.value.retry_after == self.retry_after
        assert self.message in str(caught.value)
        assert KEY not in str(caught.value)


@pytest.fixture
def error_body() -> tuple[Any, str]:
    """The provider's error JSON for a rejected key and the message it carries (overridden)."""
    return {"error": {"message": "Invalid API key"}}, "Invalid API key"


@pytest.fixture(params=["429", "500", "401", "timeout", "malformed_json"])
def failure(request, error_body) -> Failure:
    body, message = error_body
    return {
        "429": Failure(Reply(429, json=body, headers={"Retry-After": "7"}), False, 7.0),
        "500": Failure(Reply(500, body=b"upstream exploded"), False, message="HTTP 500"),
        "401": Failure(Reply(401, json=body), True, message=message),
        "timeout": Failure(Reply(200, json={}, delay=1.0), False, message="timed out"),
        "malformed_json": Failure(
            Reply(200, body=b'{"data": [', headers={"Content-Type": "application/json"}),
            False,
            message="malformed JSON",
        ),
    }[request.param]


def assert_rejected_as_not_an_image(output: Output) -> None:
    """The provider hands the bytes over untouched; the pipeline's re-encoder refuses them."""
    assert output.content == NOT_AN_IMAGE
    with pytest.raises(ProviderError) as caught:
        reencode_image(output.content)
    assert caught.value.permanent
    assert "not an image" in str(caught.value)
