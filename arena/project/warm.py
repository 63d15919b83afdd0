"""What a server or a worker loads once at start, though a command loads it on first use.

The numeric and HTTP libraries are imported inside the code that computes with them, so that
a ``./dev manage`` command starts without them (``tests/test_startup.py`` holds it). A web
server or a Celery worker loads them before its first request or task instead: no request
pays for the import, and a worker's pool processes share what the worker loaded before it
started them.
"""

from __future__ import annotations

from importlib import import_module

# Loaded at a server's start, never at a command's.
LIBRARIES = (
    "httpx",
    "redis",
    "scipy.optimize",
    "scipy.sparse",
    "scipy.sparse.csgraph",
    "scipy.special",
    "scipy.stats",
)


def warm() -> None:
    """Import the libraries and every provider adapter."""
    from generation.providers import get_provider_class, provider_names

    for name in LIBRARIES:
        import_module(name)
    for name in provider_names():
        get_provider_class(name)
