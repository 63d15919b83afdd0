"""Route one prompt: the category's answer, unless the votes of prompts like it say better
(:func:`ratings.prompt_fit.decide` on the board's prompt index, cached here per snapshot)."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict

import numpy as np
from django.conf import settings

from arena.models import Category
from generation.models import Generator
from ratings import prompt_index
from ratings.models import PromptRouteIndex, Snapshot
from ratings.payloads import board_payload
from ratings.prompt_fit import PromptDecision, Rule, decide
from ratings.route_decision import CategoryDecision, affordable
from ratings.routing import answer_of, route
from ratings.selectors import NO_CONTROL, snapshot_latest

_CACHE: OrderedDict[int, prompt_index.PromptIndex | None] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def points_per_unit() -> float:
    return settings.RATINGS_ELO_SCALE / math.log(settings.RATINGS_ELO_BASE)


def rule_for(*, tolerance: float) -> Rule:
    """The rule at the settings, for a tolerance in rating points."""
    points = points_per_unit()
    return Rule(
        tolerance=tolerance / points,
        error_rate=settings.RATINGS_ERROR_RATE,
        min_votes=settings.RATINGS_MIN_VOTES,
        min_total=settings.ROUTE_MIN_CATEGORY_VOTES,
        similarity=settings.ROUTE_PROMPT_SIMILARITY,
        precision=(points / settings.ROUTE_PROMPT_PRIOR_SD) ** 2,
        points=points,
    )


def index_of(snapshot: Snapshot) -> prompt_index.PromptIndex | None:
    """The snapshot's prompt index, read once per process and snapshot (None: none stored)."""
    with _LOCK:
        if snapshot.id in _CACHE:
            _CACHE.move_to_end(snapshot.id)
            return _CACHE[snapshot.id]
    stored = PromptRouteIndex.objects.filter(snapshot=snapshot).values_list("data", flat=True)
    data = stored.first()
    index = prompt_index.loads(bytes(data)) if data is not None else None
    with _LOCK:
        _CACHE[snapshot.id] = index
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index


def prompt_route(*, prompt: str, category: Category | None, **options) -> dict:
    """The route's answer for one prompt of ``category`` (None: no category matched it); the
    other options are :func:`ratings.routing.route`'s."""
    answer = route(category=category, **options)
    if answer["control"] != NO_CONTROL:
        return _fallback(answer, "the prompt route reads the plain boards; this is the category's")
    if category is None:
        return _fallback(answer, "no category matches this prompt; the overall board answers")
    board = snapshot_latest(category=category, kind=category.kind)
    if board is None:
        return _fallback(answer, "no leaderboard has been computed for this category yet")
    if answer["board_used"] != category.slug:
        return _fallback(answer, answer["reason"])
    payload = board_payload(board)
    index = index_of(board)
    rows = _rows_in_index_order(payload, index)
    tolerance = answer["tolerance"]
    rule = rule_for(tolerance=tolerance)
    names = [row["generator"] if row else "" for row in rows]
    category_pick = _position(names, answer["recommended"])
    decision = decide(
        index, prompt, centre=_centre(rows, payload), allowed=_allowed(rows, answer["max_cost"]),
        category_pick=category_pick, rule=rule, names=names,
    )  # fmt: skip
    info = _prompt_info(decision.near, decision.leader, names, category_pick)
    basis = {"basis": decision.basis, "prompt": info, "fallback_reason": decision.fallback_reason}
    if decision.basis == "category" or not decision.confident:
        # Not confident on the prompt basis: its leader is the category's pick, and so the answer.
        return {**answer, **basis}
    options = {"max_cost": answer["max_cost"], "objective": answer["objective"],
               "alternatives": options.get("alternatives", 10)}  # fmt: skip
    return {**_prompt_answer(category, payload, rows, decision, rule, tolerance, options), **basis}


def _fallback(answer: dict, why: str) -> dict:
    info = _prompt_info(None, None, [], None)
    return {**answer, "basis": "category", "prompt": info, "fallback_reason": why}


def _rows_in_index_order(payload: dict, index) -> list[dict | None]:
    if index is None:
        return []
    ids = [int(gid) for gid in index.generators]
    slugs = dict(Generator.objects.filter(id__in=ids).values_list("id", "slug"))
    by_slug = {row["generator"]: row for row in payload["rows"]}
    return [by_slug.get(slugs.get(gid)) for gid in ids]


def _centre(rows: list[dict | None], payload: dict) -> np.ndarray:
    """The category's strengths (natural-log units) in the index's order; 0 when unrated."""
    anchor = payload["parameters"].get("anchor", settings.RATINGS_ANCHOR)
    points = points_per_unit()
    return np.array(
        [(r["rating"] - anchor) / points if r and r["rated"] else 0.0 for r in rows], dtype=float
    )


def _allowed(rows: list[dict | None], max_cost: float | None) -> np.ndarray:
    return np.array([r is not None and affordable(r, max_cost) for r in rows], dtype=bool)


def _position(names: list[str], recommended: dict | None) -> int | None:
    if recommended is None or recommended["generator"] not in names:
        return None
    return names.index(recommended["generator"])


def _prompt_info(near, pick: int | None, names: list[str], category_pick: int | None) -> dict:
    """What the prompt drew on (``near``: none yet) and its own leader ``pick``."""
    return {
        "prompts": near.prompts if near else 0,
        "votes": near.votes if near else 0,
        "effective_votes": round(near.effective_votes, 1) if near else 0.0,
        "nearest": round(near.nearest, 3) if near else None,
        "similarity": round(near.weighted_similarity, 3) if near else None,
        "agrees": None if pick is None else pick == category_pick,
        "leader": None if pick is None else names[pick],
    }


def _prompt_answer(category, payload, rows, decision: PromptDecision, rule: Rule, tolerance,
                   options):  # fmt: skip
    """The answer built on the prompt's fit: its ratings, its bounds, its decision."""
    points, anchor = rule.points, payload["parameters"].get("anchor", settings.RATINGS_ANCHOR)
    fit, bounds = decision.fit, decision.bounds
    ranked, regret = [], {}
    for k, row in enumerate(rows):
        if row is None or not decision.established[k]:
            continue
        regret[row["generator"]] = round(max(float(bounds[k]), 0.0) * points, 1)
        ranked.append({
            **row, "rating": round(anchor + fit.theta[k] * points, 1), "ci_lower": None,
            "ci_upper": None, "rank_lower": None, "rank_upper": None, "tier": None,
            "p_best": None, "votes": round(float(fit.effective_votes[k])),
        })  # fmt: skip
    ranked.sort(key=lambda r: (-r["rating"], r["generator"]))
    leader = rows[decision.pick]["generator"]
    runner = ranked[1]["generator"] if len(ranked) > 1 else None
    own = CategoryDecision(
        leader=leader, confident=True, reason=decision.reason, error_rate=rule.error_rate,
        runner_up=runner, tolerance=tolerance, regret_bounds=regret,
        regret_bound=regret.get(leader), votes_needed_estimate=0,
    )  # fmt: skip
    answer = answer_of(
        category=category, kind=category.kind, payload=payload, ranked=ranked, own=own,
        reason=None, leader_name=leader, regret=regret, **options,
    )  # fmt: skip
    return {**answer, "votes_total": int(decision.near.votes)}
