"""Which address a request comes from, for the login limit (django-axes' AXES_CLIENT_IP_CALLABLE).

``PROXY_COUNT`` proxies in front of the app each append to ``X-Forwarded-For`` the address they
were reached from, the outermost one the client's. So the client is the ``PROXY_COUNT``-th entry
from the right, and anything to its left was written by the client itself (or by its own
forwarding proxy): ignored, whatever it says. A client behind its own proxy and a forger both
get their own address, so neither shares a lockout bucket with the other.

django-ipware cannot say this: it takes a header with any other number of entries as forged and
falls back to the proxy's own address, one bucket shared by every such client and every forger.
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
