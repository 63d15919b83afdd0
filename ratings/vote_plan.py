"""Where votes are needed, per category: exactly what the matchmaker (:mod:`ratings.pairing`)
does with the newest snapshots, for the admin's vote plan page and ``manage.py vote_plan``."""

from __future__ import annotations

import math

import numpy as np
from django.conf import settings

from arena.models import Category
from generation.models import Generator
from ratings.pairing import (
    PairPlan,
    board_settled,
    board_state,
    changed_votes,
    pair_plan,
    votes_needed,
    worth_of,
)
from ratings.route_decision import route_tolerance
from ratings.selectors import snapshot_latest

SETTLED, DECIDING, NO_DATA = "settled", "deciding", "no data"


def vote_plan(*, pairs: int = 5) -> list[dict]:
    """One entry per category, the ones most worth a vote first."""
    enabled = dict(Generator.objects.filter(enabled=True).values_list("id", "name"))
    plans = [_category_plan(c, enabled, pairs) for c in Category.objects.all()]
    # The arena's own mix (arena.services.pairing.categories_order), for one voter's next
    # battle when every category has one waiting.
    total = sum(p["worth"] for p in plans)
    steer = settings.ARENA_PAIRING == "active" and total > 0
    share = settings.ARENA_PAIRING_EXPLORATION if steer else 1.0
    for plan in plans:
        steered = (1.0 - share) * plan["worth"] / total if steer else 0.0
        plan["vote_share"] = round(steered + share / len(plans), 3)
    return sorted(plans, key=lambda p: (-p["worth"], p["category"]))


def _category_plan(category: Category, enabled: dict[int, str], pairs: int) -> dict:
    snapshot = snapshot_latest(category=category)
    state = board_state(category=category, snapshot=snapshot) if snapshot else None
    worth = worth_of(category=category, enabled=list(enabled))
    active = settings.ARENA_PAIRING == "active"
    since = changed_votes(state, list(enabled))
    plan = pair_plan(state if active else None, list(enabled), since)
    needed = votes_needed(state) if state is not None else None
    if state is None or not (~np.isnan(state.rating)).any():
        status, reason = NO_DATA, "no leaderboard yet"
    elif board_settled(state, list(enabled), since):
        status, reason = SETTLED, _settled_reason(state)
    else:
        status, reason = DECIDING, _deciding_reason(state, needed, enabled, since)
    return {
        "category": category.slug,
        "name": category.name,
        "state": status,
        "reason": reason,
        "routing_weight": category.routing_weight,
        "worth": round(worth, 4),
        "votes": state.vote_count if state else 0,
        "tolerance": state.tolerance if state else route_tolerance(category),
        "regret_bound": state.regret_bound if state else None,
        "votes_needed": _needed(status, needed, plan),
        "placing": [enabled[g] for g in plan.placing if g in enabled],
        "pairs": _favoured(plan, enabled, pairs, _uniform_reason(status, active)),
    }


def _settled_reason(state) -> str:
    bound = state.regret_bound or 0.0
    return (
        f"the route is confident: its pick is within {bound:.0f} points of the best "
        f"(tolerance {state.tolerance:g})"
    )


def _deciding_reason(state, needed, enabled: dict[int, str], since: dict[int, int]) -> str:
    rated = {g for g, r in zip(state.generator_ids, state.rating, strict=True) if r == r}
    unrated = [name for g, name in enabled.items() if g not in rated]
    group = needed[1][1:] if needed else []
    if group:
        names = ", ".join(enabled.get(g, str(g)) for g in group)
        return f"the leader is not yet within {state.tolerance:g} points of {names}"
    if unrated:
        return "enabled generators without votes here: " + ", ".join(unrated)
    placing = pair_plan(state, list(enabled), since).placing if since else []
    if placing:
        names = ", ".join(enabled[g] for g in placing)
        return f"changed since their votes here, being placed again: {names}"
    return "the route is not confident yet"


def _needed(status: str, needed: tuple[float, list[int]] | None, plan: PairPlan) -> int | None:
    """Category votes, given the share of them the matchmaker sends to the deciding pairs."""
    if status != DECIDING or needed is None or math.isinf(needed[0]):
        return None
    estimate, group = needed
    where = [plan.generator_ids.index(g) for g in group if g in plan.generator_ids]
    leader, others = where[0] if where else None, where[1:]
    share = sum(2 * float(plan.weights[leader, c]) for c in others) if others else 1.0
    return math.ceil(estimate / max(share, 1e-3))


def _uniform_reason(status: str, active: bool) -> str:
    if not active:
        return "uniform: ARENA_PAIRING is uniform"
    if status == NO_DATA:
        return "uniform: no leaderboard for this category yet"
    return "uniform: the category is settled, so it gets exploration only"


def _favoured(plan: PairPlan, names: dict[int, str], limit: int, uniform: str) -> list[dict]:
    ids = plan.generator_ids
    upper = np.triu_indices(len(ids), k=1)
    order = np.argsort(-plan.weights[upper], kind="stable")[:limit]
    return [
        {
            "pair": [names.get(ids[i], str(ids[i])), names.get(ids[j], str(ids[j]))],
            "share": round(2 * float(plan.weights[i, j]), 3),
            "why": uniform if plan.uniform else _why(plan, i, j),
        }
        for i, j in zip(upper[0][order].tolist(), upper[1][order].tolist(), strict=True)
    ]


def _why(plan: PairPlan, i: int, j: int) -> str:
    decision, placement = plan.decision[i, j], plan.placement[i, j]
    if placement > decision:
        return "placement: a new generator meets models near its estimated level"
    if decision > 0:
        return "decision: likely leader against the model most likely to beat it"
    return "exploration: every pair keeps being seen"
