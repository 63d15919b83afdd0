"""Server-side requests reach public addresses only, unless their host is explicitly allowed.

A generator's base URL and every URL a provider answers with (an image to download, a status
to poll, each hop of a redirect) are typed or chosen by someone else. Without a check, the
server would fetch ``http://169.254.169.254/`` (cloud credentials) or ``http://127.0.0.1:6379``
(Redis) on their behalf. The check sits where the connection is opened: the host is resolved
there, every address it resolves to must be public, and the socket connects to the address that
was checked, so a name that resolves to a public address for the check and a private one for
the connection (DNS rebinding) gets nowhere either.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from generation.providers.base import ProviderError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(ProviderError):
    """A request to a private, loopback, link-local or otherwise non-public address."""

    def __init__(self, host: str):
        super().__init__(
            f"{host} is not a public address; add it to GENERATION_ALLOWED_HOSTS to allow it",
            permanent=True,
        )


# IPv6 ranges whose last 32 bits are an IPv4 address: IPv4-compatible (::a.b.c.d, deprecated
# but still routed to the IPv4 address by some stacks), SIIT's IPv4-translated
# (::ffff:0:a.b.c.d) and NAT64's well-known prefix (64:ff9b::a.b.c.d).
_EMBEDDING = tuple(ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# NAT64 for local use (RFC 8215): translated inside a network, never public.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4,
    Teredo's client), or None."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if any(address in network for network in _EMBEDDING):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IpAddress) -> bool:
    """Whether ``address`` is global unicast; an IPv6 address carrying an IPv4 one is judged by
    the IPv4 address, since that is where the packets end up."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _LOCAL_NAT64:
            return False
        address = embedded_ipv4(address) or address
    return address.is_global and not address.is_multicast


def normalise_hosts(hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(host.strip().lower().strip("[]") for host in hosts if host.strip())


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, all of them public; raises ``BlockedAddress``.

    A name that does not resolve raises ``socket.gaierror`` (a connection error to callers).
    """
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public(literal):
            raise BlockedAddress(host)
        return [str(literal)]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses or not all(is_public(ipaddress.ip_address(a)) for a in addresses):
        raise BlockedAddress(host)
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, connecting only to checked public addresses."""

    def __init__(self, allowed_hosts: frozenset[str]):
        self.allowed_hosts = allowed_hosts

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if host.lower().strip("[]") in self.allowed_hosts:
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            addresses = public_addresses(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(self, *args, **kwargs):
        raise BlockedAddress("a Unix socket")


# httpcore's errors and the httpx errors callers catch (same names), as httpx's transport maps them.
HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    getattr(httpcore, name): getattr(httpx, name)
    for name in (
        "TimeoutException", "ConnectTimeout", "ReadTimeout", "WriteTimeout", "PoolTimeout",
        "NetworkError", "ConnectError", "ReadError", "WriteError", "ProxyError",
        "UnsupportedProtocol", "ProtocolError", "LocalProtocolError", "RemoteProtocolError",
    )
}  # fmt: skip


@contextmanager
def httpx_errors() -> Iterator[None]:
    """Raise httpcore's errors as the most specific httpx error; let any other through."""
    try:
        yield
    except Exception as exc:
        mapped = next((HTTPX_ERRORS[k] for k in type(exc).__mro__ if k in HTTPX_ERRORS), None)
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


class GuardedStream(httpx.SyncByteStream):
    """A response body read from httpcore, its errors raised as httpx's."""

    def __init__(self, stream: Iterable[bytes]):
        self.stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with httpx_errors():
            yield from self.stream

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            with httpx_errors():
                close()


class GuardedTransport(httpx.BaseTransport):
    """httpx's plain HTTP transport, over a connection pool that opens guarded sockets only."""

    def __init__(self, allowed_hosts: frozenset[str]):
        self.pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            # httpx's default limits.
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allowed_hosts),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,  # the client's timeouts travel here
        )
        with httpx_errors():
            response = self.pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=GuardedStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self.pool.close()


def guarded_client(*, timeout: httpx.Timeout, allowed_hosts: Iterable[str] = ()) -> httpx.Client:
    """An httpx client whose every connection, redirects included, passes the address check.

    Proxy variables from the environment are ignored: through a proxy, the check would see the
    proxy's address instead of the target's.
    """
    transport = GuardedTransport(normalise_hosts(allowed_hosts))
    return httpx.Client(timeout=timeout, transport=transport, trust_env=False)
