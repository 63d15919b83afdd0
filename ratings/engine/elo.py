"""Online Elo: the per-vote update applied inside the vote transaction, and its replay.

Elo depends on vote order, so it is a live indicator, not the leaderboard of record (that is
Bradley-Terry, see :mod:`ratings.engine.bt`). A tie scores 0.5 for both sides.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from .counts import OUTCOME_LEFT, OUTCOME_RIGHT, OUTCOME_TIE, _as_index_array, _check_n_models


def elo_expected(
    r_a: ArrayLike, r_b: ArrayLike, *, scale: float = 400.0, base: float = 10.0
) -> np.ndarray | float:
    """Expected score of ``a`` against ``b``: ``1 / (1 + base ** ((r_b - r_a) / scale))``.

    Parameters
    ----------
    r_a, r_b : float or array_like
        Ratings; arrays broadcast.
    scale, base : float
        A gap of ``scale`` points means odds of ``base`` to 1.

    Returns
    -------
    float or numpy.ndarray
        Probability-like expected score in (0, 1).
    """
    _check_scale(scale, base)
    gap = (np.asarray(r_b, dtype=float) - np.asarray(r_a, dtype=float)) * (math.log(base) / scale)
    # exp overflows to inf for absurd gaps; 1 / (1 + inf) is the right limit, so hush the warning.
    with np.errstate(over="ignore"):
        expected = 1.0 / (1.0 + np.exp(gap))
    return float(expected) if np.ndim(expected) == 0 else expected


def elo_update(
    r_a: float,
    r_b: float,
    score_a: float,
    *,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
) -> tuple[float, float]:
    """Ratings of ``a`` and ``b`` after one game.

    Parameters
    ----------
    r_a, r_b : float
        Ratings before the game.
    score_a : float
        1.0 if ``a`` won, 0.0 if ``b`` won, 0.5 for a tie.
    k : float
        Step size; the change is ``k * (score_a - expected_a)``, zero-sum between the two.
    scale, base : float
        See :func:`elo_expected`.

    Returns
    -------
    tuple of float
        ``(new_a, new_b)``.
    """
    if not 0.0 <= score_a <= 1.0:
        raise ValueError(f"score_a must lie in [0, 1], got {score_a!r}")
    if not k >= 0:
        raise ValueError(f"k must be non-negative, got {k!r}")
    _check_scale(scale, base)
    delta = _delta(float(r_a), float(r_b), float(score_a), k, math.log(base) / scale)
    return float(r_a) + delta, float(r_b) - delta


def _delta(r_a: float, r_b: float, score_a: float, k: float, factor: float) -> float:
    """The Elo step of ``a`` (``b`` moves by its negative): the one place the formula lives.

    Plain floats: the replay calls it once per vote, where numpy scalars cost more than the
    arithmetic. A gap past exp's range gives the right limit (expected score 0).
    """
    gap = (r_b - r_a) * factor
    expected = 1.0 / (1.0 + math.exp(gap)) if gap < 700 else 0.0
    return k * (score_a - expected)


def elo_online(
    n_models: int,
    left: ArrayLike,
    right: ArrayLike,
    outcome: ArrayLike,
    *,
    k: float = 4.0,
    scale: float = 400.0,
    base: float = 10.0,
    initial: float = 1000.0,
) -> np.ndarray:
    """Replay votes in time order through :func:`elo_update`.

    Parameters
    ----------
    n_models : int
        Number of models; every model starts at ``initial``.
    left, right : array_like of int
        Models of each vote, oldest vote first.
    outcome : array_like of float
        Per vote: 1.0 left won, 0.0 right won, 0.5 tie.
    k, scale, base : float
        See :func:`elo_update`.
    initial : float
        Starting rating.

    Returns
    -------
    numpy.ndarray
        Final rating per model; models without votes keep ``initial``.
    """
    n = _check_n_models(n_models)
    a = _as_index_array(left, "left", n)
    b = _as_index_array(right, "right", n)
    scores = np.asarray(outcome, dtype=float)
    if not (a.shape == b.shape == scores.shape):
        raise ValueError("left, right and outcome must have the same length")
    if not np.isin(scores, (OUTCOME_LEFT, OUTCOME_RIGHT, OUTCOME_TIE)).all():
        raise ValueError("outcome must be 1.0, 0.0 or 0.5 per vote")
    if (a == b).any():
        raise ValueError("a model cannot play against itself")
    _check_scale(scale, base)
    if not k >= 0:
        raise ValueError(f"k must be non-negative, got {k!r}")
    ratings = [float(initial)] * n
    factor = math.log(base) / scale
    # The recursion is inherently sequential; plain floats beat numpy scalars in this loop.
    for i, j, s in zip(a.tolist(), b.tolist(), scores.tolist(), strict=True):
        delta = _delta(ratings[i], ratings[j], s, k, factor)
        ratings[i] += delta
        ratings[j] -= delta
    return np.array(ratings, dtype=float)


def _check_scale(scale: float, base: float) -> None:
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    if not base > 1:
        raise ValueError(f"base must be greater than 1, got {base!r}")
