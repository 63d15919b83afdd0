"""An API key goes only to the hosts bound to its variable (the GENERATION_KEY_HOSTS setting).

Staff who may edit a generator choose its base URL and its key variable; without a binding
they could point a real key at a host of their own and read it there. The binding is checked
in the admin form (``generation.safety``) and again here, before each request that carries the
key leaves: a status address or a redirect a provider answers with is held to it too.
"""

from __future__ import annotations

import ipaddress

import httpx

from generation.providers.base import ProviderError


class KeyNotBound(ProviderError):
    """A request that would carry the API key to a host not bound to it."""

    def __init__(self, host: str, bound: frozenset[str]):
        hosts = ", ".join(sorted(bound)) or "no host"
        super().__init__(
            f"the API key may not be sent to {host or 'an address without a host'}: "
            f"GENERATION_KEY_HOSTS binds it to {hosts}",
            permanent=True,
        )


def url_host(url: str) -> str:
    """The host of ``url`` as GENERATION_KEY_HOSTS spells it (lower case, IPs normalised)."""
    try:
        host = httpx.URL(url).raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, UnicodeError):
        return ""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host


def check_key_host(url: str, bound: frozenset[str]) -> None:
    """Raise ``KeyNotBound`` unless ``url`` goes to a host in ``bound``."""
    host = url_host(url)
    if not host or host not in bound:
        raise KeyNotBound(host, bound)
