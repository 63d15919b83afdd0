"""Creating, checking and revoking API keys; keys are random, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from ratings.models import ApiKey

KEY_PREFIX = "arena_"
# "Last used" is kept to the minute: one write a minute per key, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def key_hash(key: str) -> str:
    # Keys carry 256 random bits, so a plain SHA-256 is enough; no slow hash is needed.
    return hashlib.sha256(key.encode()).hexdigest()


def api_key_create(*, name: str, scopes: list[str] | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the key itself, which is never stored."""
    secret = secrets.token_urlsafe(32)
    key = f"{KEY_PREFIX}{secret}"
    row = ApiKey.objects.create(
        name=name,
        prefix=secret[:8],
        key_hash=key_hash(key),
        scopes=[ApiKey.Scope.READ] if scopes is None else scopes,
    )
    return row, key


def api_key_revoke(*, api_key: ApiKey) -> None:
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_lookup(key: str) -> ApiKey | None:
    """The active key matching ``key``, or None.

    Read from the database on every request (one lookup by a unique index), never from a
    cache: a key deleted, descoped or revoked is refused on the very next request.
    """
    row = ApiKey.objects.filter(key_hash=key_hash(key), revoked_at__isnull=True).first()
    if row is not None:
        now = timezone.now()
        stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ApiKey.objects.filter(stale, pk=row.pk).update(last_used_at=now)
    return row
