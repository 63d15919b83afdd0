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

from .bt import BTFit, bt_fit, predicted_matrix, to_elo_scale
from .counts import PairCounts, count_matrix, model_totals, win_rate_matrix
from .decision import DEFAULT_ERROR_RATE, simultaneous_critical, tiers
from .intervals import (
    DEFAULT_INTERVAL,
    INTERVAL_METHODS,
    LEVEL,
    competition_ranks,
    p_best,
    rank_intervals,
    theta_intervals,
)
from .likelihood import DEFAULT_PRIOR

# A snapshot records its method; Bradley-Terry is the one a board is computed with (the online
# Elo is replayed vote by vote by the ratings app, see ratings.services.elo).
METHODS = ("bt",)


@dataclass(frozen=True)
class Board:
    """A computed leaderboard; per-model arrays are indexed by model, NaN where unrated.

    Attributes
    ----------
    rating, ci_lower, ci_upper : numpy.ndarray
        Elo-scale rating and its 95% interval.
    rank, rank_lower, rank_upper : numpy.ndarray
        Rank by rating (1 = best, equal ratings share) and the rank range implied by the
        intervals (:mod:`ratings.engine.intervals`). Whole numbers stored as floats so that
        unrated models can be NaN.
    p_best : numpy.ndarray
        Probability that the model is the best: the share of posterior draws
        (:mod:`ratings.engine.posterior`) in which it rates highest.
    tier : numpy.ndarray
        Tier (1 = top) of models the data cannot separate at ``error_rate``, all pairs at once
        (:mod:`ratings.engine.decision`).
    covariance : numpy.ndarray
        Shape (n, n): covariance of the ratings in Elo points squared, NaN where unrated; the
        route's decision is computed from it and the ratings.
    votes, wins, losses, ties : numpy.ndarray
        Tallies per model (0 for unrated models); ``rated`` is ``votes > 0``.
    win_rate_matrix, count_matrix, predicted_matrix : numpy.ndarray
        Observed share of points of row against column (ties half), battles per pair, and the
        fit's prediction of the first (:func:`~ratings.engine.bt.predicted_matrix`).
    position : float or None
        Left-side advantage in Elo points (``position_bias=True``).
    tie_param : float or None
        Davidson ``nu`` (``ties="davidson"``).
    params : dict
        JSON-serialisable record of every setting and diagnostic of the computation.
    seed : int
        Seed of all randomness.
    """

    rating: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    rank: np.ndarray
    rank_lower: np.ndarray
    rank_upper: np.ndarray
    p_best: np.ndarray
    tier: np.ndarray
    covariance: np.ndarray
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
    prior: float = DEFAULT_PRIOR,
    error_rate: float = DEFAULT_ERROR_RATE,
) -> Board:
    """Compute one leaderboard.

    Parameters
    ----------
    counts : PairCounts
        Votes of the board per ordered pair.
    method : {"bt"}
        Bradley-Terry fit of the counts, the leaderboard of record.
    ties : {"half", "davidson"}
        Tie model of the Bradley-Terry fit.
    position_bias : bool
        Fit a left-side advantage; reported in Elo points as ``position``.
    interval : {"sandwich", "fisher", "bootstrap"}
        95% interval method (see :mod:`ratings.engine.intervals`); the default ``"sandwich"``
        is calibrated and takes milliseconds, ``"bootstrap"`` about a second per 100 models.
    rounds : int
        Posterior draws behind ``p_best``, and bootstrap resamples with ``"bootstrap"``.
    seed : int
        Seed of all randomness.
    anchor, scale, base : float
        Elo scale: the average rated model sits at ``anchor``; ``scale`` points mean odds of
        ``base`` to 1.
    prior : float
        Bradley-Terry prior strength (see :mod:`ratings.engine.likelihood`); 0 is the plain
        maximum-likelihood fit.
    error_rate : float
        Error rate of the tiers: the chance that any two models in different tiers are not
        truly ordered so.

    Returns
    -------
    Board
    """
    check_board_options(rounds, seed, error_rate, method=method, interval=interval)
    counts = counts.canonical()
    fit = bt_fit(counts, ties=ties, position_bias=position_bias, prior=prior)
    spread = theta_intervals(fit, counts, interval=interval, rounds=rounds, seed=seed)
    elo = {"anchor": anchor, "scale": scale, "base": base}
    options = {"interval": interval, "rounds": rounds, "error_rate": error_rate}
    return board_from_fit(counts, fit, spread, method=method, seed=seed, **elo, **options)


