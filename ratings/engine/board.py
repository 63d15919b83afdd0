"""One leaderboard per board (a category, or overall): the entry point of the Django side.

:func:`compute_board` turns aggregated counts into everything a leaderboard page and the
routing API show: Elo-scale ratings with intervals, ranks and rank ranges, P(best), per-model
tallies, and the observed / predicted head-to-head matrices. It is deterministic: the same
counts (in any row order) and the same seed give identical numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .bootstrap import bootstrap_thetas
from .bt import BTFit, bt_fit, predicted_matrix, to_elo_scale
from .counts import PairCounts, count_matrix, model_totals, win_rate_matrix
from .elo import elo_expected, elo_online
from .intervals import (
    DEFAULT_INTERVAL,
    INTERVAL_METHODS,
    bt_covariance,
    competition_ranks,
    gaussian_draws,
    normal_bounds,
    p_best,
    percentile_bounds,
    rank_intervals,
)
from .likelihood import DEFAULT_PRIOR

METHODS = ("bt", "elo")
LEVEL = 0.95


@dataclass(frozen=True)
class Board:
    """A computed leaderboard. Per-model arrays are indexed by model; NaN marks unrated models.

    Ranks are whole numbers stored as floats so that unrated models can be NaN. ``rating``,
    ``ci_lower``, ``ci_upper`` and ``position`` are on the Elo scale (``params`` has the scale).
    With ``method="elo"`` there is no uncertainty model: intervals, rank ranges and ``p_best``
    are NaN.
    """

    rating: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    rank: np.ndarray
    rank_lower: np.ndarray
    rank_upper: np.ndarray
    p_best: np.ndarray
    votes: np.ndarray
    wins: np.ndarray
    losses: np.ndarray
    ties: np.ndarray
    rated: np.ndarray
    win_rate_matrix: np.ndarray
    count_matrix: np.ndarray
    predicted_matrix: np.ndarray
    position: float | None
    tie_param: float | None
    params: dict[str, Any]
    seed: int


def compute_board(
    counts: PairCounts,
    *,
    method: str = "bt",
    ties: str = "half",
    position_bias: bool = False,
    interval: str = DEFAULT_INTERVAL,
    rounds: int = 1000,
    seed: int = 0,
    anchor: float = 1000.0,
    scale: float = 400.0,
    base: float = 10.0,
    k: float = 4.0,
    elo_votes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    prior: float = DEFAULT_PRIOR,
) -> Board:
    """Compute one leaderboard.

    Parameters
    ----------
    counts : PairCounts
        Votes of the board per ordered pair.
    method : {"bt", "elo"}
        Bradley-Terry fit of the counts (the leaderboard of record), or online Elo replayed
        over ``elo_votes``.
    ties : {"half", "davidson"}
        Tie model of the Bradley-Terry fit.
    position_bias : bool
        Fit a left-side advantage; reported in Elo points as ``position``.
    interval : {"sandwich", "fisher", "bootstrap"}
        95% interval method (see :mod:`ratings.engine.intervals`); ``"sandwich"`` is calibrated
        and takes milliseconds.
    rounds : int
        Bootstrap resamples, or normal draws behind ``p_best`` for the other methods.
    seed : int
        Seed of all randomness.
    anchor, scale, base : float
        Elo scale: the average rated model sits at ``anchor``; ``scale`` points mean odds of
        ``base`` to 1.
    k : float
        Elo step size (``method="elo"``).
    elo_votes : tuple of arrays, optional
        ``(left, right, outcome)`` per vote in time order; required by, and only used by,
        ``method="elo"``.
    prior : float
        Bradley-Terry prior strength (see :mod:`ratings.engine.likelihood`).

    Returns
    -------
    Board
    """
    _check_options(method, interval, rounds, seed, elo_votes)
    counts = counts.canonical()
    if method == "elo":
        return _elo_board(counts, elo_votes, seed, anchor=anchor, scale=scale, base=base, k=k)
    fit = bt_fit(counts, ties=ties, position_bias=position_bias, prior=prior)
    theta_lower, theta_upper, draws, extra = _theta_intervals(fit, counts, interval, rounds, seed)
    to_elo = scale / math.log(base)
    rating = to_elo_scale(fit.theta, anchor=anchor, scale=scale, base=base)
    lower, upper = anchor + to_elo * theta_lower, anchor + to_elo * theta_upper
    rank_lower, rank_upper = rank_intervals(lower, upper)
    params = {
        **_base_params(counts, "bt", scale, base, anchor, seed),
        "ties": ties, "position_bias": bool(position_bias), "interval": interval,
        "rounds": int(rounds), "prior": float(prior), "level": LEVEL,
        "converged": bool(fit.converged), "n_iter": int(fit.n_iter), **extra,
    }  # fmt: skip
    return Board(
        rating=rating, ci_lower=lower, ci_upper=upper, rank=competition_ranks(rating),
        rank_lower=rank_lower, rank_upper=rank_upper, p_best=p_best(draws, fit.rated),
        **model_totals(counts), rated=fit.rated, win_rate_matrix=win_rate_matrix(counts),
        count_matrix=count_matrix(counts), predicted_matrix=predicted_matrix(fit),
        position=None if fit.position is None else to_elo * fit.position,
        tie_param=fit.tie_param, params=params, seed=int(seed),
    )  # fmt: skip


def _theta_intervals(
    fit: BTFit, counts: PairCounts, interval: str, rounds: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Interval bounds on centred theta, the rounds behind P(best), and notes for ``params``."""
    rated = fit.rated
    if not rated.any():
        empty = np.full(rated.shape, np.nan)
        return empty, empty.copy(), np.zeros((rounds, 0)), {}
    if interval == "bootstrap":
        draws, unconverged = bootstrap_thetas(fit, counts, rounds=rounds, seed=seed)
        lower, upper = percentile_bounds(draws, rated, level=LEVEL)
        return lower, upper, draws, {"bootstrap_unconverged": unconverged}
    covariance = bt_covariance(fit, counts, kind=interval)
    lower, upper = normal_bounds(fit.theta, covariance, level=LEVEL)
    rng = np.random.default_rng(seed)
    draws = gaussian_draws(fit.theta, covariance, rounds=rounds, rng=rng)
    return lower, upper, draws, {}


