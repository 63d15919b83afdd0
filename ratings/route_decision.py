"""Whether a board names its best generator: the route's rule (why it holds: docs/ratings.md,
"Good enough, sooner"; the maths: ratings.engine.regret and ratings.engine.decision).

A pick is confident when its anytime-valid regret bound is within the tolerance. Provisional
generators are shown, never picked with confidence, never the reason a pick is withheld.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from django.conf import settings

from arena.models import Category
from generation.models import Generator
from ratings.engine.decision import leader_decision, mixture_radius
from ratings.engine.flip import pick_votes_to_undo
from ratings.engine.regret import regret_bounds
from ratings.models import Snapshot
from ratings.payloads import board_payload
from ratings.selectors import rating_points


@dataclass(frozen=True)
class CategoryDecision:
    """Whether a board names its best generator at the route's error rate; generators by slug,
    margins and bounds in rating points."""

    leader: str | None
    confident: bool
    reason: str
    error_rate: float
    runner_up: str | None = None
    margin: dict | None = None
    provisional_challengers: list[str] = field(default_factory=list)
    votes_needed_estimate: int | None = None
    tolerance: float = 0.0
    regret_bound: float | None = None
    regret_bounds: dict[str, float] = field(default_factory=dict)
    challenger: str | None = None
    challenger_up_to: float | None = None
    votes_to_flip: dict[str, int] = field(default_factory=dict)


def route_tolerance(category: Category | None, tolerance: float | None = None) -> float:
    """The tolerance in rating points: the one asked for, else the category's, else the setting."""
    if tolerance is not None:
        return float(tolerance)
    if category is not None and category.route_tolerance is not None:
        return float(category.route_tolerance)
    return float(settings.RATINGS_ROUTE_TOLERANCE)


def category_decision(
    snapshot: Snapshot, *, max_cost: float | None = None, tolerance: float | None = None
) -> CategoryDecision:
    """Is the board of ``snapshot`` decided under the route's rule? From the snapshot, no refit;
    prices are read fresh, so nothing here is cached."""
    payload = board_payload(snapshot)
    rows = [r for r in payload["rows"] if r["rated"] and affordable(r, max_cost)]
    return board_decision(
        rows, _covariance(snapshot), votes_total=payload["votes_total"],
        parameters=payload["parameters"],
        tolerance=route_tolerance(snapshot.category, tolerance),
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
    rows: list[dict],
    covariance: dict | None,
    *,
    votes_total: int,
    parameters: dict,
    tolerance: float = 0.0,
) -> CategoryDecision:
    """The route's rule on a board's rated rows; ``covariance`` is by slug, in points squared
    (None: the snapshot predates it)."""
    error_rate = settings.RATINGS_ERROR_RATE
    if not rows:
        reason = "no rated generator fits the constraints"
        return CategoryDecision(None, False, reason, error_rate, tolerance=tolerance)
    if covariance is None:
        leader = max(rows, key=lambda r: r["rating"])["generator"]
        reason = "this leaderboard has no uncertainty to decide from; recompute it"
        return CategoryDecision(leader, False, reason, error_rate, tolerance=tolerance)
    slugs = [r["generator"] for r in rows]
    points = rating_points(parameters)
    theta = np.array([r["rating"] for r in rows]) / points
    cov = np.array([[covariance[a].get(b, math.nan) for b in slugs] for a in slugs]) / points**2
    established = np.array([r["votes"] >= settings.RATINGS_MIN_VOTES for r in rows])
    rule = leader_decision(
        theta, cov, established, error_rate=error_rate, tolerance=tolerance / points
    )
    bounds = regret_bounds(theta, cov, established, error_rate=error_rate) * points
    regret = {s: round(float(b), 1) for s, b in zip(slugs, bounds, strict=True) if b == b}
    decision = _decision(rule, slugs, points, votes_total, error_rate, tolerance)
    decision = _with_regret(decision, rule, regret, theta, cov, slugs, points)
    if rule.runner_up is None:
        return decision
    # Each pick the route could name with confidence: how many bad votes would undo it.
    picks = tuple(
        int(k) for k in np.flatnonzero(established) if regret.get(slugs[k], math.inf) <= tolerance
    )
    counts = _votes_to_undo(
        theta.tobytes(), cov.tobytes(), established.tobytes(), picks, rule.alpha, tolerance / points
    )
    flips = {slugs[k]: n for k, n in zip(picks, counts, strict=True) if n is not None}
    return replace(decision, votes_to_flip=flips)


