"""The route's answer: which generator for a category (None: the overall board), by quality,
cost or latency, with the alternatives; the rule it rests on is ratings.route_decision."""

from __future__ import annotations

import math

from django.conf import settings

from arena.models import Category, Kind
from generation.models import Generator
from ratings.models import Snapshot
from ratings.payloads import board_payload
from ratings.route_decision import (
    CategoryDecision,
    affordable,
    category_decision,
    route_tolerance,
    row_cost,
)
from ratings.selectors import NO_CONTROL, board_slug, snapshot_latest

CONFIDENT = "confident"
INSUFFICIENT = "insufficient_data"
OBJECTIVES = ("quality", "cost", "latency")


def _choice(row: dict, regret: dict[str, float]) -> dict:
    keys = ("generator", "name", "provider", "model_id", "rating", "ci_lower", "ci_upper",
            "rank_lower", "rank_upper", "tier", "p_best", "votes", "median_latency_ms",
            "price_per_output")  # fmt: skip
    provisional = row["votes"] < settings.RATINGS_MIN_VOTES
    return {
        **{k: row.get(k) for k in keys},
        "cost": row_cost(row),
        "provisional": provisional,
        "regret_bound": regret.get(row["generator"]),
    }


def _ranked(payload: dict, max_cost: float | None) -> list[dict]:
    rows = [r for r in payload["rows"] if r["rated"] and affordable(r, max_cost)]
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
    cheapest = min(row_cost(r) for r in rated)
    return (
        f"no rated generator costs at most {max_cost:g} per output "
        f"(the cheapest rated one costs {cheapest:g}); raise max_cost"
    )


def _capable_slugs(kind: str) -> set[str]:
    both = Generator.Capability.BOTH
    return set(
        Generator.objects.filter(capabilities__in=[kind, both]).values_list("slug", flat=True)
    )


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
    """The recommendation for a category (None: the overall board of ``kind``).

    A category too thin to name a leader falls back to the overall board of its own kind: an
    edit category is never answered from generation votes, nor the reverse.
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
    """The route's answer (the prompt route's too) from the decision ``own`` of the board asked
    about and the rows of the board answered from; ``reason``: why ``own`` named no leader."""
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
        why = f"no generator is known to be {within} yet; the leader is {lead}"
        return leader, INSUFFICIENT, why
    if leader is not None and found["generator"] == leader["generator"]:
        why = f"no {kind} generator is {within} yet; the leader {leader['generator']} is"
        return found, CONFIDENT, why
    rate = f"at an error rate of {own.error_rate:g}, however often this is asked"
    return found, CONFIDENT, f"{found['generator']} is the {kind[:-2]}est generator {within} {rate}"
