"""Uncertainty of Bradley-Terry ratings: covariances, intervals, ranks, P(best).

Interval methods
----------------
``"sandwich"`` (the default)
    ``H^-1 M H^-1``: ``H`` is the Hessian of the penalised NLL at the fit, ``M`` the sum over
    votes of outer products of per-vote scores (computed per pair from the counts). It stays
    right when the model's variance is wrong, which it is for the LMArena tie convention: a tie
    scored as half a win varies less than a win-or-loss, so the model-based variance overstates
    the noise on boards with ties. Measured over simulated boards (see
    :mod:`ratings.engine.simulate` and ``tests/benchmarks/bench_ratings_engine.py``) it covers
    the true strengths at the nominal 95%, it is analytic (no resampling, milliseconds per
    board), and it is what the percentile bootstrap approximates asymptotically.
``"fisher"``
    ``H^-1``, the model-based (observed information) covariance. Correct without ties, too wide
    with them.
``"bootstrap"``
    Percentile intervals from refits on resampled counts (:mod:`ratings.engine.bootstrap`).

Normal intervals are ``theta_hat +/- z * se`` on the mean-centred ``theta`` (the covariance is
projected onto "mean of rated models = 0", the same centring as the ratings themselves).

P(best) and rounds
------------------
With a normal interval, the ``rounds`` draws behind P(best) come from ``N(theta_hat, cov)`` (a
parametric bootstrap consistent with the intervals); with ``"bootstrap"`` they are the resamples.
P(best) is the share of rounds in which a model has the highest rating.

Rank intervals
--------------
One definition for every method, read off the displayed intervals so that two overlapping
intervals always mean a shared rank range (rank 1 = best):

* ``rank_lower = 1 + #{models whose lower bound is above my upper bound}``
* ``rank_upper = #{models whose upper bound is not below my lower bound}`` (counting myself).

Every model's point rank (``1 + #{models rated strictly higher}``) lies inside its range.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from .bt import BTFit
from .counts import PairCounts
from .likelihood import build_problem, evaluate, meat_weights

INTERVAL_METHODS = ("sandwich", "fisher", "bootstrap")
DEFAULT_INTERVAL = "sandwich"


def bt_covariance(fit: BTFit, counts: PairCounts, *, kind: str = "sandwich") -> np.ndarray:
    """Covariance of the centred rated ``theta`` (then ``gamma``, then ``log nu``).

    Parameters
    ----------
    fit : BTFit
        A fit of ``counts``.
    counts : PairCounts
        The votes the fit was made from.
    kind : {"sandwich", "fisher"}
        See the module docstring.

    Returns
    -------
    numpy.ndarray
        Square matrix over the rated models (in index order) and the extra parameters; the
        ``theta`` block is singular along "all models up by the same amount", which the
        centring removes.
    """
    if kind not in ("sandwich", "fisher"):
        raise ValueError(f"kind must be 'sandwich' or 'fisher', got {kind!r}")
    models = np.flatnonzero(fit.rated)
    problem, cells = build_problem(
        counts, ties=fit.ties, position_bias=fit.position_bias, prior=fit.prior, models=models
    )
    z = fit.solution[None, :]
    hessian = evaluate(problem, cells, z, order=2, gauge=fit.prior == 0)[2][0]
    inverse = np.linalg.inv(hessian)
    if kind == "fisher":
        covariance = inverse
    else:
        d = (problem.design @ z.T).T
        eta = z[:, [problem.eta_col]] if problem.eta_col is not None else None
        weights = np.concatenate(meat_weights(d, eta, cells), axis=1)
        meat = (problem.hess_map @ weights.T).reshape(problem.n_params, problem.n_params)
        covariance = inverse @ meat @ inverse
    centre = np.eye(problem.n_params)
    centre[: models.size, : models.size] -= 1.0 / models.size
    return centre @ covariance @ centre.T


def normal_bounds(
    theta: np.ndarray, covariance: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """``theta +/- z * se`` for the rated entries (non-NaN) of ``theta``; NaN elsewhere."""
    rated = ~np.isnan(theta)
    se = np.full(theta.shape, np.nan)
    se[rated] = np.sqrt(np.clip(np.diag(covariance)[: rated.sum()], 0.0, None))
    z = _z_value(level)
    return theta - z * se, theta + z * se


def gaussian_draws(
    theta: np.ndarray, covariance: np.ndarray, *, rounds: int, rng: np.random.Generator
) -> np.ndarray:
    """``rounds`` draws of the rated ``theta`` from ``N(theta, covariance)``, shape (rounds, m)."""
    rated = ~np.isnan(theta)
    m = int(rated.sum())
    values, vectors = np.linalg.eigh(covariance[:m, :m])
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return theta[rated] + rng.standard_normal((rounds, m)) @ root.T


def percentile_bounds(
    draws: np.ndarray, rated: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per rated model from draws of shape (rounds, m); NaN elsewhere."""
    _z_value(level)
    lower = np.full(rated.shape, np.nan)
    upper = np.full(rated.shape, np.nan)
    if rated.any():
        tail = (1.0 - level) / 2.0
        lower[rated], upper[rated] = np.quantile(draws, [tail, 1.0 - tail], axis=0)
    return lower, upper


def p_best(draws: np.ndarray, rated: np.ndarray) -> np.ndarray:
    """Share of rounds (rows of ``draws``) in which each rated model rates highest."""
    out = np.full(rated.shape, np.nan)
    if rated.any():
        best = np.argmax(draws, axis=1)
        out[rated] = np.bincount(best, minlength=int(rated.sum())) / draws.shape[0]
    return out


def competition_ranks(values: np.ndarray) -> np.ndarray:
    """``1 + #{entries strictly greater}`` (rank 1 = best, equal values share); NaN stays NaN."""
    values = np.asarray(values, dtype=float)
    rated = ~np.isnan(values)
    ordered = np.sort(values[rated])
    ranks = np.full(values.shape, np.nan)
    ranks[rated] = 1 + ordered.size - np.searchsorted(ordered, values[rated], side="right")
    return ranks


def rank_intervals(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank range implied by the intervals (see the module docstring); NaN where unrated."""
    rated = ~(np.isnan(lower) | np.isnan(upper))
    lows, highs = np.sort(lower[rated]), np.sort(upper[rated])
    m = lows.size
    best = np.full(lower.shape, np.nan)
    worst = np.full(lower.shape, np.nan)
    best[rated] = 1 + m - np.searchsorted(lows, upper[rated], side="right")
    worst[rated] = m - np.searchsorted(highs, lower[rated], side="left")
    return best, worst


def _z_value(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return float(ndtri(0.5 + level / 2.0))
