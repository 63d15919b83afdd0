"""How many adversarial votes would undo a decision: an estimate from the fit.

An adversary casts ``n`` votes in one category, each for a challenger ``c`` against a model
``i`` (the pick, or the row above). One such vote adds ``sigmoid(d)`` to the score of the
difference ``d = theta_i - theta_c`` (the chance the fit gave ``c`` of winning is
``sigmoid(-d)``, so the score moves by ``1 - sigmoid(-d)``), and a Newton step from the fit
moves ``d`` by that score times ``V = Var(d)`` from the board's covariance. So after ``n`` votes
the new difference ``d_n`` solves

    (d - d_n) / V = n * sigmoid(d_n)

and the information on it grows to ``1 / V + n * sigmoid(d_n) * sigmoid(-d_n)``. Two
questions are answered from that:

* **flip the order**: the smallest ``n`` with ``d_n <= 0``, which is ``2 d / V`` exactly;
* **undo a confident pick**: the smallest ``n`` at which the pick's anytime-valid bound over
  ``c`` (:func:`ratings.engine.decision.mixture_radius` at the route's per-pair rate) is no
  longer within the tolerance; the smallest over the challengers is reported.

Both are estimates: one Newton step from today's fit, the other models held where they are.
They say how robust a decision is to a handful of bad votes, not a bound.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .decision import mixture_radius, within_tolerance

_MAX_VOTES = 1e7


def votes_to_flip(gap: float, variance: float) -> int | None:
    """Adversarial votes that would put the lower model level with or above the higher one.

    ``gap`` is ``theta_i - theta_c`` (natural-log units, >= 0), ``variance`` its variance.
    None when either is missing or not finite; 0 when the order is already level.
    """
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
    """Adversarial votes for one challenger after which the pick is no longer within tolerance.

    ``gap`` is ``theta_pick - theta_c``, ``alpha`` the per-pair error rate of the rule,
    ``tolerance`` in natural-log units. 0 when the pick is not within tolerance already; None
    when the inputs are missing or it is out of reach.
    """
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
    """The fewest adversarial votes, for any one established challenger, undoing the pick.

    Only the ``closest`` challengers (least room between the pick's bound over them and the
    tolerance) are tried: the fewest votes are nearly always needed against one of them.
    """
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
    """Per model: votes for the next model down against it that would swap their order.

    Models are taken in order of ``theta`` (NaN ones are skipped and get None); the lowest gets
    None.
    """
    theta, cov = np.asarray(theta, dtype=float), np.asarray(covariance, dtype=float)
    out: list[int | None] = [None] * theta.size
    rated = [int(k) for k in np.flatnonzero(~np.isnan(theta))]
    order = sorted(rated, key=lambda k: (-theta[k], k))
    for upper, lower in itertools.pairwise(order):
        variance = cov[upper, upper] + cov[lower, lower] - 2.0 * cov[upper, lower]
        out[upper] = votes_to_flip(theta[upper] - theta[lower], variance)
    return out
