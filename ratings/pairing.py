"""Matchmaking from the boards: the rules the arena asks when it makes and hands out battles
(registered in ``RatingsConfig.ready()``: the arena never imports ratings; docs/pairing.md).

What matchmaking needs of a snapshot is computed once per snapshot (``_STATES``), so a battle
costs no fit. It aims at the route's decision at the category's tolerance: a category whose
leader is known to be good enough stops asking for votes that would only separate it from a
runner-up within the tolerance.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db.models import Q

from arena.models import Category
from generation.models import Generator
from ratings.engine.pairing import (
    Z95,
    aimed_pairs,
    cheaper_candidate,
    newcomers,
    placement_pairs,
    posterior_covariance,
    votes_short,
    with_exploration,
)
from ratings.models import Snapshot
from ratings.route_decision import category_decision, route_tolerance
from ratings.selectors import rating_points, snapshot_latest
from ratings.services.recompute import rated_votes

# A deciding category's worth never drops below this share of its routing weight, so one
# whose leader is probably right but not yet confident still gets the votes that settle it.
WORTH_FLOOR = 0.1
# When generators are being placed, this share of the steered votes goes to placing them.
PLACEMENT_SHARE = 0.5
_STATES_KEPT = 64
_STATES: OrderedDict[tuple[int, str], BoardState] = OrderedDict()
_SINCE: OrderedDict[tuple, dict[int, int]] = OrderedDict()


@dataclass(frozen=True)
class BoardState:
    """What matchmaking needs of one snapshot; per-generator arrays in ``generator_ids`` order."""

    snapshot_id: int
    computed_at: str
    generator_ids: list[int]
    rating: np.ndarray  # NaN for unrated
    sd: np.ndarray
    votes: np.ndarray
    p_best: np.ndarray
    covariance: np.ndarray  # of the rated models' ratings; NaN rows for unrated ones
    vote_count: int
    settled: bool  # the route is confident and no provisional model may overtake the pick
    leader: int | None  # index of the route's leader (the best established model)
    short: np.ndarray  # direct votes against the leader each model is short of (0: clear)
    cheaper: int | None  # index of the cheaper model the cost objective may pick
    cheaper_short: np.ndarray  # direct votes against it each model is short of
    tolerance: float  # rating points, the category's
    regret_bound: float | None  # the leader's, rating points


@dataclass(frozen=True)
class PairPlan:
    """Pair weights over ``generator_ids`` and the parts they were mixed from."""

    generator_ids: list[int]
    weights: np.ndarray  # symmetric, sums to 1: a pair's chance is twice its cell
    decision: np.ndarray  # top-two Thompson part, before mixing
    placement: np.ndarray
    placing: list[int]
    uniform: bool


def board_state(*, category: Category, snapshot: Snapshot) -> BoardState:
    """The matchmaking view of a snapshot, built once per snapshot and tolerance."""
    # With the time too: ids repeat after a rollback (tests) or a restored backup.
    # And the tolerance and prices it was aimed with: either may be edited in the admin.
    prices = tuple(Generator.objects.order_by("id").values_list("id", "price_per_output"))
    key = (snapshot.id, snapshot.computed_at.isoformat(), route_tolerance(category), prices)
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
    decision = category_decision(snapshot)
    # Settled by the route's own rule: confident, and no provisional generator may overtake.
    settled = rated.size >= 2 and decision.confident and not decision.provisional_challengers
    shortfall = _shortfall(snapshot, matrices, rating, votes, predicted, decision.tolerance, ids)
    return BoardState(
        snapshot.id, snapshot.computed_at.isoformat(), ids, rating, sd, votes, p_best, covariance,
        snapshot.vote_count, settled, *shortfall, decision.tolerance, decision.regret_bound,
    )  # fmt: skip


def _shortfall(snapshot, matrices, rating, votes, predicted, tolerance: float, ids):
    """The route's leader and the direct votes each model is short of under its rule; where
    prices differ, also the cheaper model the cost objective may pick and its shortfall."""
    m = rating.size
    short, cheap_short = np.zeros(m), np.zeros(m)
    rated = ~np.isnan(rating)
    established = rated & (votes >= settings.RATINGS_MIN_VOTES)
    stored = matrices.get("covariance")
    if established.sum() < 1 or rated.sum() < 2 or stored is None:
        return None, short, None, cheap_short
    pool = np.flatnonzero(established)
    leader = int(pool[np.lexsort((pool, -rating[pool]))][0])
    points = rating_points(snapshot.parameters)
    covariance = _array(stored, m, np.nan) / points**2
    alpha = settings.RATINGS_ERROR_RATE / max(int(established.sum()) - 1, 1)
    theta, tol = np.nan_to_num(rating / points, nan=-np.inf), tolerance / points
    aims = (covariance, predicted, alpha, tol)
    short = _short_against(leader, rated, theta, *aims)
    prices = dict(Generator.objects.filter(id__in=ids).values_list("id", "price_per_output"))
    price = np.array([float(prices.get(g, 0)) for g in ids])
    cheap = cheaper_candidate(theta, established, price, leader, tol)
    if cheap is not None:
        cheap_short = _short_against(cheap, established, theta, *aims)
    return leader, short, cheap, cheap_short


def _short_against(anchor, others, theta, covariance, predicted, alpha, tol) -> np.ndarray:
    """Direct votes each of ``others`` is short of before ``anchor``'s bound over it clears."""
    short = np.zeros(theta.size)
    variance = covariance[anchor, anchor] + np.diag(covariance) - 2.0 * covariance[anchor]
    rest = np.flatnonzero(others & (np.arange(theta.size) != anchor))
    se = np.sqrt(np.clip(variance[rest], 0.0, None))
    p = np.clip(np.nan_to_num(predicted[anchor, rest], nan=0.5), 0.0, 1.0)
    gap = theta[anchor] - theta[rest]
    short[rest] = votes_short(gap, se, p * (1.0 - p), alpha, tolerance=tol)
    return short


