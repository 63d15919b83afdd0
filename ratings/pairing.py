"""Matchmaking from the boards: the rules the arena asks when it makes and hands out battles.

Registered with the arena in ``RatingsConfig.ready()`` (the arena never imports ratings).
Everything is read from a category's newest snapshot, so a battle costs no fit: the
posterior, the top-two Thompson weights and the route's state are computed once per snapshot
and kept in this process (``_STATES``), keyed by snapshot id.

A category is *settled* when its route is confident under the route's own anytime-valid rule,
no provisional generator might still overtake the leader, and no enabled generator is still
unrated; it then
gets only the exploration share of votes, drawn uniformly, until a new snapshot (new votes,
drift) or a new generator reopens it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from arena.models import Category
from generation.models import Generator
from ratings.engine.pairing import (
    SEPARATION_Z,
    Z95,
    newcomers,
    placement_pairs,
    posterior_covariance,
    top_two_pairs,
    votes_to_separate,
    with_exploration,
)
from ratings.models import Snapshot
from ratings.routing import category_decision
from ratings.selectors import snapshot_latest

# A deciding category's worth never drops below this share of its routing weight, so one
# whose leader is probably right but not yet confident still gets the votes that settle it.
WORTH_FLOOR = 0.1
# When generators are being placed, this share of the steered votes goes to placing them.
PLACEMENT_SHARE = 0.5
_STATES_KEPT = 64
_STATES: OrderedDict[tuple[int, str], BoardState] = OrderedDict()


@dataclass(frozen=True)
class BoardState:
    """What matchmaking needs of one snapshot; per-generator arrays in ``generator_ids`` order."""

    snapshot_id: int
    generator_ids: list[int]
    rating: np.ndarray  # NaN for unrated
    sd: np.ndarray
    votes: np.ndarray
    p_best: np.ndarray
    covariance: np.ndarray  # of the rated models' ratings; NaN rows for unrated ones
    vote_count: int
    settled: bool


@dataclass(frozen=True)
class PairPlan:
    """Pair weights over ``generator_ids`` and the parts they were mixed from."""

    generator_ids: list[int]
    weights: np.ndarray  # symmetric, sums to 1: a pair's chance is twice its cell
    decision: np.ndarray  # top-two Thompson part, before mixing
    placement: np.ndarray
    placing: list[int]
    uniform: bool


def route_settled(snapshot: Snapshot) -> bool:
    """Whether the route's own rule calls this board decided: the one question asked of it.

    Confident under the route's anytime-valid rule (see ratings.routing.category_decision),
    with no provisional generator that might still overtake the leader.
    """
    decision = category_decision(snapshot)
    return decision.confident and not decision.provisional_challengers


def board_state(*, category: Category, snapshot: Snapshot) -> BoardState:
    """The matchmaking view of a snapshot, built once per snapshot in this process."""
    # With the time too: ids repeat after a rollback (tests) or a restored backup.
    key = (snapshot.id, snapshot.computed_at.isoformat())
    state = _STATES.get(key)
    if state is None:
        state = _build_state(category, snapshot)
        _STATES[key] = state
        while len(_STATES) > _STATES_KEPT:
            _STATES.popitem(last=False)
    return state


def _build_state(category: Category, snapshot: Snapshot) -> BoardState:
    matrices = Snapshot.objects.values_list("matrices", flat=True).get(id=snapshot.id)
    ids = [int(g) for g in matrices.get("generators", [])]
    index = {gid: i for i, gid in enumerate(ids)}
    m = len(ids)
    rating, sd, p_best = np.full(m, np.nan), np.full(m, np.nan), np.zeros(m)
    votes = np.zeros(m)
    for row in snapshot.rows.values(
        "generator_id", "rated", "rating", "ci_lower", "ci_upper", "p_best", "votes"
    ):
        i = index.get(row["generator_id"])
        if i is None:
            continue
        votes[i] = row["votes"]
        if row["rated"] and row["rating"] is not None and row["ci_upper"] is not None:
            rating[i] = row["rating"]
            sd[i] = max((row["ci_upper"] - row["ci_lower"]) / (2 * Z95), 1e-6)
            p_best[i] = row["p_best"] or 0.0
    counts = _array(matrices.get("counts"), m, 0.0)
    predicted = _array(matrices.get("predicted"), m, 0.5)
    rated = np.flatnonzero(~np.isnan(rating))
    covariance = np.full((m, m), np.nan)
    if rated.size:
        covariance[np.ix_(rated, rated)] = posterior_covariance(
            sd[rated], counts[np.ix_(rated, rated)], predicted[np.ix_(rated, rated)]
        )
    settled = rated.size >= 2 and route_settled(snapshot)
    return BoardState(
        snapshot_id=snapshot.id,
        generator_ids=ids,
        rating=rating,
        sd=sd,
        votes=votes,
        p_best=p_best,
        covariance=covariance,
        vote_count=snapshot.vote_count,
        settled=settled,
    )


def _array(rows, m: int, missing: float) -> np.ndarray:
    if not rows:
        return np.full((m, m), missing)
    return np.array([[missing if v is None else v for v in row] for row in rows], dtype=float)


def pair_plan(state: BoardState | None, generator_ids: list[int]) -> PairPlan:
    """Weights over the pairs of ``generator_ids`` (the enabled pool) for one board."""
    ids = sorted(set(generator_ids))
    exploration = settings.ARENA_PAIRING_EXPLORATION
    m = len(ids)
    zeros = np.zeros((m, m))
    if state is None or m < 2:
        return PairPlan(ids, with_exploration(zeros, 1.0), zeros, zeros, [], True)
    rating, sd, votes = _restrict(state, ids)
    known = ~np.isnan(rating)
    placing = newcomers(sd, votes, known)
    if state.settled and known.all():
        return PairPlan(ids, with_exploration(zeros, 1.0), zeros, zeros, [], True)
    decision = _decision_pairs(state, ids, rating, known)
    placement = placement_pairs(rating, sd, placing, known)
    share = PLACEMENT_SHARE if placing.any() and placement.sum() > 0 else 0.0
    if decision.sum() == 0:
        share = 1.0 if placement.sum() > 0 else 0.0
    active = (1.0 - share) * decision + share * placement
    weights = with_exploration(active, exploration)
    placed = [ids[i] for i in np.flatnonzero(placing)]
    return PairPlan(ids, weights, decision, placement, placed, active.sum() == 0)


def _restrict(state: BoardState, ids: list[int]) -> tuple[np.ndarray, ...]:
    index = {gid: i for i, gid in enumerate(state.generator_ids)}
    where = np.array([index.get(g, -1) for g in ids])
    present = where >= 0

    def take(values: np.ndarray, missing: float) -> np.ndarray:
        out = np.full(len(ids), missing)
        out[present] = values[where[present]]
        return out

    return take(state.rating, np.nan), take(state.sd, np.nan), take(state.votes, 0.0)


def _decision_pairs(state, ids, rating, known) -> np.ndarray:
    m = len(ids)
    result = np.zeros((m, m))
    rated = np.flatnonzero(known)
    if rated.size < 2:
        return result
    index = {gid: i for i, gid in enumerate(state.generator_ids)}
    where = np.array([index[ids[i]] for i in rated])
    covariance = state.covariance[np.ix_(where, where)]
    pairs = top_two_pairs(rating[rated], covariance, seed=state.snapshot_id)
    result[np.ix_(rated, rated)] = pairs
    return result


def _latest_state(category: Category) -> BoardState | None:
    snapshot = snapshot_latest(category=category)
    return board_state(category=category, snapshot=snapshot) if snapshot else None


def category_settled(*, category: Category) -> bool:
    """Whether the category's newest snapshot is settled (see :func:`route_settled`)."""
    state = _latest_state(category)
    return state is not None and state.settled


