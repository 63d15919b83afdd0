"""How many adversarial votes would undo a decision: an estimate from the fit (docs/ratings.md,
"Votes to flip").

A vote for ``c`` against ``i`` adds ``sigmoid(d)`` to the score of ``d = theta_i - theta_c``, and a
Newton step moves ``d`` by that score times ``V = Var(d)``. After ``n`` votes ``d_n`` solves
``(d - d_n) / V = n * sigmoid(d_n)``, with information ``1 / V + n sigmoid(d_n) sigmoid(-d_n)``.
One Newton step from today's fit, the other models held: an estimate, not a bound.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .decision import mixture_radius, within_tolerance

_MAX_VOTES = 1e7


def votes_to_flip(gap: float, variance: float) -> int | None:
    """Adversarial votes that would bring ``gap = theta_i - theta_c`` (of ``variance``) to zero,
    ``2 * gap / variance``; None when either is missing, 0 when already level."""
    if not (math.isfinite(gap) and math.isfinite(variance)) or variance <= 0:
        return None
    return max(math.ceil(2.0 * gap / variance - 1e-9), 0) if gap > 0 else 0


def _shifted(gap: float, variance: float, n: float) -> tuple[float, float]:
    """``d_n`` and its standard error after ``n`` adversarial votes."""
    from scipy.optimize import brentq
    from scipy.special import expit

    if n <= 0:
        return gap, math.sqrt(variance)
    low = gap - n * variance  # each vote moves d by at most V
    d = brentq(lambda x: (gap - x) / variance - n * expit(x), low - 1.0, gap + 1e-12)
    information = 1.0 / variance + n * expit(d) * expit(-d)
    return d, 1.0 / math.sqrt(information)


def votes_to_undo(gap: float, variance: float, *, alpha: float, tolerance: float) -> int | None:
    """Adversarial votes for challenger ``c`` (``gap = theta_pick - theta_c``) after which the
    pick is no longer within tolerance: 0 if it is not already, None if missing or out of reach."""
    if not (math.isfinite(gap) and math.isfinite(variance)) or variance <= 0:
        return None

    def holds(n: float) -> bool:
        d, se = _shifted(gap, variance, n)
        return bool(within_tolerance(-(d - float(mixture_radius(se, alpha))), tolerance))

    if not holds(0.0):
        return 0
    if holds(_MAX_VOTES):
        return None
    low, high = 0, 1
    while holds(high):
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if holds(middle) else (low, middle)
    return high


def pick_votes_to_undo(
    theta: np.ndarray,
    covariance: np.ndarray,
    established: np.ndarray,
    pick: int,
    *,
    alpha: float,
    tolerance: float,
    closest: int = 3,
) -> int | None:
    """The fewest adversarial votes, for any one established challenger, undoing the pick; only
    the ``closest`` challengers (least room within the tolerance) are tried."""
    theta, cov = np.asarray(theta, dtype=float), np.asarray(covariance, dtype=float)
    rivals = [int(c) for c in np.flatnonzero(np.asarray(established, dtype=bool)) if c != pick]
    variance = {c: cov[pick, pick] + cov[c, c] - 2.0 * cov[pick, c] for c in rivals}
    room = {
        c: theta[pick] - theta[c] - float(mixture_radius(math.sqrt(max(variance[c], 0.0)), alpha))
        for c in rivals
    }
    needed = []
    for c in sorted(rivals, key=lambda c: (room[c], c))[:closest]:
        n = votes_to_undo(theta[pick] - theta[c], variance[c], alpha=alpha, tolerance=tolerance)
        if n is not None:
            needed.append(n)
    return min(needed) if needed else None


def rows_votes_to_flip(theta: np.ndarray, covariance: np.ndarray) -> list[int | None]:
    """Per model: votes for the next model down against it that would swap their order (None for
    the lowest and for NaN ``theta``)."""
    theta, cov = np.asarray(theta, dtype=float), np.asarray(covariance, dtype=float)
    out: list[int | None] = [None] * theta.size
    rated = [int(k) for k in np.flatnonzero(~np.isnan(theta))]
    order = sorted(rated, key=lambda k: (-theta[k], k))
    for upper, lower in itertools.pairwise(order):
        variance = cov[upper, upper] + cov[lower, lower] - 2.0 * cov[upper, lower]
        out[upper] = votes_to_flip(theta[upper] - theta[lower], variance)
    return out
