"""What every HTTP provider shares: the client, error mapping, JSON, polling, downloads, cost.

A 429 with ``insufficient_quota`` is permanent: an empty account does not refill by waiting.
A success whose body is not JSON is transient (a truncated body or a proxy's page is usually
passing; the retry limit bounds a lasting misconfiguration); JSON without the documented fields
is permanent: asking again gets the same answer.

The API key goes only in the auth header, only to the hosts bound to it
(``generation.providers.keys``), is scrubbed from every message, and goes with downloads only to
the provider's own origin, never to the CDN an image URL points at.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from generation.providers.base import Output, Provider, ProviderError
from generation.providers.guard import guarded_client
from generation.providers.keys import check_key_host

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0
MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024
MAX_REDIRECTS = 20  # httpx's own limit
# Enough for a provider's own error message; never room for a page of someone else's body.
MAX_MESSAGE_CHARS = 200
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
AUTH_STATUSES = frozenset({401, 403})
REFUSAL_CODES = frozenset({"content_policy_violation", "moderation_blocked", "content_filter"})
# Generator parameters that steer the adapter; everything else goes to the model.
ADAPTER_OPTIONS = frozenset({
    "timeout_s", "poll_interval_s", "deadline_s", "prefer_wait", "system_prompt",
    "input_price_per_mtok", "output_price_per_mtok", "response_modalities",
    # Edits: another model id for edits, and where the model takes the image and mask.
    "edit_model", "image_param", "mask_param", "image_as_list",
})  # fmt: skip


def number_option(params: dict[str, Any], key: str, default: float) -> float:
    """A positive number from the generator's parameters; a bad one is a permanent error."""
    try:
        value = float(params.get(key, default))
    except (TypeError, ValueError):
        value = -1.0
    if value <= 0:
        raise ProviderError(f"parameter {key} must be a positive number", permanent=True)
    return value


def model_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters meant for the model, without the adapter's own options."""
    return {key: value for key, value in params.items() if key not in ADAPTER_OPTIONS}


def build_client(
    params: dict[str, Any], allowed_hosts: frozenset[str] = frozenset()
) -> httpx.Client:
    """A client that reaches public addresses only, and the hosts in ``allowed_hosts``."""
    read = number_option(params, "timeout_s", READ_TIMEOUT_S)
    timeout = httpx.Timeout(read, connect=CONNECT_TIMEOUT_S)
    return guarded_client(timeout=timeout, allowed_hosts=allowed_hosts)


def api_url(base_url: str, path: str) -> str:
    """Join a base URL and a ``/v1/...`` path; self-hosted servers often give ``.../v1``."""
    if base_url.endswith("/v1") and path.startswith("/v1/"):
        path = path[3:]
    return base_url + path