def pair_weights(*, category_id: int, generator_ids: list[int]) -> dict[tuple[int, int], float]:
    """The arena's pair policy: weight per pair ``(a, b)``, ``a < b``; empty means uniform."""
    category = Category.objects.filter(id=category_id).first()
    if category is None:
        return {}
    plan = pair_plan(_latest_state(category), generator_ids)
    if plan.uniform:
        return {}
    ids = plan.generator_ids
    upper = np.triu_indices(len(ids), k=1)
    return {(ids[i], ids[j]): float(plan.weights[i, j]) for i, j in zip(*upper, strict=True)}


def category_worth(*, category_ids: list[int | None]) -> dict[int | None, float]:
    """The arena's category policy: what a vote is worth in each category (0 when settled).

    Read fresh on every claim: the newest snapshot of each board is one indexed query, and
    what matchmaking derives from a snapshot is kept per snapshot id (``_STATES``).
    """
    ids = sorted(c for c in category_ids if c is not None)
    enabled = list(Generator.objects.filter(enabled=True).values_list("id", flat=True))
    categories = Category.objects.filter(id__in=ids)
    return {c.id: worth_of(category=c, enabled=enabled) for c in categories}


def worth_of(*, category: Category, enabled: list[int]) -> float:
    """``routing_weight`` times the chance the route is wrong (floored); 0 once settled."""
    state = _latest_state(category)
    if state is None:
        return category.routing_weight
    if board_settled(state, enabled):
        return 0.0
    wrong = 1.0 - float(np.max(state.p_best, initial=0.0))
    return category.routing_weight * max(wrong, WORTH_FLOOR)


def board_settled(state: BoardState, enabled: list[int]) -> bool:
    """Settled, and every enabled generator has a rating on the board."""
    rated = set(np.array(state.generator_ids)[~np.isnan(state.rating)].tolist())
    return state.settled and set(enabled) <= rated


def votes_needed(state: BoardState) -> tuple[float, list[int]] | None:
    """Votes until the leader is ahead of every challenger by the settled margin.

    Returns the estimate and the generator ids of the leader and the challengers still
    within the margin; None without two rated models.
    """
    rated = np.flatnonzero(~np.isnan(state.rating))
    if rated.size < 2:
        return None
    rating = state.rating[rated]
    covariance = state.covariance[np.ix_(rated, rated)]
    leader = int(np.argmax(rating))
    lead = rating[leader] - rating
    sd = np.sqrt(np.clip(covariance[leader, leader] + np.diag(covariance)
                         - 2.0 * covariance[leader], 1e-12, None))  # fmt: skip
    close = np.flatnonzero((lead < SEPARATION_Z * sd) & (np.arange(rated.size) != leader))
    have = np.minimum(state.votes[rated][leader], state.votes[rated][close])
    needed = votes_to_separate(lead[close], sd[close], have)
    return needed, [state.generator_ids[rated[i]] for i in (leader, *close)]
