"""Uncertainty of Bradley-Terry ratings: covariances, intervals, ranks, P(best).

Interval methods:

``"sandwich"`` (default)
    The robust ``H^-1 M H^-1``, with ``M`` summed from per-vote scores: it stays right where
    the model's variance is wrong, as it is with half-point ties. A model with a handful of votes
    has overfitted residuals, so each model's variance is floored at its quasi-likelihood
    variance ``phi * H^-1`` (``phi`` the board's Pearson dispersion, 1 under Davidson), both
    taken about an information-weighted mean so a newcomer's variance cannot widen the others.
    It covers at the nominal rate in simulation (docs/ratings.md, "Intervals and tiers").
``"fisher"``
    ``H^-1``, model-based: too wide with ties.
``"bootstrap"``
    Percentile intervals of refits on resampled counts (:mod:`ratings.engine.bootstrap`).

Normal intervals are on the mean-centred ``theta``. P(best) counts the top model over draws
from :mod:`ratings.engine.posterior`. Rank ranges are read off the displayed intervals, so
overlapping intervals always share a rank range: ``rank_lower = 1 + #{lower bound above my
upper}``, ``rank_upper = #{upper bound not below my lower}`` (counting myself).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .bootstrap import bootstrap_thetas
from .bt import BTFit
from .counts import PairCounts
from .likelihood import build_problem, evaluate, meat_weights, pair_terms
from .posterior import posterior_draws

INTERVAL_METHODS = ("sandwich", "fisher", "bootstrap")
DEFAULT_INTERVAL = "sandwich"
COVARIANCE_KINDS = ("sandwich", "fisher", "quasi", "floored")
LEVEL = 0.95
# The "sandwich" interval uses the floored sandwich covariance.
_COVARIANCE_OF = {"sandwich": "floored", "fisher": "fisher"}


class Uncertainty(NamedTuple):
    """What :func:`theta_intervals` returns."""

    lower: np.ndarray
    upper: np.ndarray
    draws: np.ndarray
    covariance: np.ndarray
    notes: dict[str, int]


def theta_intervals(
    fit: BTFit,
    counts: PairCounts,
    *,
    interval: str = DEFAULT_INTERVAL,
    rounds: int = 1000,
    seed: int = 0,
    level: float = LEVEL,
) -> Uncertainty:
    """Interval bounds on the centred ``theta`` of ``fit`` and the rounds behind P(best).

    Parameters
    ----------
    fit : BTFit
        A fit of ``counts``.
    counts : PairCounts
        Its votes.
    interval : {"sandwich", "fisher", "bootstrap"}
        See the module docstring.
    rounds : int
        Posterior draws behind P(best), and bootstrap resamples with ``"bootstrap"``.
    seed : int
        Seed of ``numpy.random.default_rng``.
    level : float
        Coverage of the intervals.

    Returns
    -------
    Uncertainty
        ``lower, upper``: bounds per model in natural-log units, NaN for unrated models;
        ``draws``: shape (rounds, m), posterior draws of the rated models' centred ``theta``,
        behind P(best); ``covariance``: shape (m, m), of the rated models' centred ``theta``;
        ``notes``: diagnostics worth recording (``bootstrap_unconverged``).
    """
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}, got {interval!r}")
    rated = fit.rated
    m = int(rated.sum())
    if not m:
        empty = np.full(rated.shape, np.nan)
        return Uncertainty(empty, empty.copy(), np.zeros((rounds, 0)), np.zeros((0, 0)), {})
    notes = {}
    if interval == "bootstrap":
        refits, unconverged = bootstrap_thetas(fit, counts, rounds=rounds, seed=seed)
        lower, upper = percentile_bounds(refits, rated, level=level)
        theta_cov = np.atleast_2d(np.cov(refits, rowvar=False))
        notes = {"bootstrap_unconverged": unconverged}
        # The resamples seed the bootstrap; the posterior draws below take the next stream.
        rng = np.random.default_rng([seed, 1])
    else:
        covariance = bt_covariance(fit, counts, kind=_COVARIANCE_OF[interval])
        lower, upper = normal_bounds(fit.theta, covariance, level=level)
        theta_cov = covariance[:m, :m]
        rng = np.random.default_rng(seed)
    draws = posterior_draws(fit.theta[rated], theta_cov, rounds=rounds, rng=rng)
    return Uncertainty(lower, upper, draws, theta_cov, notes)


def bt_covariance(fit: BTFit, counts: PairCounts, *, kind: str = "sandwich") -> np.ndarray:
    """Covariance of the centred rated ``theta`` (then ``gamma``, then ``log nu``).

    Parameters
    ----------
    fit : BTFit
        A fit of ``counts``.
    counts : PairCounts
        The votes the fit was made from.
    kind : {"sandwich", "fisher", "quasi", "floored"}
        ``H^-1 M H^-1``, ``H^-1``, ``phi * H^-1``, or the sandwich with each model's variance
        floored at its quasi variance.

    Returns
    -------
    numpy.ndarray
        Square, over the rated models (index order) and the extra parameters.
    """
    if kind not in COVARIANCE_KINDS:
        raise ValueError(f"kind must be one of {COVARIANCE_KINDS}, got {kind!r}")
    inverse, meat, dispersion, information = _covariance_parts(fit, counts)
    return covariance_of(inverse, meat, dispersion, information, kind=kind)


def covariance_of(
    inverse: np.ndarray,
    meat: np.ndarray,
    dispersion: float,
    information: np.ndarray,
    *,
    kind: str,
) -> np.ndarray:
    """The covariance of one ``kind`` from a fit's parts (:func:`_covariance_parts`), centred."""
    if kind not in COVARIANCE_KINDS:
        raise ValueError(f"kind must be one of {COVARIANCE_KINDS}, got {kind!r}")
    centre = np.eye(inverse.shape[0])
    m = information.size
    centre[:m, :m] -= 1.0 / m
    if kind == "fisher":
        return centre @ inverse @ centre.T
    quasi = dispersion * (centre @ inverse @ centre.T)
    if kind == "quasi":
        return quasi
    sandwich = centre @ inverse @ meat @ inverse @ centre.T
    if kind == "sandwich":
        return sandwich
    # Floored about an information-weighted mean: about the plain mean a sparse model's variance
    # would enter every model's and the floor would widen well-measured differences.
    weighted = np.eye(inverse.shape[0])
    weighted[:m, :m] -= information[None, :] / information.sum()
    parts = [weighted @ a @ weighted.T for a in (inverse @ meat @ inverse, dispersion * inverse)]
    return centre @ _floor_variances(*parts, m) @ centre.T


