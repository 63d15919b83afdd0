"""Which generator for a category: the board's leader, or the overall leader when data is thin."""

from __future__ import annotations

from django.conf import settings

from arena.models import Category
from ratings.payloads import board_payload
from ratings.selectors import board_slug, snapshot_latest

CONFIDENT = "confident"
INSUFFICIENT = "insufficient_data"


def _candidates(payload: dict | None, max_cost: float | None) -> list[dict]:
    if payload is None:
        return []
    rows = [r for r in payload["rows"] if r["rated"]]
    if max_cost is not None:
        rows = [r for r in rows if _cost(r) <= max_cost]
    return sorted(rows, key=lambda r: (-r["rating"], r["generator"]))


def _cost(row: dict) -> float:
    return row["mean_cost"] if row["mean_cost"] is not None else row["price_per_output"]


def _choice(row: dict) -> dict:
    keys = ("generator", "name", "provider", "model_id", "rating", "ci_lower", "ci_upper",
            "rank_lower", "rank_upper", "p_best", "votes", "median_latency_ms")  # fmt: skip
    return {**{k: row[k] for k in keys}, "cost": _cost(row)}


def _votes(count: int) -> str:
    return f"{count} vote" if count == 1 else f"{count} votes"


def _sufficient(payload: dict | None, candidates: list[dict]) -> tuple[bool, str]:
    if payload is None:
        return False, "no leaderboard has been computed for this category yet"
    if payload["votes_total"] < settings.ROUTE_MIN_CATEGORY_VOTES:
        return False, (
            f"{_votes(payload['votes_total'])} in this category; "
            f"{settings.ROUTE_MIN_CATEGORY_VOTES} are needed"
        )
    if not candidates:
        return False, "no rated generator fits the constraints"
    if candidates[0]["votes"] < settings.RATINGS_MIN_VOTES:
        return False, f"the leader has fewer than {_votes(settings.RATINGS_MIN_VOTES)}"
    return True, "the category has enough votes"


def route(
    *, category: Category | None, max_cost: float | None = None, alternatives: int = 10
) -> dict:
    """The recommendation for a category (None: overall), with up to N ranked alternatives."""
    board = snapshot_latest(category=category)
    payload = board_payload(board) if board else None
    candidates = _candidates(payload, max_cost)
    confident, reason = _sufficient(payload, candidates)
    used = payload
    if not confident and category is not None:
        overall = snapshot_latest(category=None)
        used = board_payload(overall) if overall else None
        candidates = _candidates(used, max_cost)
    leader = candidates[0] if candidates else None
    tied = [
        c["generator"] for c in candidates[1:] if leader and c["rank_lower"] <= leader["rank_upper"]
    ]
    return {
        "category": board_slug(category),
        "decision": CONFIDENT if confident else INSUFFICIENT,
        "reason": reason,
        "board_used": used["board"] if used else None,
        "recommended": _choice(leader) if leader else None,
        "statistically_tied_with": tied,
        "alternatives": [_choice(c) for c in candidates[1 : 1 + alternatives]],
        "max_cost": max_cost,
        "computed_at": used["computed_at"] if used else None,
        "votes_total": used["votes_total"] if used else 0,
    }
