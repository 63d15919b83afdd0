"""Ratings for one prompt: a weighted Bradley-Terry fit shrunk toward the category's board.

A prompt's neighbours (past voted prompts, each with a kernel weight ``w`` in ``(0, 1]``) vote
on unordered pairs ``(i, j)``; ``PairTallies`` holds, per pair, the weighted wins of each
side and ties (ties count half) and the same tallies with squared weights. Two fits read them:

* the *local* fit: weighted Bradley-Terry with a light penalty (``light`` times a virtual tie
  against an average model, like the board's prior), the estimate the bounds rest on;
* the *shrunk* fit: the same likelihood with a normal prior centred on the category's
  strengths, precision ``precision`` (per model, natural-log units): the prediction, and the
  pick.

Bounds account for the weighting with the sandwich covariance ``H^-1 M H^-1`` whose meat
``M`` sums the squared weights: a weighted score ``sum_v w_v s_v`` has variance ``sum_v w_v^2
Var(s_v)``, which is the variance at the Kish effective sample size ``(sum w)^2 / sum w^2``
(not at ``sum w``, which would overstate what the votes know). The upper bound on
``theta_c - theta_i`` is the larger of the two fits' estimates plus the anytime-valid radius of
:func:`ratings.engine.decision.mixture_radius` at the local fit's standard error, so the
shrinkage can only widen it: it holds for the kernel-weighted strengths whatever the prior.
Units: natural-log strengths, as everywhere in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decision import DEFAULT_ERROR_RATE, mixture_radius


@dataclass(frozen=True)
class PairTallies:
    """Weighted tallies of the unordered pairs ``(first[k], second[k])`` of ``n_models``.

    ``first_wins``, ``second_wins`` and ``ties`` hold sums of weights; ``squared`` holds the
    same three tallies with squared weights, shape ``(3, n_pairs)``.
    """

    n_models: int
    first: np.ndarray
    second: np.ndarray
    first_wins: np.ndarray
    second_wins: np.ndarray
    ties: np.ndarray
    squared: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return self.first_wins + self.second_wins + self.ties


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
    return PairTallies(n_models, first, second, *weighted, squared)


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
    wins = tallies.first_wins + 0.5 * tallies.ties
    total = tallies.total
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
    p = expit(x @ theta)
    bread = (x.T * (tallies.total * p * (1 - p))) @ x + precision * np.eye(tallies.n_models)
    a2, b2, t2 = tallies.squared
    meat_weights = a2 * (1 - p) ** 2 + b2 * p**2 + t2 * (0.5 - p) ** 2
    meat = (x.T * meat_weights) @ x
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
    established = np.asarray(established, dtype=bool)
    m = fit.theta.size
    diag = np.diag(fit.covariance)
    se = np.sqrt(np.clip(diag[:, None] + diag[None, :] - 2.0 * fit.covariance, 0.0, None))
    alpha = error_rate / max(int(established.sum()) - 1, 1)
    shrunk = fit.theta[:, None] - fit.theta[None, :]
    local = fit.local[:, None] - fit.local[None, :]
    upper = np.maximum(shrunk, local) + mixture_radius(se, alpha)
    against = established[:, None] & ~np.eye(m, dtype=bool)
    excess = np.where(against, upper, -np.inf).max(axis=0)
    return np.where(established, excess, np.nan)


def kernel_weights(distance: np.ndarray) -> np.ndarray:
    """Tricube weights ``(1 - d^3)^3`` in ``[0, 1]``: flat near 0, zero from ``d = 1``."""
    distance = np.clip(np.asarray(distance, dtype=float), 0.0, 1.0)
    return (1.0 - distance**3) ** 3


def pair_log_loss(theta: np.ndarray, tallies: PairTallies) -> tuple[float, float]:
    """Summed log-loss of ``theta`` on the tallies (ties half a win each) and the weight summed."""
    from scipy.special import expit

    p = np.clip(expit(theta[tallies.first] - theta[tallies.second]), 1e-12, 1 - 1e-12)
    wins = tallies.first_wins + 0.5 * tallies.ties
    losses = tallies.second_wins + 0.5 * tallies.ties
    return float(-(wins * np.log(p) + losses * np.log(1 - p)).sum()), float(tallies.total.sum())