def board_from_fit(
    counts: PairCounts,
    fit: BTFit,
    spread,
    *,
    method: str,
    interval: str,
    rounds: int,
    seed: int,
    anchor: float,
    scale: float,
    base: float,
    error_rate: float,
) -> Board:
    """The board of a fit and its uncertainty (an ``intervals.Uncertainty``) over ``counts``."""
    params = {
        "method": method,
        "n_models": int(counts.n_models),
        "n_votes": float(counts.n_votes),
        "n_pairs": int(counts.canonical().left.size),
        "anchor": float(anchor),
        "scale": float(scale),
        "base": float(base),
        "seed": int(seed),
        "ties": fit.ties,
        "position_bias": bool(fit.position_bias),
        "interval": interval,
        "rounds": int(rounds),
        "prior": float(fit.prior),
        "level": LEVEL,
        "error_rate": float(error_rate),
        "converged": bool(fit.converged),
        "n_iter": int(fit.n_iter),
        **spread.notes,
    }
    points = scale / math.log(base)
    lower, upper = (anchor + points * bound for bound in (spread.lower, spread.upper))
    tier, covariance = _tiers_and_covariance(fit, spread.covariance, params, points)
    rank_lower, rank_upper = rank_intervals(lower, upper)
    rating = to_elo_scale(fit.theta, anchor=anchor, scale=scale, base=base)
    return Board(
        rating=rating,
        ci_lower=lower,
        ci_upper=upper,
        rank=competition_ranks(rating),
        rank_lower=rank_lower,
        rank_upper=rank_upper,
        p_best=p_best(spread.draws, fit.rated),
        tier=tier,
        covariance=covariance,
        **_tallies(counts),
        predicted_matrix=predicted_matrix(fit),
        position=None if fit.position is None else points * fit.position,
        tie_param=fit.tie_param,
        params=params,
        seed=params["seed"],
    )


def _tiers_and_covariance(
    fit: BTFit, covariance: np.ndarray, params: dict[str, Any], points: float
) -> tuple[np.ndarray, np.ndarray]:
    """Tiers per model and the covariance in Elo points squared, both spread over all models."""
    rated = fit.rated
    rng = np.random.default_rng([params["seed"], 1])
    critical, se = simultaneous_critical(
        covariance, error_rate=params["error_rate"], rounds=params["rounds"], rng=rng
    )
    tier = np.full(rated.size, np.nan)
    tier[rated] = tiers(fit.theta[rated], se, critical)
    full = np.full((rated.size, rated.size), np.nan)
    full[np.ix_(rated, rated)] = covariance * points**2
    return tier, full


def _tallies(counts: PairCounts) -> dict[str, np.ndarray]:
    return {
        **model_totals(counts),
        "rated": counts.rated(),
        "win_rate_matrix": win_rate_matrix(counts),
        "count_matrix": count_matrix(counts),
    }


def check_board_options(
    rounds: int, seed: int, error_rate: float, *, method: str = "bt", interval: str = "sandwich"
) -> None:
    """Raise ValueError for an option ``compute_board`` (or the style board) cannot take."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}, got {interval!r}")
    if isinstance(rounds, bool) or not isinstance(rounds, int | np.integer) or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not 0.0 < error_rate < 1.0:
        raise ValueError(f"error_rate must lie strictly between 0 and 1, got {error_rate!r}")