@lru_cache(maxsize=256)
def _votes_to_undo(theta: bytes, cov: bytes, established: bytes, picks: tuple[int, ...],
                   alpha: float, tolerance: float) -> tuple[int | None, ...]:  # fmt: skip
    """Kept per board: the prompt route asks the same snapshot on every request."""
    theta_ = np.frombuffer(theta)
    cov_ = np.frombuffer(cov).reshape(theta_.size, theta_.size)
    established_ = np.frombuffer(established, dtype=bool)
    return tuple(
        pick_votes_to_undo(theta_, cov_, established_, k, alpha=alpha, tolerance=tolerance)
        for k in picks
    )


def _with_regret(decision, rule, regret: dict, theta, cov, slugs, points) -> CategoryDecision:
    """The decision with the regret bounds and the challenger that may be furthest ahead."""
    challenger, up_to = None, None
    if rule.leader is not None and not decision.confident and rule.blocking:
        # The leader's bound is set by this challenger: it may be up to that much better.
        lead = rule.leader
        upper = [
            (theta[c] - theta[lead]) + _radius_between(c, lead, cov, rule.alpha)
            for c in rule.blocking
        ]
        k = int(np.argmax(upper))
        challenger, up_to = slugs[rule.blocking[k]], round(float(upper[k]) * points, 1)
    leader_bound = regret.get(decision.leader) if decision.leader else None
    return replace(
        decision, regret_bound=leader_bound, regret_bounds=regret, challenger=challenger,
        challenger_up_to=up_to,
    )  # fmt: skip


def _radius_between(c: int, lead: int, cov: np.ndarray, alpha: float) -> float:
    """The anytime-valid radius on ``theta_c - theta_lead`` at the rule's per-pair rate."""
    variance = cov[c, c] + cov[lead, lead] - 2.0 * cov[c, lead]
    return float(mixture_radius(math.sqrt(max(variance, 0.0)), alpha))


def _decision(rule, slugs, points: float, votes_total: int, error_rate: float, tolerance: float):
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
        reason=_reason(rule, slugs, votes_total, confident, tolerance),
        error_rate=error_rate,
        runner_up=runner,
        margin=margin,
        provisional_challengers=[slugs[k] for k in rule.provisional_challengers],
        votes_needed_estimate=0 if confident else needed,
        tolerance=tolerance,
    )


def _reason(rule, slugs: list[str], votes_total: int, confident: bool, tolerance: float) -> str:
    if rule.leader is None:
        return f"no generator has {_votes(settings.RATINGS_MIN_VOTES)} here yet"
    if votes_total < settings.ROUTE_MIN_CATEGORY_VOTES:
        needed = settings.ROUTE_MIN_CATEGORY_VOTES
        return f"{_votes(votes_total)} in this category; {needed} are needed"
    if rule.runner_up is None:
        return "only one generator is established here; there is nothing to compare it with"
    rate = f"at an error rate of {settings.RATINGS_ERROR_RATE:g}, however often this is asked"
    if confident and tolerance == 0:
        return f"{slugs[rule.leader]} beats every established challenger {rate}"
    if confident:
        return f"{slugs[rule.leader]} is within {tolerance:g} points of the best {rate}"
    blocking = ", ".join(slugs[k] for k in rule.blocking)
    if tolerance == 0:
        return f"the data cannot yet separate {slugs[rule.leader]} from {blocking}"
    return f"the data cannot yet put {slugs[rule.leader]} within {tolerance:g} points of {blocking}"


def affordable(row: dict, max_cost: float | None) -> bool:
    return max_cost is None or row_cost(row) <= max_cost


def row_cost(row: dict) -> float:
    return row["mean_cost"] if row["mean_cost"] is not None else row["price_per_output"]


def _votes(count: int) -> str:
    return f"{count} vote" if count == 1 else f"{count} votes"