@dataclass(repr=False)  # its headers and secret hold the API key: no repr may print them
class Api:
    """One provider's HTTP conversation: sends requests, maps failures, keeps the key secret."""

    client: httpx.Client
    _: KW_ONLY
    headers: dict[str, str]
    secret: str
    origin: tuple[str, str]
    key_hosts: frozenset[str] = frozenset()

    def send(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {**self._auth_for(url), **(headers or {})}
        with self._mapped_errors():
            response = self.client.request(
                method, url, headers=headers, follow_redirects=False, **kwargs
            )
        if not response.is_success:
            raise self.error_for(response)
        return response

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        return parse_json(self.send(method, url, **kwargs))

    def download(self, url: str) -> tuple[bytes, str]:
        """Fetch an image URL (or ``data:`` URI) up to ``MAX_DOWNLOAD_BYTES``.

        Redirects are followed hop by hop: httpx drops ``Authorization`` on another origin but
        would carry any other key header (Gemini's ``x-goog-api-key``) along.
        """
        if url.startswith("data:"):
            return decode_data_uri(url)
        for _ in range(MAX_REDIRECTS + 1):
            own = _origin(url) == self.origin
            headers = self._auth_for(url) if own else {}
            stream = self.client.stream("GET", url, headers=headers, follow_redirects=False)
            with self._mapped_errors(), stream as response:
                if response.next_request is not None:
                    url = str(response.next_request.url)
                    continue
                if not response.is_success:
                    response.read()
                    # A CDN's 401/403 (an expired signed URL) says nothing about our key.
                    raise self.error_for(response, to_provider=own)
                return _read_capped(response), response.headers.get("content-type", "")
        raise ProviderError(
            f"the download took more than {MAX_REDIRECTS} redirects", permanent=True
        )

    def _auth_for(self, url: str) -> dict[str, str]:
        if self.secret:
            check_key_host(url, self.key_hosts)
        return self.headers

    @contextmanager
    def _mapped_errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException as exc:
            raise ProviderError(f"timed out ({type(exc).__name__})", permanent=False) from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise ProviderError(self.scrub(f"bad URL: {exc}"), permanent=True) from None
        except httpx.TransportError as exc:
            message = self.scrub(f"connection failed: {exc}")
            raise ProviderError(message, permanent=False) from None

    def error_for(self, response: httpx.Response, *, to_provider: bool = True) -> ProviderError:
        body = _json_or_none(response)
        status, code = response.status_code, _error_code(body)
        detail = self.scrub(_error_text(body) or response.reason_phrase or "no details")
        if code in REFUSAL_CODES:
            return refusal(detail)
        message = f"HTTP {status}: {detail}"
        if status in AUTH_STATUSES and to_provider:
            return ProviderError(message, permanent=True, auth=True)
        if (status in TRANSIENT_STATUSES or status >= 500) and code != "insufficient_quota":
            return ProviderError(message, permanent=False, retry_after=retry_after(response, body))
        return ProviderError(message, permanent=True)

    def scrub(self, text: str) -> str:
        if self.secret:
            text = text.replace(self.secret, "[key]")
        return text[:MAX_MESSAGE_CHARS]


class HttpProvider(Provider):
    """A provider behind an HTTP API; subclasses give ``auth_headers`` and ``call``."""

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def call(self, api: Api, prompt: str, params: dict[str, Any]) -> Output:
        raise NotImplementedError

    def call_edit(self, api: Api, edit: Edit, params: dict[str, Any]) -> Output:
        raise ProviderError(f"the {self.name} provider cannot edit images", permanent=True)

    def generate(self, prompt: str, params: dict[str, Any]) -> Output:
        return self._with_api(params, lambda api: self.call(api, prompt, params))

    def edit(
        self, instruction: str, image: bytes, mask: bytes | None, params: dict[str, Any]
    ) -> Output:
        model = params.get("edit_model") or self.model_id
        edit = Edit(instruction=instruction, image=image, mask=mask, model=model)
        return self._with_api(params, lambda api: self.call_edit(api, edit, params))

    def _with_api(self, params: dict[str, Any], run: Callable[[Api], Output]) -> Output:
        client = self.client or build_client(params, self.allowed_hosts)
        api = Api(
            client,
            headers=self.auth_headers(),
            secret=self.api_key,
            origin=_origin(self.base_url),
            key_hosts=self.key_hosts,
        )
        try:
            return run(api)
        finally:
            if client is not self.client:
                client.close()


@dataclass(frozen=True)
class Edit:
    """One edit to make: the instruction, the source and optional mask as PNG, the model."""

    instruction: str
    image: bytes
    mask: bytes | None
    model: str

    def data_uri(self, which: str = "image") -> str:
        data = self.image if which == "image" else self.mask
        return "data:image/png;base64," + base64.b64encode(data or b"").decode()


def edit_inputs(edit: Edit, params: dict[str, Any], *, image: str, mask: str) -> dict[str, Any]:
    """The source (and mask) as ``data:`` URIs under the input names the model expects."""
    image_uri = edit.data_uri("image")
    inputs = {
        str(params.get("image_param") or image): (
            [image_uri] if params.get("image_as_list") else image_uri
        )
    }
    if edit.mask is not None:
        inputs[str(params.get("mask_param") or mask)] = edit.data_uri("mask")
    return inputs


def parse_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderError("API answered with malformed JSON", permanent=False) from None


def dig(data: Any, *path: str | int) -> Any:
    """``data[a][b]...`` or None where the documented shape is missing."""
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def unexpected(what: str) -> ProviderError:
    return ProviderError(f"unexpected API response: {what}", permanent=True)


def refusal(reason: str) -> ProviderError:
    return ProviderError(f"refused by the provider's content policy: {reason}", permanent=True)


def decode_base64(data: Any) -> bytes:
    if not isinstance(data, str):
        raise unexpected("no base64 image data")
    try:
        # Line breaks are legal in base64 from some encoders; anything else is corruption.
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        raise unexpected("image data is not valid base64") from None


def decode_data_uri(uri: str) -> tuple[bytes, str]:
    header, _, payload = uri.partition(",")
    if not header.endswith(";base64"):
        raise unexpected("data URI is not base64")
    return decode_base64(payload), header[len("data:") : -len(";base64")]


def poll(fetch: Callable[[], Any], finished: Callable[[Any], bool], params: dict[str, Any]) -> Any:
    """Call ``fetch`` until ``finished`` says so; running past the deadline is transient."""
    interval = number_option(params, "poll_interval_s", 1.0)
    limit = number_option(params, "deadline_s", 600.0)
    deadline = time.monotonic() + limit
    while True:
        state = fetch()
        if finished(state):
            return state
        if time.monotonic() + interval > deadline:
            raise ProviderError(f"not finished after {limit:g} s", permanent=False)
        time.sleep(interval)


def token_cost(params: dict[str, Any], input_tokens: Any, output_tokens: Any) -> Decimal | None:
    """Cost from token counts when the generator gives prices per million tokens."""
    prices = params.get("input_price_per_mtok"), params.get("output_price_per_mtok")
    if None in prices or (input_tokens is None and output_tokens is None):
        return None
    counts = input_tokens or 0, output_tokens or 0
    if not all(isinstance(n, int) for n in counts):
        return None
    try:
        cost = sum(Decimal(str(p)) * n for p, n in zip(prices, counts, strict=True))
    except InvalidOperation:
        raise ProviderError("token prices must be numbers", permanent=True) from None
    return (cost / 1_000_000).quantize(Decimal("0.000001"))


def retry_after(response: httpx.Response, body: Any = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, ``Retry-After`` or Google's RetryInfo."""
    millis = response.headers.get("retry-after-ms")
    if millis and _is_number(millis):
        return float(millis) / 1000
    header = response.headers.get("retry-after", "").strip()
    if _is_number(header):
        return max(float(header), 0.0)
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return None
        return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    for detail in dig(body, "error", "details") or []:
        delay = dig(detail, "retryDelay")
        if isinstance(delay, str) and _is_number(delay.removesuffix("s")):
            return float(delay.removesuffix("s"))
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _read_capped(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_DOWNLOAD_BYTES:
        raise ProviderError("image is larger than the download limit", permanent=True)
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_DOWNLOAD_BYTES:
            raise ProviderError("image is larger than the download limit", permanent=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_code(body: Any) -> str:
    error = dig(body, "error")
    code = dig(error, "code") or dig(error, "type") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""


def _error_text(body: Any) -> str:
    """Only the message fields of whichever error shape the provider uses: the text ends up in
    the admin, and the body may come from anywhere."""
    if not isinstance(body, dict):
        return ""
    error = body.get("error")
    if isinstance(error, dict):
        return _words(error.get("message")) or _words(error.get("status"))
    if isinstance(error, str):
        return error
    detail = body.get("detail")
    if isinstance(detail, list):  # FastAPI-style validation errors, as fal sends them
        detail = "; ".join(_words(dig(item, "msg")) for item in detail if _words(dig(item, "msg")))
    parts = (_words(body.get("title")), _words(detail))
    return ": ".join(part for part in parts if part) or _words(body.get("message"))


def _words(value: Any) -> str:
    return value if isinstance(value, str) else ""
