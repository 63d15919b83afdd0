"""Matchmaking's hooks: which pair a new battle gets, and which category a voter sees next.

The arena knows battles, not ratings. The rules that read a category's leaderboard are
registered here by the ratings app when it starts (``pair_policy_register``). With nothing
registered, or with ``ARENA_PAIRING=uniform``, every pair and every category is drawn
uniformly: the audit mode whose votes no earlier vote has steered.

A pair policy is called as ``pairs(category_id=..., generator_ids=[...])`` and returns a
weight per pair ``(id_a, id_b)`` with ``id_a < id_b``, or None for uniform. A category policy
is called as ``categories(category_ids=[...])`` and returns a worth per category (0 for a
settled one); the arena mixes in ``ARENA_PAIRING_EXPLORATION`` of uniform itself, so a
category worth nothing still gets its exploration share.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from django.conf import settings


class _HasIdentity(Protocol):
    id: int


G = TypeVar("G", bound=_HasIdentity)
PairPolicy = Callable[..., dict[tuple[int, int], float] | None]
CategoryPolicy = Callable[..., dict[int | None, float]]

_policies: dict[str, Callable | None] = {"pairs": None, "categories": None}
_rng = random.SystemRandom()


def pair_policy_register(*, pairs: PairPolicy | None, categories: CategoryPolicy | None) -> None:
    """Install the rules the arena asks (None puts back uniform)."""
    _policies["pairs"] = pairs
    _policies["categories"] = categories


def _active(name: str) -> Callable | None:
    if settings.ARENA_PAIRING != "active":
        return None
    return _policies[name]


def pairs_draw(
    pool: Sequence[G], *, category_id: int | None, count: int = 1, rng: random.Random | None = None
) -> list[tuple[G, G]]:
    """``count`` pairs of distinct generators from ``pool``, by the policy's weights."""
    rng = rng or _rng
    if len(pool) < 2:
        return []
    policy = _active("pairs")
    weights = None
    if policy is not None and category_id is not None:
        weights = policy(category_id=category_id, generator_ids=[g.id for g in pool])
    by_id = {g.id: g for g in pool}
    pairs = [p for p, w in (weights or {}).items() if w > 0 and len(set(p) & by_id.keys()) == 2]
    if not pairs:
        return [tuple(rng.sample(list(pool), 2)) for _ in range(count)]  # type: ignore[misc]
    chosen = rng.choices(pairs, weights=[weights[p] for p in pairs], k=count)
    # Sides are drawn again when the battle is shown; the stored order carries no meaning.
    return [(by_id[a], by_id[b]) if rng.random() < 0.5 else (by_id[b], by_id[a]) for a, b in chosen]


def categories_order(
    category_ids: Sequence[int | None], *, rng: random.Random | None = None
) -> list[int | None]:
    """Categories in the order to try them, drawn one by one: each with chance
    ``(1 - e) * worth / total + e / n`` (``e``: ``ARENA_PAIRING_EXPLORATION``)."""
    rng = rng or _rng
    remaining = list(dict.fromkeys(category_ids))
    policy = _active("categories")
    worth = policy(category_ids=remaining) if policy is not None and remaining else {}
    order: list[int | None] = []
    while remaining:
        chances = _category_chances(remaining, worth)
        pick = rng.choices(remaining, weights=chances)[0]
        order.append(pick)
        remaining.remove(pick)
    return order


def _category_chances(ids: list[int | None], worth: dict[int | None, float]) -> list[float]:
    values = [max(float(worth.get(i, 1.0)), 0.0) for i in ids]
    total = sum(values)
    if total <= 0.0:
        return [1.0] * len(ids)
    share = settings.ARENA_PAIRING_EXPLORATION
    return [(1.0 - share) * v / total + share / len(ids) for v in values]
