"""Simulated categories asked by a router, through the real engine and the real route rule.

Used by ``bench_route_quality.py`` (full tables) and ``tests/ratings/test_route_quality.py``
(small seeded versions). Django must be set up before this module is imported: each look
goes through ``ratings.services.recompute.engine_options`` (the settings a recompute uses),
``ratings.engine.compute_board`` (what a recompute stores) and
``ratings.route_decision.board_decision`` (what the route and ``category_decision`` answer with).

Truth is Bradley-Terry with ties (``ratings.engine.simulate_votes``). For the route: the best
model's true strength is 0, the runner-up sits ``gap`` rating points below, the others 10-200
points below that; models are shuffled so that index order means nothing. A realistic mix
draws the gap from a log-normal distribution with a median of 40 points. For P(best), three
designs of 10 models: *balanced*, strengths drawn independently from a normal distribution with
a standard deviation of 60 points; *narrow*, the same with 20 points (crowded throughout);
*crowded top*, the best at 0, two more drawn uniformly within 15 points below it, and seven
drawn uniformly 40-250 points below it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.stats import beta

from ratings.engine import PairCounts, compute_board, simulate_votes
from ratings.route_decision import board_decision
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
    old_confident: bool
    old_right: bool


def truth_with_gap(gap: float, rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """True strengths (natural-log units): best 0, runner-up ``-gap`` points, rest further down."""
    rest = -gap - rng.uniform(10.0, 200.0, n_models - 2)
    return rng.permutation(np.concatenate([[0.0, -gap], rest])) / POINTS


def mixed_gap(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """A category of a realistic mix: the gap is log-normal, median 40 points (quartiles 24, 66)."""
    return truth_with_gap(40.0 * math.exp(0.75 * rng.standard_normal()), rng, n_models=n_models)


def crowded_top(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """Three models within 15 points at the top, the rest 40-250 points below the best."""
    top = np.concatenate([[0.0], -rng.uniform(0.0, 15.0, 2)])
    return rng.permutation(np.concatenate([top, -rng.uniform(40.0, 250.0, n_models - 3)])) / POINTS


def balanced(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """Strengths drawn from a normal distribution (sd 60 points)."""
    return rng.normal(0.0, 60.0 / POINTS, n_models)


def narrow(rng: np.random.Generator, *, n_models: int = 10) -> np.ndarray:
    """A board crowded throughout: strengths drawn from a normal distribution (sd 20 points)."""
    return rng.normal(0.0, 20.0 / POINTS, n_models)


def board_at(counts: PairCounts, *, rounds: int, seed: int):
    """The board a recompute would store, with the settings a recompute uses."""
    options = engine_options(rounds=rounds, seed=seed)
    return compute_board(counts, **options)


def decide(board, *, established_mask: np.ndarray | None = None):
    """The route's decision on an engine board, through ``ratings.route_decision.board_decision``.

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
        top = int(np.argmax(np.nan_to_num(board.rating, nan=-np.inf)))
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
                old_confident=_old_rule(board, top, look, min_votes),
                old_right=top == best,
            )
        )
    return out


def _old_rule(board, top: int, votes: int, min_votes: int) -> bool:
    """The route's rule before the anytime-valid one: 100 votes, and 20 for the top-rated model."""
    return votes >= 100 and board.votes[top] >= min_votes


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


class Cases(NamedTuple):
    """Per (model, board): P(best), whether truly best, the board's votes; per board, the
    standard error of the difference between its two top-rated models, in rating points."""

    predicted: np.ndarray
    best: np.ndarray
    votes: np.ndarray
    top_se: np.ndarray
    board_votes: np.ndarray


def calibration_cases(
    design, n_boards: int, *, seed: int, votes=(500, 2000, 10000), rounds=1000
) -> Cases:
    """P(best) against the truth for every model of ``n_boards`` boards of a design.

    Board ``b`` draws its truth from ``design`` and its votes from Bradley-Terry with ties, and
    has ``votes[b % len(votes)]`` votes between uniformly random pairs.
    """
    predicted, best, size, top_se = [], [], [], []
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
        size.extend([n] * truth.size)
        top_se.append(_top_difference_se(board))
    board_votes = np.array([votes[b % len(votes)] for b in range(n_boards)])
    return Cases(np.array(predicted), np.array(best), np.array(size), np.array(top_se), board_votes)


def _top_difference_se(board) -> float:
    first, second = np.argsort(np.nan_to_num(board.rating, nan=-np.inf))[::-1][:2]
    cov = board.covariance
    return math.sqrt(max(cov[first, first] + cov[second, second] - 2 * cov[first, second], 0.0))


@dataclass(frozen=True)
class Bin:
    """Cases whose P(best) fell in ``[low, high)``: how many, mean prediction, share truly best.

    ``share_low, share_high`` is the two-sided 95% Clopper-Pearson interval of the share.
    """

    low: float
    high: float
    cases: int
    mean: float
    share: float
    share_low: float
    share_high: float


def calibration_bins(predicted, best, edges, *, half_width: float = 0.03) -> list[Bin]:
    """Calibration per bin, neighbouring bins merged until each has enough cases.

    From the top down (high predictions are the rare ones), a bin is closed once it holds the
    cases a binomial share near its mean prediction needs for a 95% interval of +/-
    ``half_width`` (``1.96**2 p (1 - p) / half_width**2``); what is left at the bottom joins
    the lowest closed bin, so no case is left out.
    """
    groups: list[list[float]] = []
    top = None
    for low, high in reversed(list(itertools.pairwise(edges))):
        top = high if top is None else top
        inside = (predicted >= low) & (predicted < top)
        mean = float(predicted[inside].mean()) if inside.any() else 0.5
        if inside.sum() >= _cases_needed(mean, half_width):
            groups.append([low, top])
            top = None
    if top is not None:
        if groups:
            groups[-1][0] = edges[0]
        else:
            groups.append([edges[0], top])
    return [_bin(predicted, best, low, high) for low, high in reversed(groups)]


def _cases_needed(p: float, half_width: float) -> int:
    return math.ceil(1.96**2 * max(p * (1 - p), 0.01) / half_width**2)


def _bin(predicted, best, low: float, high: float) -> Bin:
    inside = (predicted >= low) & (predicted < high)
    n, hits = int(inside.sum()), int(best[inside].sum())
    share_low, share_high = clopper_pearson(hits, n)
    mean = float(predicted[inside].mean()) if n else math.nan
    share = hits / n if n else math.nan
    return Bin(low, min(high, 1.0), n, mean, share, share_low, share_high)


def clopper_pearson(hits: int, n: int) -> tuple[float, float]:
    """Two-sided 95% Clopper-Pearson interval for ``hits`` of ``n``."""
    if n == 0:
        return 0.0, 1.0
    low = 0.0 if hits == 0 else float(beta.ppf(0.025, hits, n - hits + 1))
    high = 1.0 if hits == n else float(beta.ppf(0.975, hits + 1, n - hits))
    return low, high
