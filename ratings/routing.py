"""Which generator for a category, and whether the data have settled it.

The rule (the maths is :mod:`ratings.engine.decision`): a category is *settled* when its leader
among the established generators (at least ``RATINGS_MIN_VOTES`` votes) beats every other
established generator by a margin whose anytime-valid lower bound is above zero, at
``RATINGS_ERROR_RATE`` shared among the challengers. The chance that a category is ever
answered confidently with a generator that is not its best established one stays below the
error rate, however often the route is asked. Provisional generators (fewer votes) are shown,
never picked with confidence and never the reason a pick is withheld; those that might beat
the leader are listed.

:func:`category_decision` answers "is this category settled?" from a stored snapshot without
refitting anything; :func:`route` builds the router's answer on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from arena.models import Category, Kind
from generation.models import Generator
from ratings.engine.decision import leader_decision
from ratings.models import Snapshot
from ratings.payloads import board_payload
from ratings.selectors import board_slug, snapshot_latest

CONFIDENT = "confident"
INSUFFICIENT = "insufficient_data"


@dataclass(frozen=True)
class CategoryDecision:
    """Whether a board names its best generator at the route's error rate.

    ``leader`` is the established generator (slug) rated highest, ``confident`` whether the
    rule says it is the best, ``provisional_challengers`` the generators with too few votes to
    judge that might beat it. The margin is the leader's over the runner-up, in rating points,
    with its anytime-valid interval; ``votes_needed_estimate`` is roughly how many more votes
    would settle the board if today's gaps held (0 when settled, None when out of reach).
    """

    leader: str | None
    confident: bool
    reason: str
    error_rate: float
    runner_up: str | None = None
    margin: dict | None = None
    provisional_challengers: list[str] = field(default_factory=list)
    votes_needed_estimate: int | None = None


def category_decision(snapshot: Snapshot, *, max_cost: float | None = None) -> CategoryDecision:
    """Is the board of ``snapshot`` settled under the route's rule? From the snapshot, no refit.

    ``max_cost`` leaves out generators above that cost per output (the question becomes
    "which is best within the budget"). Prices are read fresh, so nothing here is cached.
    """
    payload = board_payload(snapshot)
    rows = [r for r in payload["rows"] if r["rated"] and _affordable(r, max_cost)]
    return board_decision(
        rows, _covariance(snapshot), votes_total=payload["votes_total"],
        parameters=payload["parameters"],
    )  # fmt: skip


def _covariance(snapshot: Snapshot) -> dict[str, dict[str, float]] | None:
    """The stored covariance by generator slug, or None for a snapshot without one."""
    matrices = snapshot.matrices
    values = matrices.get("covariance")
    if values is None:
        return None
    ids = matrices.get("generators", [])
    slugs = dict(Generator.objects.filter(id__in=ids).values_list("id", "slug"))
    names = [slugs.get(gid) for gid in ids]
    return {
        a: {b: v for b, v in zip(names, row, strict=True) if v is not None}
        for a, row in zip(names, values, strict=True)
    }


def board_decision(
    rows: list[dict], covariance: dict | None, *, votes_total: int, parameters: dict
) -> CategoryDecision:
    """The route's rule on a board's rated rows (payload-shaped dicts, any order).

    ``covariance`` maps generator slug to slug to the covariance of their ratings in rating
    points squared (None: the snapshot predates it). Parameters are the snapshot's (scale).
    """
    error_rate = settings.RATINGS_ERROR_RATE
    if not rows:
        return CategoryDecision(None, False, "no rated generator fits the constraints", error_rate)
    if covariance is None:
        leader = max(rows, key=lambda r: r["rating"])["generator"]
        reason = "this leaderboard has no uncertainty to decide from; recompute it"
        return CategoryDecision(leader, False, reason, error_rate)
    slugs = [r["generator"] for r in rows]
    points = parameters.get("scale", 400.0) / math.log(parameters.get("base", 10.0))
    theta = np.array([r["rating"] for r in rows]) / points
    cov = np.array([[covariance[a].get(b, math.nan) for b in slugs] for a in slugs]) / points**2
    established = np.array([r["votes"] >= settings.RATINGS_MIN_VOTES for r in rows])
    rule = leader_decision(theta, cov, established, error_rate=error_rate)
    return _decision(rule, slugs, points, votes_total, error_rate)


def _decision(rule, slugs: list[str], points: float, votes_total: int, error_rate: float):
    leader = None if rule.leader is None else slugs[rule.leader]
    runner = None if rule.runner_up is None else slugs[rule.runner_up]
    margin = None
    if runner is not None:
        margin = {
            "over": runner,
            "points": round(rule.margin * points, 1),
            "lower": round(rule.margin_lower * points, 1),
            "upper": round(rule.margin_upper * points, 1),
        }
    short = max(settings.ROUTE_MIN_CATEGORY_VOTES - votes_total, 0)
    needed = None
    if rule.growth_needed is not None:
        needed = max(math.ceil((rule.growth_needed - 1.0) * votes_total), short)
    confident = rule.confident and short == 0
    return CategoryDecision(
        leader=leader,
        confident=confident,
        reason=_reason(rule, slugs, votes_total, confident),
        error_rate=error_rate,
        runner_up=runner,
        margin=margin,
        provisional_challengers=[slugs[k] for k in rule.provisional_challengers],
        votes_needed_estimate=0 if confident else needed,
    )


def _reason(rule, slugs: list[str], votes_total: int, confident: bool) -> str:
    if rule.leader is None:
        return f"no generator has {_votes(settings.RATINGS_MIN_VOTES)} here yet"
    if votes_total < settings.ROUTE_MIN_CATEGORY_VOTES:
        needed = settings.ROUTE_MIN_CATEGORY_VOTES
        return f"{_votes(votes_total)} in this category; {needed} are needed"
    if rule.runner_up is None:
        return "only one generator is established here; there is nothing to compare it with"
    if confident:
        return (
            f"{slugs[rule.leader]} beats every established challenger at an error rate of "
            f"{settings.RATINGS_ERROR_RATE:g}, however often this is asked"
        )
    blocking = ", ".join(slugs[k] for k in rule.blocking)
    return f"the data cannot yet separate {slugs[rule.leader]} from {blocking}"


def _affordable(row: dict, max_cost: float | None) -> bool:
    return max_cost is None or _cost(row) <= max_cost


def _cost(row: dict) -> float:
    return row["mean_cost"] if row["mean_cost"] is not None else row["price_per_output"]


def _choice(row: dict) -> dict:
    keys = ("generator", "name", "provider", "model_id", "rating", "ci_lower", "ci_upper",
            "rank_lower", "rank_upper", "tier", "p_best", "votes", "median_latency_ms")  # fmt: skip
    provisional = row["votes"] < settings.RATINGS_MIN_VOTES
    return {**{k: row.get(k) for k in keys}, "cost": _cost(row), "provisional": provisional}


def _ranked(payload: dict, max_cost: float | None) -> list[dict]:
    rows = [r for r in payload["rows"] if r["rated"] and _affordable(r, max_cost)]
    return sorted(rows, key=lambda r: (-r["rating"], r["generator"]))


def _fallback_reason(snapshot: Snapshot | None, decision: CategoryDecision | None) -> str | None:
    """Why the category's own board cannot even name a leader, or None when it can."""
    if snapshot is None:
        return "no leaderboard has been computed for this category yet"
    if decision.leader is None or snapshot.vote_count < settings.ROUTE_MIN_CATEGORY_VOTES:
        return decision.reason
    return None


