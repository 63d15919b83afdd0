"""Callbacks that the rooms built on the arena register, so that the arena imports none of them.

Imports run one way (ratings → arena → generation). Where a vote must change something a
higher room owns, that room registers a callback here from its ``AppConfig.ready()``:

``vote_effect_register(effect)``
    ``effect(category_id=..., sides=(left_id, right_id))`` is a context manager, entered inside
    the vote's transaction before the vote is inserted (take locks there) and yielding a
    callable that is given the inserted :class:`arena.models.Vote`. The ratings app moves the
    online Elo this way, in the vote's own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

VoteEffect = Callable[..., AbstractContextManager[Callable[[object], None]]]

_vote_effects: list[VoteEffect] = []


def vote_effect_register(effect: VoteEffect) -> None:
    """Have ``effect`` run inside every vote's transaction (once, however often registered)."""
    if effect not in _vote_effects:
        _vote_effects.append(effect)


def vote_effects() -> tuple[VoteEffect, ...]:
    return tuple(_vote_effects)