def _array(rows, m: int, missing: float) -> np.ndarray:
    if not rows:
        return np.full((m, m), missing)
    return np.array([[missing if v is None else v for v in row] for row in rows], dtype=float)


def pair_plan(
    state: BoardState | None, generator_ids: list[int], since_change: dict[int, int] | None = None
) -> PairPlan:
    """Weights over the pairs of ``generator_ids`` (the enabled pool) for one board; a generator
    in ``since_change`` (its votes since its change) is placed again like a new one."""
    ids = sorted(set(generator_ids))
    exploration = settings.ARENA_PAIRING_EXPLORATION
    m = len(ids)
    zeros = np.zeros((m, m))
    if state is None or m < 2 or board_settled(state, ids, since_change):
        return PairPlan(ids, with_exploration(zeros, 1.0), zeros, zeros, [], True)
    rating, sd, _, short = _restrict(state, ids)
    known = ~np.isnan(rating)
    placing = _placing(state, ids, since_change)
    decision = _decision_pairs(state, ids, rating, known, short)
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

    return (take(state.rating, np.nan), take(state.sd, np.nan), take(state.votes, 0.0),
            take(state.short, 0.0))  # fmt: skip


def _placing(state: BoardState, ids: list[int], since_change: dict[int, int] | None):
    """Which of ``ids`` are being placed (new, or changed since their votes here)."""
    rating, sd, votes, _ = _restrict(state, ids)
    known = ~np.isnan(rating)
    since = np.array([(since_change or {}).get(g, np.nan) for g in ids])
    return newcomers(sd, votes, known, since)


def _decision_pairs(state, ids, rating, known, short) -> np.ndarray:
    """The pairs the route's rule is short of at the category's tolerance (see aimed_pairs)."""
    m = len(ids)
    result = np.zeros((m, m))
    rated = np.flatnonzero(known)
    if rated.size < 2:
        return result
    index = {gid: i for i, gid in enumerate(state.generator_ids)}
    where = np.array([index[ids[i]] for i in rated])
    covariance = state.covariance[np.ix_(where, where)]
    lead = _position(state, state.leader, ids, rated)
    cheap = _position(state, state.cheaper, ids, rated)
    cheaper = None
    if cheap is not None:
        cheaper = (cheap, state.cheaper_short[where])
    pairs = aimed_pairs(rating[rated], covariance, lead, short[rated], seed=state.snapshot_id,
                        tolerance=state.tolerance, cheaper=cheaper)  # fmt: skip
    result[np.ix_(rated, rated)] = pairs
    return result


