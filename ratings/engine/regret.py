"""How far each model may be below the best: an anytime-valid regret bound per model.

For each established model ``i`` the bound on ``R_i = max_c theta_c - theta_i`` is the largest
of the one-sided confidence sequences of :mod:`ratings.engine.decision`,

    theta_c - theta_i  <=  (theta_hat_c - theta_hat_i) + radius(se_ci, a),  a = error_rate / (k - 1)

clipped at zero. Only the ``k - 1`` pairs with the true best matter, so all bounds hold at every
look with probability ``1 - error_rate``, and a pick called good enough (bound within the
tolerance) is wrong only if one failed (docs/ratings.md, "Good enough, sooner"). Provisional
models get NaN. Natural-log strengths; a leading batch shape is accepted (``theta`` ``(..., m)``,
``covariance`` ``(..., m, m)``) so a simulation can read thousands of boards in one call.
"""

from __future__ import annotations

import numpy as np

from .decision import DEFAULT_ERROR_RATE, mixture_radius, pair_se, within_tolerance


def regret_excess(
    theta: np.ndarray,
    covariance: np.ndarray,
    established: np.ndarray,
    *,
    error_rate: float = DEFAULT_ERROR_RATE,
) -> np.ndarray:
    """Unclipped upper bound per model on ``max_c theta_c - theta_i`` (NaN if provisional).

    Negative when the model is confidently ahead of every other established one; ``-inf`` for
    the only established model.
    """
    theta = np.asarray(theta, dtype=float)
    gaps = theta[..., :, None] - theta[..., None, :]
    return excess_over(gaps, pair_se(covariance), established, error_rate=error_rate)


def excess_over(
    gaps: np.ndarray, se: np.ndarray, established: np.ndarray, *, error_rate: float
) -> np.ndarray:
    """:func:`regret_excess` from estimates ``gaps[..., c, i]`` of ``theta_c - theta_i``."""
    established = np.asarray(established, dtype=bool)
    m = gaps.shape[-1]
    alpha = error_rate / np.maximum(established.sum(axis=-1) - 1, 1)
    upper = gaps + mixture_radius(se, np.asarray(alpha)[..., None, None])
    against = established[..., :, None] & ~np.eye(m, dtype=bool)
    excess = np.where(against, upper, -np.inf).max(axis=-2)
    return np.where(established, excess, np.nan)


def regret_bounds(
    theta: np.ndarray,
    covariance: np.ndarray,
    established: np.ndarray,
    *,
    error_rate: float = DEFAULT_ERROR_RATE,
) -> np.ndarray:
    """Anytime-valid upper bound on how far each model is below the best established one.

    Parameters
    ----------
    theta : numpy.ndarray
        Estimated strengths, shape ``(..., m)``, natural-log units.
    covariance : numpy.ndarray
        Their covariance, shape ``(..., m, m)``.
    established : numpy.ndarray
        Boolean mask ``(..., m)``: models with enough votes to be picked.
    error_rate : float
        Chance that any bound of the board fails at any look, over its whole life.

    Returns
    -------
    numpy.ndarray
        Shape ``(..., m)``: bound >= 0 per established model, NaN for the others.
    """
    excess = regret_excess(theta, covariance, established, error_rate=error_rate)
    return np.where(np.isnan(excess), np.nan, np.maximum(excess, 0.0))


def confident_leaders(
    theta: np.ndarray,
    covariance: np.ndarray,
    established: np.ndarray,
    *,
    tolerance: float,
    error_rate: float = DEFAULT_ERROR_RATE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The quality pick of many boards at once: leader, confident, regret bound per model.

    The leader is the established model rated highest (lowest index among equals, -1 without
    one), confident as :func:`ratings.engine.decision.leader_decision` would say per board.
    """
    theta = np.asarray(theta, dtype=float)
    established = np.asarray(established, dtype=bool)
    excess = regret_excess(theta, covariance, established, error_rate=error_rate)
    bounds = np.where(np.isnan(excess), np.nan, np.maximum(excess, 0.0))
    leader = np.where(established, theta, -np.inf).argmax(axis=-1)
    leader = np.where(established.any(axis=-1), leader, -1)
    lead_excess = np.take_along_axis(excess, np.maximum(leader, 0)[..., None], axis=-1)[..., 0]
    confident = (established.sum(axis=-1) >= 2) & within_tolerance(lead_excess, tolerance)
    return leader, confident, bounds