def _capable_slugs(kind: str) -> set[str]:
    both = Generator.Capability.BOTH
    return set(
        Generator.objects.filter(capabilities__in=[kind, both]).values_list("slug", flat=True)
    )


def _votes(count: int) -> str:
    return f"{count} vote" if count == 1 else f"{count} votes"


def route(
    *,
    category: Category | None,
    kind: str = Kind.GENERATE,
    max_cost: float | None = None,
    alternatives: int = 10,
) -> dict:
    """The recommendation for a category (None: the overall board of ``kind``), with up to N
    ranked alternatives.

    The category's own leader is recommended whenever the category has one (``confident`` or
    not); a category too thin to name one falls back to the leader of the overall board of its
    own kind: an edit category is never answered from generation votes, nor the reverse.
    """
    kind = category.kind if category is not None else kind
    board = snapshot_latest(category=category, kind=kind)
    decision = category_decision(board, max_cost=max_cost) if board else None
    reason = _fallback_reason(board, decision)
    used, used_decision = board, decision
    if reason is not None and category is not None:
        used = snapshot_latest(category=None, kind=kind)
        used_decision = category_decision(used, max_cost=max_cost) if used else None
    payload = board_payload(used) if used else None
    ranked = _ranked(payload, max_cost) if payload else []
    if used is not board:
        # Votes of the past: a generator that can no longer do this kind is not offered.
        capable = _capable_slugs(kind)
        ranked = [r for r in ranked if r["generator"] in capable]
    # A board whose generators are all provisional still has a best guess: its top row.
    name = used_decision.leader if used_decision else None
    leader = next((r for r in ranked if r["generator"] == name), ranked[0] if ranked else None)
    others = [r for r in ranked if r is not leader]
    own = decision or CategoryDecision(None, False, reason or "", settings.RATINGS_ERROR_RATE)
    tier = leader.get("tier") if leader else None
    return {
        "category": board_slug(category),
        "kind": kind,
        "decision": CONFIDENT if own.confident and reason is None else INSUFFICIENT,
        "reason": reason or own.reason,
        "error_rate": own.error_rate,
        "board_used": payload["board"] if payload else None,
        "recommended": _choice(leader) if leader else None,
        "margin": own.margin if reason is None else None,
        "runner_up": own.runner_up if reason is None else None,
        "votes_needed_estimate": own.votes_needed_estimate,
        "provisional_challengers": own.provisional_challengers,
        "statistically_tied_with": [
            r["generator"] for r in others if tier is not None and r.get("tier") == tier
        ],
        "alternatives": [_choice(r) for r in others[:alternatives]],
        "max_cost": max_cost,
        "computed_at": payload["computed_at"] if payload else None,
        "votes_total": payload["votes_total"] if payload else 0,
    }
