"""Online Elo: the per-vote update and its replay over votes in time order.

Elo depends on vote order, so it is a live indicator, not the leaderboard of record (that is
Bradley-Terry, see :mod:`ratings.engine.bt`). A tie scores 0.5 for both sides.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from .counts import OUTCOME_LEFT, OUTCOME_RIGHT, OUTCOME_TIE, _as_index_array, _check_n_models


def _delta(r_a: float, r_b: float, score_a: float, k: float, factor: float) -> float:
    """The Elo step of ``a`` (``b`` moves by its negative): the one place the formula lives.

    ``a`` expects to score ``1 / (1 + base ** ((r_b - r_a) / scale))`` and moves by ``k``
    times what it scored above that (``factor`` is ``log(base) / scale``). Plain floats: the
    replay calls it once per vote, where numpy scalars cost more than the arithmetic. A gap
    past exp's range gives the right limit (expected score 0).
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
    initial: float | ArrayLike = 1000.0,
) -> np.ndarray:
    """Replay votes in time order through the Elo update.

    Replaying votes in two parts, the second from the ratings the first gave, gives the same
    ratings as replaying them all at once: the ratings app moves a board on by its new votes.

    Parameters
    ----------
    n_models : int
        Number of models; every model starts at ``initial``.
    left, right : array_like of int
        Models of each vote, oldest vote first.
    outcome : array_like of float
        Per vote: 1.0 left won, 0.0 right won, 0.5 tie.
    k : float
        Step size; a vote moves its two models by ``k * (score - expected score)``, zero-sum.
    scale, base : float
        A gap of ``scale`` points means odds of ``base`` to 1.
    initial : float or array_like of float
        Starting rating, of every model or one per model (where an earlier replay ended).

    Returns
    -------
    numpy.ndarray
        Final rating per model; models without votes keep their starting rating.
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
    start = np.broadcast_to(np.asarray(initial, dtype=float), (n,))
    if not np.isfinite(start).all():
        raise ValueError("initial ratings must be finite")
    ratings = start.tolist()
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
