"""Which generator for a category, and whether it is good enough.

The rule (the maths is :mod:`ratings.engine.regret` and :mod:`ratings.engine.decision`): every
established generator (at least ``RATINGS_MIN_VOTES`` votes) has a *regret bound*, an
anytime-valid upper bound on how many rating points it may be below the best established one,
at ``RATINGS_ERROR_RATE`` shared among the challengers. A pick is *confident* when its bound
is within the tolerance (the query's, else the category's ``route_tolerance``, else
``RATINGS_ROUTE_TOLERANCE``); at tolerance 0 that is the exact rule "the leader beats every
challenger". The chance that a category is ever answered confidently with a pick more than the
tolerance below its best established generator stays below the error rate, however often the
route is asked and whichever objective picks: the leader (``quality``), the cheapest good
enough one (``cost``, by ``price_per_output``) or the fastest (``latency``, by median
latency). Provisional generators (fewer votes) are shown, never picked with confidence and
never the reason a pick is withheld; those that might beat the leader are listed.

:func:`category_decision` answers "is this category settled?" from a stored snapshot without
refitting anything; :func:`route` builds the router's answer on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
from django.conf import settings

from arena.models import Category, Kind
from generation.models import Generator
from ratings.engine.decision import leader_decision, mixture_radius
from ratings.engine.flip import pick_votes_to_undo
from ratings.engine.regret import regret_bounds
from ratings.models import Snapshot
from ratings.payloads import board_payload
from ratings.selectors import NO_CONTROL, board_slug, snapshot_latest

CONFIDENT = "confident"
INSUFFICIENT = "insufficient_data"
OBJECTIVES = ("quality", "cost", "latency")


@dataclass(frozen=True)
class CategoryDecision:
    """Whether a board names its best generator at the route's error rate.

    ``leader`` is the established generator (slug) rated highest, ``confident`` whether the
    rule says it is the best, ``provisional_challengers`` the generators with too few votes to
    judge that might beat it. The margin is the leader's over the runner-up, in rating points,
    with its anytime-valid interval; ``votes_needed_estimate`` is roughly how many more votes
    would settle the board if today's gaps held (0 when settled, None when out of reach).
    ``tolerance`` and ``regret_bound`` (the leader's) are in rating points; ``regret_bounds``
    holds every established generator's; ``challenger`` is the one that may be furthest above
    the leader and ``challenger_up_to`` how far.
    """

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
    """Is the board of ``snapshot`` decided under the route's rule? From the snapshot, no refit.

    ``max_cost`` leaves out generators above that cost per output (the question becomes
    "which is best within the budget"). Prices are read fresh, so nothing here is cached.
    ``tolerance`` (points) defaults to the category's (see :func:`route_tolerance`).
    """
    payload = board_payload(snapshot)
    rows = [r for r in payload["rows"] if r["rated"] and _affordable(r, max_cost)]
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
    """The route's rule on a board's rated rows (payload-shaped dicts, any order).

    ``covariance`` maps generator slug to slug to the covariance of their ratings in rating
    points squared (None: the snapshot predates it). Parameters are the snapshot's (scale).
    ``tolerance`` is in rating points.
    """
    error_rate = settings.RATINGS_ERROR_RATE
    if not rows:
        reason = "no rated generator fits the constraints"
        return CategoryDecision(None, False, reason, error_rate, tolerance=tolerance)
    if covariance is None:
        leader = max(rows, key=lambda r: r["rating"])["generator"]
        reason = "this leaderboard has no uncertainty to decide from; recompute it"
        return CategoryDecision(leader, False, reason, error_rate, tolerance=tolerance)
    slugs = [r["generator"] for r in rows]
    points = parameters.get("scale", 400.0) / math.log(parameters.get("base", 10.0))
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
    """:func:`pick_votes_to_undo` of each pick, kept per board: a route asked again and again
    of the same snapshot (the prompt route asks it on every request) searches once."""
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


def _affordable(row: dict, max_cost: float | None) -> bool:
    return max_cost is None or _cost(row) <= max_cost


def _cost(row: dict) -> float:
    return row["mean_cost"] if row["mean_cost"] is not None else row["price_per_output"]


def _choice(row: dict, regret: dict[str, float]) -> dict:
    keys = ("generator", "name", "provider", "model_id", "rating", "ci_lower", "ci_upper",
            "rank_lower", "rank_upper", "tier", "p_best", "votes", "median_latency_ms",
            "price_per_output")  # fmt: skip
    provisional = row["votes"] < settings.RATINGS_MIN_VOTES
    return {
        **{k: row.get(k) for k in keys},
        "cost": _cost(row),
        "provisional": provisional,
        "regret_bound": regret.get(row["generator"]),
    }


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


def _no_pick_reason(category, kind: str, payload: dict | None, max_cost, capable) -> str:
    """Why the route recommends nothing: the answer says so rather than a bare null."""
    if payload is None:
        board = f"the {category.slug} category" if category else f"the overall {kind} board"
        return f"no votes yet: no leaderboard has been computed for {board}"
    board = f"the {payload['board']} board of {kind} votes"
    rated = [r for r in payload["rows"] if r["rated"]]
    if not rated:
        return f"no votes yet: no generator is rated on {board}"
    rated = [r for r in rated if capable is None or r["generator"] in capable]
    if not rated or max_cost is None:
        return f"no generator rated on {board} can still take this kind of prompt"
    cheapest = min(_cost(r) for r in rated)
    return (
        f"no rated generator costs at most {max_cost:g} per output "
        f"(the cheapest rated one costs {cheapest:g}); raise max_cost"
    )


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
    tolerance: float | None = None,
    objective: str = "quality",
    control: str = NO_CONTROL,
) -> dict:
    """The recommendation for a category (None: the overall board of ``kind``), with up to N
    ranked alternatives.

    The one builder of the route's answer, for the API and the pages alike. The category's own
    leader is the quality pick whenever the category has one (``confident`` or not); a category
    too thin to name one falls back to the leader of the overall board of its own kind: an edit
    category is never answered from generation votes, nor the reverse. ``tolerance`` is in
    rating points (None: the category's); ``objective`` picks among the good-enough generators.
    ``control="style"`` decides on the style-controlled boards instead of the plain ones.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    tolerance = route_tolerance(category, tolerance)
    kind = category.kind if category is not None else kind
    board = snapshot_latest(category=category, kind=kind, control=control)
    decide = {"max_cost": max_cost, "tolerance": tolerance}
    decision = category_decision(board, **decide) if board else None
    reason = _fallback_reason(board, decision)
    used, used_decision = board, decision
    if reason is not None and category is not None:
        used = snapshot_latest(category=None, kind=kind, control=control)
        used_decision = category_decision(used, **decide) if used else None
    payload = board_payload(used) if used else None
    ranked = _ranked(payload, max_cost) if payload else []
    capable = None
    if used is not board:
        # Votes of the past: a generator that can no longer do this kind is not offered.
        capable = _capable_slugs(kind)
        ranked = [r for r in ranked if r["generator"] in capable]
    own = decision or CategoryDecision(
        None, False, reason or "", settings.RATINGS_ERROR_RATE, tolerance=tolerance
    )
    return answer_of(
        category=category, kind=kind, payload=payload, ranked=ranked, own=own, reason=reason,
        leader_name=used_decision.leader if used_decision else None,
        regret=used_decision.regret_bounds if used_decision else {},
        objective=objective, max_cost=max_cost, alternatives=alternatives, control=control,
        capable=capable,
    )  # fmt: skip


def answer_of(
    *,
    category: Category | None,
    kind: str,
    payload: dict | None,
    ranked: list[dict],
    own: CategoryDecision,
    reason: str | None,
    leader_name: str | None,
    regret: dict[str, float],
    objective: str,
    max_cost: float | None,
    alternatives: int,
    control: str = NO_CONTROL,
    capable: set[str] | None = None,
) -> dict:
    """The route's answer from a decision and the ranked rows it was made on.

    ``own`` is the decision of the board asked about, ``reason`` why it could not name a
    leader (None when it could), ``leader_name`` the leader of the board answered from and
    ``regret`` its bounds. The prompt route (ratings.prompt_route) answers through it too.
    """
    # A board whose generators are all provisional still has a best guess: its top row.
    leader = next(
        (r for r in ranked if r["generator"] == leader_name), ranked[0] if ranked else None
    )
    decided = own.confident and reason is None
    good = _good_enough(ranked, own.regret_bounds if reason is None else {}, own)
    pick, verdict, why = _objective_pick(objective, leader, good, own, decided, reason)
    if pick is None:
        why = _no_pick_reason(category, kind, payload, max_cost, capable)
    others = [r for r in ranked if r is not pick]
    tier = pick.get("tier") if pick else None
    return {
        "category": board_slug(category),
        "kind": kind,
        "decision": verdict,
        "reason": why,
        "error_rate": own.error_rate,
        "tolerance": own.tolerance,
        "objective": objective,
        "control": control,
        "board_used": payload["board"] if payload else None,
        "recommended": _choice(pick, regret) if pick else None,
        "regret_bound": regret.get(pick["generator"]) if pick else None,
        "leader": leader["generator"] if leader else None,
        "good_enough": {k: (r["generator"] if r else None) for k, r in good.items()},
        "challenger": _challenger(own, reason),
        "margin": own.margin if reason is None else None,
        "runner_up": own.runner_up if reason is None else None,
        "votes_needed_estimate": own.votes_needed_estimate,
        "votes_to_flip": _votes_to_flip(own, pick, verdict, reason),
        "provisional_challengers": own.provisional_challengers,
        "statistically_tied_with": [
            r["generator"] for r in others if tier is not None and r.get("tier") == tier
        ],
        "alternatives": [_choice(r, regret) for r in others[:alternatives]],
        "max_cost": max_cost,
        "computed_at": payload["computed_at"] if payload else None,
        "votes_total": payload["votes_total"] if payload else 0,
    }


def _votes_to_flip(own: CategoryDecision, pick, verdict: str, reason: str | None) -> int | None:
    """Adversarial votes in this category that would undo a confident pick (an estimate)."""
    if pick is None or verdict != CONFIDENT or reason is not None:
        return None
    return own.votes_to_flip.get(pick["generator"])


def _challenger(own: CategoryDecision, reason: str | None) -> dict | None:
    if reason is not None or own.challenger is None:
        return None
    return {"generator": own.challenger, "up_to": own.challenger_up_to}


def _good_enough(ranked: list[dict], regret: dict[str, float], own: CategoryDecision) -> dict:
    """The cheapest and the fastest established generators whose bound is within tolerance."""
    enough = own.leader is not None and own.runner_up is not None
    within = [
        r for r in ranked
        if enough and r["generator"] in regret and regret[r["generator"]] <= own.tolerance
    ]  # fmt: skip

    def first(key) -> dict | None:
        return min(within, key=key) if within else None

    latency = first(lambda r: (_or_inf(r["median_latency_ms"]), regret[r["generator"]]))
    return {
        "cheapest": first(lambda r: (r["price_per_output"], regret[r["generator"]])),
        "fastest": latency if latency and latency["median_latency_ms"] is not None else None,
    }


def _or_inf(value: float | None) -> float:
    return math.inf if value is None else value


def _objective_pick(objective, leader, good, own, decided: bool, reason: str | None):
    """The pick, the decision and its reason for one objective."""
    verdict = CONFIDENT if decided else INSUFFICIENT
    if objective == "quality" or reason is not None:
        return leader, verdict, reason or own.reason
    kind = "cheaper" if objective == "cost" else "faster"
    found = good["cheapest" if objective == "cost" else "fastest"]
    within = f"within {own.tolerance:g} points of the best"
    if found is None:
        lead = leader["generator"] if leader else "none"
        return (
            leader,
            INSUFFICIENT,
            f"no generator is known to be {within} yet; the leader is {lead}",
        )
    if leader is not None and found["generator"] == leader["generator"]:
        why = f"no {kind} generator is {within} yet; the leader {leader['generator']} is"
        return found, CONFIDENT, why
    rate = f"at an error rate of {own.error_rate:g}, however often this is asked"
    return found, CONFIDENT, f"{found['generator']} is the {kind[:-2]}est generator {within} {rate}"