def _position(state: BoardState, index: int | None, ids, rated) -> int | None:
    """Where the state's model ``index`` sits among the ``rated`` positions of ``ids``."""
    gid = None if index is None else state.generator_ids[index]
    return next((k for k, i in enumerate(rated) if ids[i] == gid), None)


def _latest_state(category: Category) -> BoardState | None:
    snapshot = snapshot_latest(category=category)
    return board_state(category=category, snapshot=snapshot) if snapshot else None


def pair_weights(*, category_id: int, generator_ids: list[int]) -> dict[tuple[int, int], float]:
    """The arena's pair policy: weight per pair ``(a, b)``, ``a < b``; empty means uniform."""
    category = Category.objects.filter(id=category_id).first()
    if category is None:
        return {}
    state = _latest_state(category)
    plan = pair_plan(state, generator_ids, changed_votes(state, generator_ids))
    if plan.uniform:
        return {}
    ids = plan.generator_ids
    upper = np.triu_indices(len(ids), k=1)
    return {(ids[i], ids[j]): float(plan.weights[i, j]) for i, j in zip(*upper, strict=True)}


def category_worth(*, category_ids: list[int | None]) -> dict[int | None, float]:
    """The arena's category policy: what a vote is worth in each category (0 when settled)."""
    ids = sorted(c for c in category_ids if c is not None)
    enabled = list(Generator.objects.filter(enabled=True).values_list("id", flat=True))
    categories = Category.objects.filter(id__in=ids)
    return {c.id: worth_of(category=c, enabled=enabled) for c in categories}


def worth_of(*, category: Category, enabled: list[int]) -> float:
    """``routing_weight`` times the chance the route is wrong (floored); 0 once settled."""
    state = _latest_state(category)
    if state is None:
        return category.routing_weight
    if board_settled(state, enabled, changed_votes(state, enabled)):
        return 0.0
    wrong = 1.0 - float(np.max(state.p_best, initial=0.0))
    return category.routing_weight * max(wrong, WORTH_FLOOR)


def board_settled(
    state: BoardState, enabled: list[int], since_change: dict[int, int] | None = None
) -> bool:
    """The one definition of settled: the route confident with no provisional challenger, every
    enabled generator rated, none being placed again after a change."""
    ids = sorted(set(enabled))
    rated = set(np.array(state.generator_ids)[~np.isnan(state.rating)].tolist())
    if not (state.settled and set(ids) <= rated):
        return False
    if not since_change:
        return True
    changed = np.array([g in since_change for g in ids])
    return not (_placing(state, ids, since_change) & changed).any()


def votes_since_change(*, snapshot: Snapshot, changed: dict[int, datetime]) -> dict[int, int]:
    """Votes of a board, up to ``snapshot``, cast with each changed generator since its
    ``changed_at``."""
    votes = rated_votes(category=snapshot.category)
    if snapshot.last_vote_id is not None:
        votes = votes.filter(id__lte=snapshot.last_vote_id)
    return {
        gid: votes.filter(
            Q(shown_left_id=gid) | Q(shown_right_id=gid), created_at__gte=when
        ).count()
        for gid, when in changed.items()
    }


def changed_votes(state: BoardState | None, ids: list[int]) -> dict[int, int]:
    """:func:`votes_since_change` for the changed generators among ``ids``, kept per snapshot."""
    if state is None:
        return {}
    changed = dict(
        Generator.objects.filter(id__in=ids, changed_at__isnull=False)
        .order_by("id")
        .values_list("id", "changed_at")
    )
    if not changed:
        return {}
    key = (state.snapshot_id, state.computed_at, tuple(changed.items()))
    counts = _SINCE.get(key)
    if counts is None:
        snapshot = Snapshot.objects.get(id=state.snapshot_id)
        counts = votes_since_change(snapshot=snapshot, changed=changed)
        _SINCE[key] = counts
        while len(_SINCE) > _STATES_KEPT:
            _SINCE.popitem(last=False)
    return counts


def votes_needed(state: BoardState) -> tuple[float, list[int]] | None:
    """Direct votes until the route's rule clears the leader of every challenger, with the ids
    of the leader and those still short; None without a leader and a challenger."""
    if state.leader is None or (~np.isnan(state.rating)).sum() < 2:
        return None
    short = np.flatnonzero(state.short > 0)
    group = [state.generator_ids[i] for i in (state.leader, *short)]
    return float(np.ceil(state.short[short].sum())), group
