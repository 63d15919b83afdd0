"""Which address a request comes from, for the login limit (django-axes through django-ipware)."""

from __future__ import annotations


def axes_client_address_settings(proxy_count: int) -> dict:
    """django-axes settings that key login failures on the client's own address.

    ``proxy_count`` proxies in front of the app each append the address they were reached
    from to ``X-Forwarded-For``; the outermost one appends the client's. So the client is the
    ``proxy_count``-th entry from the right, and anything to its left was written by the client
    itself. django-ipware counts only the proxies after the client within the header (one fewer)
    and takes a header with any other number of entries as forged, falling back to the
    connection's address, which the forger then shares with nobody but other forgers.
    """
    if not proxy_count:
        return {
            "AXES_IPWARE_PROXY_COUNT": None,
            "AXES_IPWARE_PROXY_ORDER": "left-most",
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ["REMOTE_ADDR"],
        }
    return {
        "AXES_IPWARE_PROXY_COUNT": proxy_count - 1,
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"],
    }
