"""Which address a request comes from, for the login limit (django-axes' AXES_CLIENT_IP_CALLABLE).

Each of the ``PROXY_COUNT`` proxies appends the address it was reached from to
``X-Forwarded-For``, so the client is the ``PROXY_COUNT``-th entry from the right; anything to
its left was written by the client: ignored. A client behind its own proxy and a forger both
get their own address, never one lockout bucket shared with others (as django-ipware's
fallback to the proxy's address would give).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or the entry the outermost proxy wrote."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if not count:
        return remote
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < count:
        return remote  # fewer entries than proxies: not written by them
    try:
        return str(ipaddress.ip_address(entries[-count].strip()))
    except ValueError:
        return remote
