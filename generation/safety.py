"""Rules for what a generator may name: key variables under one prefix, each bound to its
hosts, and public base URLs.

Checked in the admin form and the model's validation (the field validators below), and
again when a provider is called, so a row written some other way is held to the same rules.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.providers.registry import ProviderLookupError, get_provider_class


def key_variable_problem(name: str) -> str:
    """Why ``name`` may not be used as a key variable, or "" when it may."""
    prefix = settings.GENERATION_KEY_PREFIX
    if not name.startswith(prefix) or len(name) == len(prefix):
        return (
            f"API key variables must start with {prefix} (GENERATION_KEY_PREFIX), so that no "
            f"setting of the server itself can be sent to a provider; got {name!r}."
        )
    return ""


def validate_key_variable(value: str) -> None:
    if value and (problem := key_variable_problem(value)):
        raise ValidationError(problem, code="key_prefix")


def key_hosts(variable: str) -> frozenset[str]:
    """The hosts the key in ``variable`` may be sent to (GENERATION_KEY_HOSTS)."""
    return settings.GENERATION_KEY_HOSTS.get(variable, frozenset())


def key_host_problem(variable: str, provider: str, base_url: str) -> str:
    """Why the key in ``variable`` may not go where this generator sends it, or "" when it may."""
    from generation.providers.keys import url_host

    if not variable or key_variable_problem(variable):
        return ""
    try:
        default_url = get_provider_class(provider).default_base_url
    except ProviderLookupError:
        return ""  # the provider field says so itself
    host = url_host(base_url or default_url)
    bound = key_hosts(variable)
    if not host or host in bound:
        return ""  # no host: nothing is sent (a webhook without a URL fails on its own)
    if not bound:
        return (
            f"{variable} is bound to no host, so its key is sent nowhere. To send it to {host}, "
            f"add {variable}={host} to GENERATION_KEY_HOSTS."
        )
    return (
        f"{variable} may be sent only to {', '.join(sorted(bound))} (GENERATION_KEY_HOSTS), "
        f"not to {host}."
    )


def allowed_hosts() -> frozenset[str]:
    from generation.providers.guard import normalise_hosts

    return normalise_hosts(settings.GENERATION_ALLOWED_HOSTS)


def base_url_problem(url: str) -> str:
    """Why a base URL may not be used, or "" when it may (or cannot be resolved from here)."""
    from generation.providers.guard import BlockedAddress, public_addresses

    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host or host in allowed_hosts():
        return ""
    try:
        public_addresses(host, parts.port or 443)
    except BlockedAddress as exc:
        return str(exc) + "."
    except (socket.gaierror, UnicodeError, ValueError):
        return ""  # not resolvable now; the call checks again where it connects
    return ""


def validate_base_url(value: str) -> None:
    if value and (problem := base_url_problem(value)):
        raise ValidationError(problem, code="private_address")
