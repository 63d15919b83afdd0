"""Creating, checking and revoking API keys; keys are random, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
from django.utils import timezone

from ratings.models import ApiKey

KEY_PREFIX = "arena_"
CACHE_SECONDS = 30


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
    cache.delete(_cache_key(api_key.key_hash))


def _cache_key(digest: str) -> str:
    return f"apikey:{digest}"


def api_key_lookup(key: str) -> ApiKey | None:
    """The active key matching ``key``, or None; briefly cached to keep requests cheap."""
    digest = key_hash(key)
    cached = cache.get(_cache_key(digest))
    if cached is not None:
        return cached or None
    row = ApiKey.objects.filter(key_hash=digest, revoked_at__isnull=True).first()
    if row is not None:
        # Recorded on a cache miss only: "last used" is exact to within CACHE_SECONDS.
        ApiKey.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    cache.set(_cache_key(digest), row or False, CACHE_SECONDS)
    return row
