"""Uncertainty of Bradley-Terry ratings: covariances, intervals, ranks, P(best).

Interval methods
----------------
``"sandwich"`` (the default)
    The robust sandwich ``H^-1 M H^-1``: ``H`` is the Hessian of the penalised NLL at the fit,
    ``M`` the sum over votes of outer products of per-vote scores (per pair, from the counts).
    It stays right when the model's variance is wrong, which it is for the LMArena tie
    convention: a tie scored as half a win varies less than a win-or-loss, so the model-based
    variance overstates the noise on boards with ties. One guard: ``M`` comes from a model's
    own residuals, which a model with a handful of votes has overfitted (three straight wins
    leave residuals near zero and an interval that claims certainty). So each model's variance
    is floored at its quasi-likelihood variance ``phi * H^-1`` (``p (1 - p)`` from the fit,
    scaled by the board's Pearson dispersion ``phi``, which is where ties enter; ``phi = 1``
    under Davidson, whose likelihood models ties). Where a model has many votes the two agree
    and the floor does not bind. Both variances are taken about an information-weighted mean
    of the models before the floor is applied: about the plain mean, a newcomer's large
    variance would enter every model's, and the floor would then widen the differences
    between well-measured models, which the newcomer says nothing about.

    Why the default: over simulated boards (:mod:`ratings.engine.simulate`; 20 models, 10k
    votes, 20% ties, seed 2024, as ``tests/benchmarks/bench_ratings_engine.py --quick`` prints
    them) it covers the true strengths at the nominal rate, 94.97% of 8,000 cases (SE 0.24%);
    it is analytic (milliseconds per board against one to two CPU seconds for a thousand
    refits of a 100-model board); and it is what the percentile bootstrap approximates (94.83%
    of 1,200 cases, SE 0.64%, on the same boards). The model-based interval over-covers with
    ties (96.73% of 4,000 cases).
``"fisher"``
    ``H^-1``, the model-based (observed information) covariance. Right without ties, too wide
    with them.
``"bootstrap"``
    Percentile intervals from refits on resampled counts (:mod:`ratings.engine.bootstrap`).

Normal intervals are ``theta_hat +/- z * se`` on the mean-centred ``theta`` (the covariance is
projected onto "mean of rated models = 0", the same centring as the ratings). The centre is
itself estimated, so a model with very few votes widens every interval by its 1/m share of the
anchor's uncertainty; leaving such models out of the board also leaves them out of the anchor.

P(best) and rounds
------------------
The ``rounds`` draws behind P(best) come from the empirical-Bayes posterior of
:mod:`ratings.engine.posterior`: joint across models through the full covariance (for
``"bootstrap"``, the covariance of the resampled fits), shrunk as far as the board's own spread
says its differences are noise. P(best) is the share of rounds in which a model has the highest
rating. The covariance is returned too: the route's decision and the tiers
(:mod:`ratings.engine.decision`) rest on it.

Rank intervals
--------------
One definition for every method, read off the displayed intervals so that two overlapping
intervals always mean a shared rank range (rank 1 = best):

* ``rank_lower = 1 + #{models whose lower bound is above my upper bound}``
* ``rank_upper = #{models whose upper bound is not below my lower bound}`` (counting myself).

A model's point rank (``1 + #{models rated strictly higher}``) lies inside its range whenever
each estimate lies inside its own interval: always for the normal intervals, nearly always for
percentile ones.
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
        ``"sandwich"`` is ``H^-1 M H^-1``, ``"fisher"`` is ``H^-1``, ``"quasi"`` is
        ``phi * H^-1`` with the board's dispersion ``phi``, ``"floored"`` is the sandwich with
        each model's variance raised to at least its quasi variance (see the module docstring).

    Returns
    -------
    numpy.ndarray
        Square matrix over the rated models (in index order) and the extra parameters; the
        ``theta`` block is singular along "all models up by the same amount", which the
        centring removes.
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
    """The covariance of one ``kind`` from a fit's parts, ``theta`` centred.

    ``inverse`` is the inverse penalised Hessian and ``meat`` the sandwich meat, both over the
    rated models' ``theta`` first and any further parameters after; ``dispersion`` is the
    board's Pearson dispersion and ``information`` the Hessian's diagonal over ``theta``.
    """
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
    # The floor is judged against an information-weighted mean, not the plain mean: a model
    # with a handful of votes carries a huge variance into every model's plain-centred one,
    # and flooring well-measured models against that would blow up the differences between
    # them (which the centring does not change). Any centring of the floored matrix then
    # gives the same plain-centred result.
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
