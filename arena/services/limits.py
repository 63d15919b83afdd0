"""Per-voter limits on votes and typed prompts.

Votes are counted in the database, the source of truth, so the limits hold across web processes
whatever the cache: the daily cap since midnight, the rate over the last minute (a sliding
window), both read in the statement that reads the battle, at no extra round trip.

Typed prompts are counted in Django's cache, atomically, in a fixed window per voter: set
``CACHE_URL`` to Redis so that every web process shares one count.
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.utils import timezone

from arena import selectors
from arena.core.cache import count_hit
from arena.models import Vote
from arena.services.errors import RateLimited


def rate_hit(*, key: str, limit: int, window: int) -> int:
    """Count one request against ``limit`` (0: none) per ``window`` seconds: 0 if allowed, else
    the seconds left in the window."""
    if limit <= 0:
        return 0
    now = time.time()
    bucket = int(now // window)
    count = count_hit(f"arena:rate:{key}:{bucket}", timeout=window + 5)
    if count <= limit:
        return 0
    return max(int((bucket + 1) * window - now) + 1, 1)


def daily_cap_check(*, voter, votes_today: int | None = None) -> None:
    """Raise ``RateLimited`` when this voter has cast today's allowed votes (``votes_today``:
    their count, when the caller has just read it)."""
    cap = settings.ARENA_DAILY_VOTE_CAP
    if not cap:
        return
    if votes_today is None:
        votes_today = selectors.votes_today(voter=voter)
    if votes_today >= cap:
        raise RateLimited(
            f"You have cast {cap} votes today, the most a voter may cast in a day. "
            "Voting opens again tomorrow.",
            retry_after=_seconds_to_midnight(),
        )


# The vote rate limit's window, in seconds (a sliding window over the voter's votes).
VOTE_RATE_WINDOW = 60


def vote_allowance_check(*, voter, votes_today: int, votes_last_minute: int) -> None:
    """Raise ``RateLimited`` when this voter may not cast another vote now."""
    daily_cap_check(voter=voter, votes_today=votes_today)
    limit = settings.ARENA_VOTE_RATE_PER_MINUTE
    if not limit:
        return
    if votes_last_minute >= limit:
        since = timezone.now() - timezone.timedelta(seconds=VOTE_RATE_WINDOW)
        oldest = Vote.objects.filter(voter=voter, created_at__gte=since).order_by("created_at")
        oldest = oldest.first()
        wait = VOTE_RATE_WINDOW
        if oldest is not None:
            ends = oldest.created_at + timezone.timedelta(seconds=VOTE_RATE_WINDOW)
            wait = math.ceil((ends - timezone.now()).total_seconds())
        wait = max(wait, 1)
        raise RateLimited(_VOTE_RATE_MESSAGE.format(limit=limit, wait=wait), retry_after=wait)


def prompt_allowance_check(*, voter) -> None:
    """Raise ``RateLimited`` when this voter may not start another typed-prompt battle now."""
    limit = settings.ARENA_PROMPT_RATE_PER_HOUR
    wait = rate_hit(key=f"prompt:{voter.pk}", limit=limit, window=3600)
    if wait:
        raise RateLimited(
            f"You have started {limit} battles with your own prompts this hour, the most "
            f"allowed. Try again in {wait} s.",
            retry_after=wait,
        )


_VOTE_RATE_MESSAGE = (
    "You are voting faster than {limit} votes a minute. Take a breath and vote again in {wait} s."
)


def _seconds_to_midnight() -> int:
    now = timezone.localtime()
    return max(int(86400 - (now - selectors.day_start(now)).total_seconds()), 1)
