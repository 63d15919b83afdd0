"""Simulated categories asked by a router, through the real engine and the real route rule.

Used by ``bench_route_quality.py`` (full tables) and ``tests/ratings/test_route_quality.py``
(small seeded versions). Django must be set up before this module is imported: each look
goes through ``ratings.services.recompute.engine_options`` (the settings a recompute uses),
``ratings.engine.compute_board`` (what a recompute stores) and
``ratings.routing.board_decision`` (what the route and ``category_decision`` answer with).

Truth is Bradley-Terry with ties (``ratings.engine.simulate_votes``): model 0's true strength
is 0, the runner-up sits ``gap`` rating points below, the others 10-200 points below that;
models are shuffled so that index order means nothing.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ratings.engine import PairCounts, compute_board, simulate_votes
from ratings.routing import board_decision
from ratings.services.recompute import engine_options

POINTS = 400.0 / math.log(10.0)
TIE_RATE = 0.1


@dataclass(frozen=True)
class Look:
    """What the router saw after ``votes`` votes."""

    votes: int
    confident: bool
    leader: int | None
    best: int
    provisional: int
    right: bool
    confident_without: bool | None
    pbest_leader: int
    pbest: float
    tier_wrong: bool


def truth_with_gap(gap: float, rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """True strengths (natural-log units): best 0, runner-up ``-gap`` points, rest further down."""
    rest = -gap - rng.uniform(10.0, 200.0, n_models - 2)
    return rng.permutation(np.concatenate([[0.0, -gap], rest])) / POINTS


def crowded_top(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """Three models within 15 points at the top, the rest 40-250 points below the best."""
    top = np.concatenate([[0.0], -rng.uniform(0.0, 15.0, 2)])
    return rng.permutation(np.concatenate([top, -rng.uniform(40.0, 250.0, n_models - 3)])) / POINTS


def balanced(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """Strengths drawn from a normal distribution (sd 60 points)."""
    return rng.normal(0.0, 60.0 / POINTS, n_models)


def board_at(counts: PairCounts, *, rounds: int, seed: int):
    """The board a recompute would store, with the settings a recompute uses."""
    options = engine_options(rounds=rounds, seed=seed)
    return compute_board(counts, **options)


def decide(board, *, established_mask: np.ndarray | None = None):
    """The route's decision on an engine board, through ``ratings.routing.board_decision``.

    Rows and covariance take the shape ``category_decision`` reads from a stored snapshot
    (generator slugs ``m0``, ``m1``, ...; ratings in points, rounded as stored).
    """
    rated = np.flatnonzero(board.rated)
    slugs = [f"m{k}" for k in range(board.rated.size)]
    rows = [
        {"generator": slugs[k], "rated": True, "rating": round(float(board.rating[k]), 2),
         "votes": int(board.votes[k])}
        for k in rated
    ]  # fmt: skip
    covariance = {
        slugs[a]: {slugs[b]: round(float(board.covariance[a, b]), 6) for b in rated} for a in rated
    }
    params = board.params
    decision = board_decision(rows, covariance, votes_total=int(board.votes.sum() / 2),
                              parameters=params)  # fmt: skip
    leader = None if decision.leader is None else int(decision.leader[1:])
    return decision, leader


def established_best(truth: np.ndarray, votes: np.ndarray, min_votes: int) -> int:
    """The truly best model among those with enough votes to be picked (or overall if none)."""
    pool = np.flatnonzero(votes >= min_votes)
    pool = pool if pool.size else np.arange(truth.size)
    return int(pool[np.argmax(truth[pool])])


def tier_wrong(board, truth: np.ndarray) -> bool:
    """Whether some model sits in a better tier than a model that is truly better than it."""
    tier = board.tier
    rated = np.flatnonzero(board.rated)
    return any(tier[a] < tier[b] and truth[a] < truth[b] for a in rated for b in rated if a != b)


def run_path(
    truth: np.ndarray,
    looks: list[int],
    *,
    seed: int,
    min_votes: int,
    rounds: int = 200,
    late: tuple[int, int] | None = None,
) -> list[Look]:
    """Votes arriving one at a time; at each look, recompute and ask the route.

    ``late=(model, start)`` keeps ``model`` out of every battle before vote ``start`` (a
    newcomer); while it is provisional, each look also asks the route without its votes
    (``confident_without``), to tell whether the newcomer changed the answer.
    """
    rng = np.random.default_rng(seed)
    horizon = max(looks)
    left, right, outcome = _votes(truth, horizon, rng, late)
    n = truth.size
    out = []
    for look in looks:
        counts = PairCounts.from_votes(n, left[:look], right[:look], outcome[:look])
        board = board_at(counts, rounds=rounds, seed=seed)
        decision, leader = decide(board)
        best = established_best(truth, board.votes, min_votes)
        p = np.nan_to_num(board.p_best, nan=-1.0)
        without = None
        if late is not None and 0 < board.votes[late[0]] < min_votes:
            keep = (left[:look] != late[0]) & (right[:look] != late[0])
            alone = PairCounts.from_votes(
                n, left[:look][keep], right[:look][keep], outcome[:look][keep]
            )
            without = decide(board_at(alone, rounds=rounds, seed=seed))[0].confident
        out.append(
            Look(
                votes=look,
                confident=decision.confident,
                leader=leader,
                best=best,
                provisional=int((board.rated & (board.votes < min_votes)).sum()),
                right=leader == best,
                confident_without=without,
                pbest_leader=int(np.argmax(p)),
                pbest=float(p.max()),
                tier_wrong=tier_wrong(board, truth),
            )
        )
    return out


def _votes(truth, horizon, rng, late):
    if late is None:
        return simulate_votes(truth, horizon, rng=rng, tie_rate=TIE_RATE)
    model, start = late
    others = np.delete(np.arange(truth.size), model)
    early = simulate_votes(truth[others], start, rng=rng, tie_rate=TIE_RATE)
    rest = simulate_votes(truth, horizon - start, rng=rng, tie_rate=TIE_RATE)
    left = np.concatenate([others[early[0]], rest[0]])
    right = np.concatenate([others[early[1]], rest[1]])
    return left, right, np.concatenate([early[2], rest[2]])


def calibration_cases(design, n_boards: int, *, seed: int, votes=(500, 2000, 10000), rounds=1000):
    """(P(best), truly best) for every model of ``n_boards`` boards of a design."""
    predicted, best = [], []
    for b in range(n_boards):
        rng = np.random.default_rng([seed, b])
        truth = design(rng)
        n = int(votes[b % len(votes)])
        counts = PairCounts.from_votes(
            truth.size, *simulate_votes(truth, n, rng=rng, tie_rate=TIE_RATE)
        )
        board = board_at(counts, rounds=rounds, seed=b)
        predicted.extend(np.nan_to_num(board.p_best))
        best.extend(np.arange(truth.size) == np.argmax(truth))
    return np.array(predicted), np.array(best)


def calibration_table(predicted: np.ndarray, best: np.ndarray, edges) -> list[tuple]:
    """Per bin: (low, high, cases, mean prediction, observed share, binomial SE)."""
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = (predicted >= low) & (predicted < high)
        if inside.any():
            share = float(best[inside].mean())
            mean = float(predicted[inside].mean())
            se = math.sqrt(max(mean * (1 - mean), 1e-4) / inside.sum())
            rows.append((low, high, int(inside.sum()), mean, share, se))
    return rows