def compute_theta_intervals(
    fit: BTFit,
    counts: PairCounts,
    *,
    interval: str = DEFAULT_INTERVAL,
    rounds: int = 1000,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """95% bounds on the centred ``theta`` of ``fit`` by ``interval`` (used by simulations)."""
    lower, upper, _, _ = _theta_intervals(fit, counts.canonical(), interval, rounds, seed)
    return lower, upper


def _elo_board(
    counts: PairCounts,
    elo_votes: tuple[np.ndarray, np.ndarray, np.ndarray],
    seed: int,
    *,
    anchor: float,
    scale: float,
    base: float,
    k: float,
) -> Board:
    left, right, outcome = elo_votes
    n = counts.n_models
    ratings = elo_online(n, left, right, outcome, k=k, scale=scale, base=base, initial=anchor)
    rated = counts.rated()
    rating = np.where(rated, ratings, np.nan)
    predicted = elo_expected(rating[:, None], rating[None, :], scale=scale, base=base)
    predicted = np.asarray(predicted, dtype=float).reshape(n, n)
    np.fill_diagonal(predicted, np.nan)
    nan = np.full(n, np.nan)
    params = {**_base_params(counts, "elo", scale, base, anchor, seed), "k": float(k),
              "elo_votes": int(np.size(left))}  # fmt: skip
    return Board(
        rating=rating, ci_lower=nan, ci_upper=nan.copy(), rank=competition_ranks(rating),
        rank_lower=nan.copy(), rank_upper=nan.copy(), p_best=nan.copy(), **model_totals(counts),
        rated=rated, win_rate_matrix=win_rate_matrix(counts), count_matrix=count_matrix(counts),
        predicted_matrix=predicted, position=None, tie_param=None, params=params, seed=int(seed),
    )  # fmt: skip


def _base_params(
    counts: PairCounts, method: str, scale: float, base: float, anchor: float, seed: int
) -> dict[str, Any]:
    return {
        "method": method,
        "n_models": int(counts.n_models),
        "n_votes": float(counts.n_votes),
        "n_pairs": int(counts.left.size),
        "anchor": float(anchor),
        "scale": float(scale),
        "base": float(base),
        "seed": int(seed),
    }


def _check_options(
    method: str, interval: str, rounds: int, seed: int, elo_votes: object | None
) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}, got {interval!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if method == "elo" and elo_votes is None:
        raise ValueError("method='elo' needs elo_votes=(left, right, outcome) in time order")
    if method == "bt" and elo_votes is not None:
        raise ValueError("elo_votes is only used by method='elo'")
