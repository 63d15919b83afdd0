"""Decisions that stay right however often they are read: the route's pick and the board's tiers.

The route (docs/ratings.md, "When the route says confident") bounds the leader's margin
``d = theta_L - theta_c`` over each challenger with a confidence sequence: the estimate with
standard error ``se`` behaves like a Brownian motion in information time ``v = 1 / se**2``, and
Robbins' normal mixture (one-sided, Howard et al. 2021) gives, with probability ``1 - a`` at
every ``v`` at once,

    (d_hat - d) * v  <=  sqrt(2 (v + rho) log(sqrt((v + rho) / rho) / (2 a) + 1))

with ``rho = 1 / TUNED_SE**2``. The leader is confident when every established challenger's
lower bound is above ``-tolerance``, each at ``a = error_rate / k``: a confident wrong pick needs
one of the ``k`` bounds against the true best to fail. Provisional models take no part.

Tiers cut the board, in order of the estimates, only where every model above is separated from
every model below by a simultaneous (Tukey-style) bound over draws of the ratings, so models
in different tiers are misordered with probability at most the error rate.

Units: natural-log strengths and their covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_ERROR_RATE = 0.05
# The standard error (natural-log units, about 174 points) the boundary is tuned for, fixed in
# advance as validity requires; within 13% of the best radius from 5 to 80 points of standard
# error (docs/ratings.md, "How the tuning was chosen").
TUNED_SE = 1.0
# Beyond this many times today's votes a decision is reported as out of reach.
_MAX_GROWTH = 1e4


@dataclass(frozen=True)
class LeaderDecision:
    """Outcome of :func:`leader_decision`; indices refer to the arrays passed in.

    Attributes
    ----------
    leader : int or None
        The established model rated highest (None when no model is established).
    confident : bool
        The leader's lower bound over every established challenger is above zero.
    runner_up : int or None
        The established model rated next.
    margin, margin_lower, margin_upper : float
        ``theta_leader - theta_runner_up`` and its anytime-valid bounds (NaN without one).
    blocking : list of int
        Established challengers whose lower bound is not above zero.
    provisional_challengers : list of int
        Provisional models that might be better than the leader.
    growth_needed : float or None
        Votes needed, as a multiple of today's, for the rule to decide at today's gaps (1.0
        when confident; None when out of reach or when a gap is not positive).
    alpha : float
        The per-pair error rate used (``error_rate / k``).
    regret_bound : float
        Anytime-valid upper bound on how far the leader is below the best established model
        (see :mod:`ratings.engine.regret`); NaN without a leader or with a missing covariance.
    """

    leader: int | None
    confident: bool
    runner_up: int | None
    margin: float
    margin_lower: float
    margin_upper: float
    blocking: list[int]
    provisional_challengers: list[int]
    growth_needed: float | None
    alpha: float
    regret_bound: float


def mixture_radius(se: np.ndarray | float, alpha: float, *, tuned_se: float = TUNED_SE):
    """Anytime-valid one-sided radius at standard error ``se`` (0 for 0, NaN for NaN)."""
    alpha = np.asarray(alpha, dtype=float)
    if not np.all((alpha > 0.0) & (alpha < 1.0)):
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")
    se = np.asarray(se, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (se / tuned_se) ** 2
        inner = np.log(np.sqrt(1.0 + 1.0 / ratio) / (2.0 * alpha) + 1.0)
        radius = se * np.sqrt(2.0 * (1.0 + ratio) * inner)
    return np.where(se > 0, radius, np.where(np.isnan(se), np.nan, 0.0))


def leader_decision(
    theta: np.ndarray,
    covariance: np.ndarray,
    established: np.ndarray,
    *,
    error_rate: float = DEFAULT_ERROR_RATE,
    tolerance: float = 0.0,
) -> LeaderDecision:
    """Whether the best established model is good enough, at an anytime-valid error rate.

    Parameters
    ----------
    theta : numpy.ndarray
        Estimated strengths of the candidate models (natural-log units).
    covariance : numpy.ndarray
        Their joint covariance, shape (m, m).
    established : numpy.ndarray
        Boolean mask: models with enough votes to be picked or to hold a pick back.
    error_rate : float
        Chance, over the board's life, of ever confidently naming a model more than
        ``tolerance`` below the best established one.
    tolerance : float
        How far below the best a confident pick may be (natural-log units; 0: the best itself).

    Returns
    -------
    LeaderDecision
    """
    theta, established = np.asarray(theta, dtype=float), np.asarray(established, dtype=bool)
    pool = np.flatnonzero(established)
    if pool.size == 0:
        return LeaderDecision(
            None, False, None, *[math.nan] * 3, [], [], None, error_rate, math.nan
        )
    order = pool[np.lexsort((pool, -theta[pool]))]
    leader, rivals = int(order[0]), order[1:]
    alpha = error_rate / max(rivals.size, 1)
    gaps, se = _gaps(theta, covariance, leader)
    radius = mixture_radius(se, alpha)
    lower = gaps - radius
    blocking = [int(c) for c in rivals if not within_tolerance(-lower[c], tolerance)]
    others = np.flatnonzero(~established)
    provisional = [int(c) for c in others[np.argsort(gaps[others], kind="stable")] if lower[c] <= 0]
    runner = int(rivals[0]) if rivals.size else None
    margin = (math.nan,) * 3
    if runner is not None:
        margin = (gaps[runner], lower[runner], gaps[runner] + radius[runner])
    growth = _growth_needed(gaps[rivals] + tolerance, se[rivals], alpha) if rivals.size else None
    regret = max(float(np.max(-lower[rivals], initial=0.0)), 0.0) if rivals.size else 0.0
    return LeaderDecision(
        leader=leader,
        confident=rivals.size > 0 and not blocking,
        runner_up=runner,
        margin=float(margin[0]),
        margin_lower=float(margin[1]),
        margin_upper=float(margin[2]),
        blocking=blocking,
        provisional_challengers=provisional,
        growth_needed=growth,
        alpha=alpha,
        regret_bound=math.nan if np.isnan(lower[rivals]).any() else regret,
    )


def pair_se(covariance: np.ndarray) -> np.ndarray:
    """Standard error of every pairwise difference, shape ``(..., m, m)``."""
    cov = np.asarray(covariance, dtype=float)
    diag = np.diagonal(cov, axis1=-2, axis2=-1)
    return np.sqrt(np.clip(diag[..., :, None] + diag[..., None, :] - 2.0 * cov, 0.0, None))


def within_tolerance(excess, tolerance: float):
    """Whether an unclipped shortfall bound is within the tolerance: below 0 at tolerance 0
    (the exact rule), else at most the tolerance."""
    excess = np.asarray(excess, dtype=float)
    return excess <= tolerance if tolerance > 0 else excess < 0.0


def _gaps(theta: np.ndarray, covariance: np.ndarray, leader: int) -> tuple[np.ndarray, np.ndarray]:
    """``theta_leader - theta_c`` for every ``c`` and its standard error (0 for the leader)."""
    cov = np.asarray(covariance, dtype=float)
    variance = cov[leader, leader] + np.diag(cov) - 2.0 * cov[leader]
    return theta[leader] - theta, np.sqrt(np.clip(variance, 0.0, None))


def _growth_needed(gaps: np.ndarray, se: np.ndarray, alpha: float) -> float | None:
    """Smallest multiple of today's votes (``se`` shrinking as ``1 / sqrt(growth)``) at which
    every gap clears its radius, if in reach."""
    from scipy.optimize import brentq

    if (gaps <= 0).any() or not np.isfinite(se).all():
        # A challenger level with the leader (and no tolerance) is never cleared.
        return None

    def shortfall(growth: float) -> float:
        return float(np.max(mixture_radius(se / math.sqrt(growth), alpha) - gaps))

    if shortfall(1.0) < 0:
        return 1.0
    if shortfall(_MAX_GROWTH) >= 0:
        return None
    return float(brentq(shortfall, 1.0, _MAX_GROWTH, xtol=1e-3))


def simultaneous_critical(
    covariance: np.ndarray,
    *,
    error_rate: float = DEFAULT_ERROR_RATE,
    rounds: int = 1000,
    rng: np.random.Generator,
) -> tuple[float, np.ndarray]:
    """Critical value for all pairwise differences at once, and their standard errors.

    Parameters
    ----------
    covariance : numpy.ndarray
        Shape (m, m): covariance of the rated strengths.
    error_rate : float
        Chance that any pair's bound misses.
    rounds : int
        Normal draws behind the quantile.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    critical : float
        ``1 - error_rate`` quantile of the largest standardised pairwise deviation.
    se : numpy.ndarray
        Shape (m, m): standard errors of the pairwise differences.
    """
    m = covariance.shape[0]
    if m < 2:
        return 0.0, np.zeros((m, m))
    se = pair_se(covariance)
    i, j = np.triu_indices(m, 1)
    scale = np.where(se[i, j] > 0, se[i, j], np.inf)
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    largest = []
    # Chunks keep a 100-model board (4,950 pairs) to a few MB at a time.
    for size in np.diff(np.r_[0:rounds:250, rounds]):
        draws = rng.standard_normal((size, m)) @ root.T
        largest.append(np.abs((draws[:, i] - draws[:, j]) / scale).max(axis=1))
    return float(np.quantile(np.concatenate(largest), 1.0 - error_rate)), se


def tiers(theta: np.ndarray, se: np.ndarray, critical: float) -> np.ndarray:
    """Tier per model (1 = top): cut only where every model above is separated from every model
    below, ``|theta_i - theta_j| > critical * se[i, j]``."""
    theta = np.asarray(theta, dtype=float)
    order = np.lexsort((np.arange(theta.size), -theta))
    gap = np.abs(theta[order][:, None] - theta[order][None, :])
    apart = gap > critical * se[np.ix_(order, order)]
    out = np.zeros(theta.size, dtype=int)
    tier = 1
    for p, k in enumerate(order):
        if p and apart[:p, p:].all():
            tier += 1
        out[k] = tier
    return out
