"""Rules for what a generator may name: key variables under one prefix, public base URLs.

Checked in the admin form and the model's validation (the field validators below), and
again when a provider is called, so a row written some other way is held to the same rules.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from generation.providers.guard import BlockedAddress, normalise_hosts, public_addresses


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


def allowed_hosts() -> frozenset[str]:
    return normalise_hosts(settings.GENERATION_ALLOWED_HOSTS)


def base_url_problem(url: str) -> str:
    """Why a base URL may not be used, or "" when it may (or cannot be resolved from here)."""
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
