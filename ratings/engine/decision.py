"""Decisions that stay right however often they are read: the route's pick and the board's tiers.

Route: a leader with an anytime-valid margin
--------------------------------------------
A router asks "which model is best here?" again and again while votes arrive. A rule that is
right 95% of the time *at one look* is wrong far more often over a category's life, because
every look is another chance for noise to cross the line. So the margin of the leader ``L``
over each challenger ``c``, ``d = theta_L - theta_c``, gets a *confidence sequence*: bounds
that hold at every number of votes at once, not just at one.

The estimate ``d_hat`` with standard error ``se`` behaves like a Brownian motion observed in
information time ``v = 1 / se**2`` (the score process of the fit; asymptotically its increments
are independent). For such a process Robbins' normal-mixture martingale gives, with
probability at least ``1 - a``, for every ``v`` at once (Howard, Ramdas, McAuliffe and Sekhon
2021, *Time-uniform, nonparametric, nonasymptotic confidence sequences*, the one-sided normal
mixture boundary):

    (d_hat - d) * v  <=  sqrt(2 (v + rho) log(sqrt((v + rho) / rho) / (2 a) + 1))

so ``d >= d_hat - radius(se)`` with ``radius = boundary(v) / v``. ``rho = 1 / TUNED_SE**2``
sets where the boundary is tightest (any fixed ``rho`` is valid; it trades early against late
decisions). The leader is *confident* when its lower bound over every established challenger
is above zero, each at ``a = error_rate / k`` with ``k`` the number of established challengers
(Bonferroni). Why that bounds the chance of ever being wrong: a confident wrong answer names
some ``j`` while the true best ``b`` is established, so the bound on ``theta_j - theta_b`` is
above zero although the difference is not, and each of the ``k`` pairs that include ``b`` does
that, at any time, with probability at most ``error_rate / k``.

With a *tolerance* ``t`` the question becomes "is the leader within ``t`` of the best?": each
challenger's bound is moved by ``t`` (confident when ``d_hat - radius > -t`` for every
challenger, i.e. the leader's regret bound, :mod:`ratings.engine.regret`, is at most ``t``).
The same argument bounds the chance of ever naming with confidence a pick more than ``t``
below the best. ``t = 0`` is the exact rule above.

Models below the vote threshold (*provisional*) take no part: they cannot be the pick and
cannot hold one back. Those whose upper bound over the leader is above zero are reported as
possible challengers.

Tiers: simultaneous separation
------------------------------
Two models share a tier unless the data separate them at the board's error rate *for all pairs
at once*. The critical value is the ``1 - error_rate`` quantile of the largest standardised
pairwise difference, ``max_ij |(x_i - x_j) - (theta_i - theta_j)| / se_ij``, over draws of the
ratings (normal draws from the covariance, or bootstrap refits): a Tukey-style simultaneous
bound, exact under normality. The board, in order of the estimates, is cut into tiers only
where every model above a cut is separated from every model below it: two models in different
tiers are always separated, so the chance that a tier boundary puts a worse model above a
better one is at most the error rate.

Units: every function takes natural-log strengths and their covariance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_ERROR_RATE = 0.05
# The standard error (natural-log units, about 174 rating points: rho = 1) that tunes the
# boundary, fixed in advance, as validity requires. The radius per standard error is within
# 13% of its best from 5 to 80 points of standard error, so one tuning serves both the close
# race at the top and the challengers 100-250 points below, whose bounds decide how soon a
# tolerance is met (docs/ratings.md, "How the tuning was chosen").
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
    """Anytime-valid one-sided radius for an estimate with standard error ``se``.

    ``estimate - radius`` is a lower bound that holds at every look at once with probability at
    least ``1 - alpha`` (see the module docstring). Zero ``se`` gives zero, NaN stays NaN.
    """
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
        Chance, over the whole life of the board, of ever naming with confidence a model more
        than ``tolerance`` below the best established one.
    tolerance : float
        Natural-log units: how far below the best a confident pick may be. 0 asks for the best
        itself (the leader's lower bound over every challenger above zero).

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


def within_tolerance(excess, tolerance: float):
    """Whether an upper bound on a shortfall is within the tolerance: the one comparison.

    ``excess`` is the bound before clipping at zero. At tolerance 0 it must be below zero
    (the leader's lower bound over every challenger above zero, as the exact rule has always
    asked); above 0, at most the tolerance.
    """
    excess = np.asarray(excess, dtype=float)
    return excess <= tolerance if tolerance > 0 else excess < 0.0


def _gaps(theta: np.ndarray, covariance: np.ndarray, leader: int) -> tuple[np.ndarray, np.ndarray]:
    """``theta_leader - theta_c`` for every ``c`` and its standard error (0 for the leader)."""
    cov = np.asarray(covariance, dtype=float)
    variance = cov[leader, leader] + np.diag(cov) - 2.0 * cov[leader]
    return theta[leader] - theta, np.sqrt(np.clip(variance, 0.0, None))


def _growth_needed(gaps: np.ndarray, se: np.ndarray, alpha: float) -> float | None:
    """Smallest multiple of today's votes at which every gap clears its radius, if in reach.

    Information grows in proportion to votes, so ``se`` shrinks as ``1 / sqrt(growth)``.
    """
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
    variance = np.diag(covariance)[:, None] + np.diag(covariance)[None, :] - 2.0 * covariance
    se = np.sqrt(np.clip(variance, 0.0, None))
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
    """Tier per model (1 = top) from simultaneous pairwise separations.

    ``i`` is separated from ``j`` when ``|theta_i - theta_j| > critical * se[i, j]``. Models are
    ordered by estimate and the board is cut between two neighbours only where every model
    above the cut is separated from every model below it; so any two models in different
    tiers are separated, and their order is wrong only if a simultaneous bound failed.
    """
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
