"""Ratings for one prompt: a weighted Bradley-Terry fit shrunk toward the category's board.

A prompt's neighbours (past voted prompts, kernel weights ``w`` in ``(0, 1]``) vote on
unordered pairs, tallied in :class:`PairTallies`. Two fits read them: the *local* fit, with a
light penalty, is what the bounds rest on; the *shrunk* fit, with a normal prior centred on the
category's strengths, is the prediction and the pick.

The sandwich covariance's meat sums squared weights, so a weighted score has the variance of
the Kish effective sample size ``(sum w)^2 / sum w^2``, not of ``sum w``. The upper bound on
``theta_c - theta_i`` is the larger of the two fits' estimates plus the anytime-valid radius
(:func:`ratings.engine.decision.mixture_radius`) at the local fit's standard error: shrinkage
can only widen it. Natural-log units throughout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decision import DEFAULT_ERROR_RATE, pair_se
from .likelihood import Cells, meat_weights
from .regret import excess_over


@dataclass(frozen=True)
class PairTallies(Cells):
    """Weighted tallies of the unordered pairs ``(first[k], second[k])`` of ``n_models``.

    ``wins`` (of ``first``), ``losses`` and ``ties`` hold sums of weights; ``squared`` the
    same three with squared weights, shape ``(3, n_pairs)``.
    """

    n_models: int
    first: np.ndarray
    second: np.ndarray
    squared: np.ndarray


@dataclass(frozen=True)
class LocalFit:
    """The two fits of one prompt and what the bounds need (see the module docstring)."""

    theta: np.ndarray  # shrunk, centred: the prediction and the pick
    local: np.ndarray  # light penalty only, centred: what the bounds rest on
    covariance: np.ndarray  # sandwich covariance of ``local``
    effective_votes: np.ndarray  # per model: Kish effective number of votes it took part in


def pairs_of(n_models: int) -> tuple[np.ndarray, np.ndarray]:
    """Every unordered pair ``i < j`` of ``n_models``, in a fixed order."""
    first, second = np.triu_indices(n_models, k=1)
    return first.astype(np.int64), second.astype(np.int64)


def tallies_from(weighted: np.ndarray, squared: np.ndarray, n_models: int) -> PairTallies:
    """Tallies from stacked ``(3, n_pairs)`` arrays (first wins, second wins, ties)."""
    first, second = pairs_of(n_models)
    weighted = np.asarray(weighted, dtype=float).reshape(3, -1)
    squared = np.asarray(squared, dtype=float).reshape(3, -1)
    return PairTallies(*weighted, n_models, first, second, squared)


def _design(tallies: PairTallies) -> np.ndarray:
    x = np.zeros((tallies.first.size, tallies.n_models))
    rows = np.arange(tallies.first.size)
    x[rows, tallies.first] = 1.0
    x[rows, tallies.second] = -1.0
    return x


def weighted_bt(
    tallies: PairTallies,
    *,
    centre: np.ndarray | None = None,
    precision: float = 0.25,
    tol: float = 1e-10,
    max_iter: int = 50,
) -> np.ndarray:
    """Maximise the weighted Bradley-Terry likelihood under a normal prior; centred strengths.

    Parameters
    ----------
    tallies : PairTallies
        Weighted wins and ties per unordered pair (ties count half a win to each side).
    centre : numpy.ndarray, optional
        Prior mean per model (default zeros): the category's strengths shrink toward it.
    precision : float
        Prior precision per model, > 0 (0.25 is the curvature of one virtual tie against an
        average model).

    Returns
    -------
    numpy.ndarray
        Strengths, shape ``(n_models,)``, mean zero.
    """
    from scipy.special import expit

    if precision <= 0:
        raise ValueError("precision must be positive")
    m = tallies.n_models
    centre = np.zeros(m) if centre is None else np.asarray(centre, dtype=float)
    x = _design(tallies)
    wins, total = tallies.score, tallies.total
    theta = centre.copy()
    for _ in range(max_iter):
        p = expit(x @ theta)
        gradient = x.T @ (total * p - wins) + precision * (theta - centre)
        hessian = (x.T * (total * p * (1 - p))) @ x + precision * np.eye(m)
        step = np.linalg.solve(hessian, gradient)
        theta = theta - step
        if np.max(np.abs(step), initial=0.0) < tol:
            break
    return theta - theta.mean()


def sandwich(tallies: PairTallies, theta: np.ndarray, precision: float) -> np.ndarray:
    """``H^-1 M H^-1`` of the weighted fit: the meat sums squared weights (see the module)."""
    from scipy.special import expit

    x = _design(tallies)
    d = x @ theta
    p = expit(d)
    bread = (x.T * (tallies.total * p * (1 - p))) @ x + precision * np.eye(tallies.n_models)
    meat = (x.T * meat_weights(d, None, Cells(*tallies.squared))[0]) @ x
    inverse = np.linalg.inv(bread)
    return inverse @ meat @ inverse


def effective_votes(tallies: PairTallies) -> np.ndarray:
    """Kish effective number of votes per model: ``(sum w)^2 / sum w^2`` over its votes."""
    m = tallies.n_models
    weight = np.zeros(m)
    square = np.zeros(m)
    total, total2 = tallies.total, tallies.squared.sum(axis=0)
    for side in (tallies.first, tallies.second):
        np.add.at(weight, side, total)
        np.add.at(square, side, total2)
    return np.divide(weight**2, square, out=np.zeros(m), where=square > 0)


def local_fit(
    tallies: PairTallies, *, centre: np.ndarray, precision: float, light: float = 0.25
) -> LocalFit:
    """The shrunk and the local fit of one prompt, with the local fit's sandwich covariance."""
    local = weighted_bt(tallies, precision=light)
    shrunk = weighted_bt(tallies, centre=centre - np.mean(centre), precision=precision)
    return LocalFit(shrunk, local, sandwich(tallies, local, light), effective_votes(tallies))


def local_regret(
    fit: LocalFit, established: np.ndarray, *, error_rate: float = DEFAULT_ERROR_RATE
) -> np.ndarray:
    """Anytime-valid upper bound per model on how far it is below the best established one
    (the kernel-weighted strengths), NaN for models not established; unclipped (see
    :func:`ratings.engine.regret.regret_excess`, whose union argument it follows)."""
    shrunk = fit.theta[:, None] - fit.theta[None, :]
    local = fit.local[:, None] - fit.local[None, :]
    gaps = np.maximum(shrunk, local)
    return excess_over(gaps, pair_se(fit.covariance), established, error_rate=error_rate)


def kernel_weights(distance: np.ndarray) -> np.ndarray:
    """Tricube weights ``(1 - d^3)^3`` in ``[0, 1]``: flat near 0, zero from ``d = 1``."""
    distance = np.clip(np.asarray(distance, dtype=float), 0.0, 1.0)
    return (1.0 - distance**3) ** 3