def _covariance_parts(
    fit: BTFit, counts: PairCounts
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Inverse penalised Hessian, sandwich meat, Pearson dispersion, information per model."""
    models = np.flatnonzero(fit.rated)
    problem, cells = build_problem(
        counts, ties=fit.ties, position_bias=fit.position_bias, prior=fit.prior, models=models
    )
    z = fit.solution[None, :]
    hessian = evaluate(problem, cells, z, order=2, gauge=fit.prior == 0)[2][0]
    inverse = np.linalg.inv(hessian)
    d = (problem.design @ z.T).T
    eta = z[:, [problem.eta_col]] if problem.eta_col is not None else None
    weights = np.concatenate(meat_weights(d, eta, cells), axis=1)
    meat = (problem.hess_map @ weights.T).reshape(problem.n_params, problem.n_params)
    dispersion = 1.0
    if eta is None:
        # Squared residuals over the model's p (1 - p): below 1 when ties score half a point.
        expected = pair_terms(d, None, cells, order=2)[2][0].sum()
        dispersion = float(weights.sum() / expected) if expected > 0 else 1.0
    information = np.diag(hessian)[: problem.n_models].copy()
    return inverse, meat, dispersion, information


def _floor_variances(sandwich: np.ndarray, floor: np.ndarray, m: int) -> np.ndarray:
    """Scale rows and columns of ``sandwich`` so that no model's variance is below ``floor``'s."""
    low, high = np.diag(sandwich)[:m], np.diag(floor)[:m]
    scale = np.ones(sandwich.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        scale[:m] = np.sqrt(np.where(low > 0, np.maximum(high / low, 1.0), 1.0))
    return sandwich * scale[:, None] * scale[None, :]


def normal_bounds(
    theta: np.ndarray, covariance: np.ndarray, *, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """``theta +/- z * se`` for the rated entries (non-NaN) of ``theta``; NaN elsewhere."""
    rated = ~np.isnan(theta)
    se = np.full(theta.shape, np.nan)
    se[rated] = np.sqrt(np.clip(np.diag(covariance)[: rated.sum()], 0.0, None))
    z = _z_value(level)
    return theta - z * se, theta + z * se


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
    from scipy.special import ndtri

    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return float(ndtri(0.5 + level / 2.0))
