"""Typed readers for settings from the environment that fail loudly on bad values."""

from __future__ import annotations

import ipaddress
import math
import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Read a boolean: 1/true/yes/on or 0/false/no/off (any case)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0), got {raw!r}")


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    """Read an integer, optionally with a lower bound."""
    return _number(name, default, int, "an integer", minimum, None)


def envfloat(
    name: str, default: float, *, minimum: float | None = None, maximum: float | None = None
) -> float:
    """Read a finite float, optionally with bounds."""
    return _number(name, default, float, "a number", minimum, maximum)


def _number(name, default, parse, what: str, minimum, maximum):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = parse(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, got {raw!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise ImproperlyConfigured(f"{name} must be a finite number, got {raw!r}")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be <= {maximum}, got {value}")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list; blanks are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read one of a fixed set of strings."""
    value = os.environ.get(name, default).strip()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def envsize(name: str, default: tuple[int, int] | None) -> tuple[int, int] | None:
    """Read a size ``WIDTHxHEIGHT`` (both 16..8192), or ``native`` for None (keep as is)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value == "native":
        return None
    width, sep, height = value.partition("x")
    if sep and width.isdigit() and height.isdigit():
        size = (int(width), int(height))
        if all(16 <= edge <= 8192 for edge in size):
            return size
    raise ImproperlyConfigured(
        f"{name} must be WIDTHxHEIGHT (16..8192 each, e.g. 1024x1024) or native, got {raw!r}"
    )


_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def envhostmap(
    name: str, default: dict[str, tuple[str, ...]], *, prefix: str
) -> dict[str, frozenset[str]]:
    """Read ``VARIABLE=host|host, VARIABLE=host`` over ``default``.

    A variable named replaces its default hosts; the others keep theirs. Each variable starts
    with ``prefix``; each host is a name or an IP address, without scheme, port or path.
    """
    bound = {variable: frozenset(hosts) for variable, hosts in default.items()}
    named: set[str] = set()
    for item in os.environ.get(name, "").split(","):
        if not item.strip():
            continue
        variable, sep, hosts = (part.strip() for part in item.partition("="))
        if not sep or not variable:
            raise ImproperlyConfigured(f"{name} takes VARIABLE=host pairs, got {item.strip()!r}")
        if not (_VARIABLE.fullmatch(variable) and variable.startswith(prefix)) or (
            variable == prefix
        ):
            raise ImproperlyConfigured(
                f"{name}: {variable!r} is not a variable name starting with {prefix}"
            )
        if variable in named:
            raise ImproperlyConfigured(f"{name}: {variable} is named twice")
        named.add(variable)
        bound[variable] = frozenset(_host(name, host) for host in hosts.split("|"))
    return bound


def _host(name: str, raw: str) -> str:
    host = raw.strip().lower()
    if not host:
        raise ImproperlyConfigured(f"{name}: empty host in a VARIABLE=host pair")
    try:
        return str(ipaddress.ip_address(host.removeprefix("[").removesuffix("]")))
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(host):
        raise ImproperlyConfigured(
            f"{name}: {raw.strip()!r} is not a host (a name or an IP address, without scheme, "
            "port or path)"
        )
    return host
