"""Many simulated categories at once, read by the route's regret rule after every 100 votes.

Used by ``bench_route_quality.py`` (sections 8-11) and ``tests/ratings/test_route_regret.py``.
Pure numpy: no Django, so hundreds of categories over 40,000 votes take seconds, not hours.

What is real and what is fast:

* the decision is the engine's own: :func:`ratings.engine.regret.confident_leaders` and
  :func:`ratings.engine.regret.regret_bounds`, on the strengths and covariance a recompute
  would store;
* active pairing is the matchmaker's own steering, :func:`ratings.engine.pairing.aimed_pairs`
  at the tolerance it aims at (the pairs the rule is short of, by
  :func:`ratings.engine.pairing.votes_short`, each sent where it narrows the bound most;
  at tolerance 0 mixed with top-two Thompson sampling), mixed with the arena's exploration
  share; a category whose route is confident gets uniform pairs;
* the fit is the recompute's model (Bradley-Terry, a tie half a win, the prior of
  ``RATINGS_PRIOR = 1`` virtual tie per model, the floored sandwich covariance of
  ``RATINGS_INTERVAL = sandwich``) solved by Newton's method batched over categories, warm
  started from the previous look. ``fit_agrees_with_engine`` compares it with
  :func:`ratings.engine.compute_board` on the same counts.

Truth is Bradley-Terry with ties (a tie has probability ``0.1 * 4 p (1 - p)``: 10% between
equals, as :func:`ratings.engine.simulate_votes` draws them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ratings.engine.decision import mixture_radius
from ratings.engine.pairing import (
    aimed_pairs,
    cheaper_candidate,
    votes_short,
    with_exploration,
)
from ratings.engine.regret import confident_leaders

POINTS = 400.0 / math.log(10.0)
TIE_RATE = 0.1
PRIOR = 1.0
MIN_VOTES = 20
ERROR_RATE = 0.05
EXPLORATION = 0.1
STEP = 100


def realistic_mix(rng: np.random.Generator, n: int, m: int = 10) -> np.ndarray:
    """Top gap log-normal (median 40 points, quartiles 24 and 66), the rest 10-200 below #2."""
    gap = 40.0 * np.exp(0.75 * rng.standard_normal(n))
    return _arrange(rng, gap, -gap[:, None] - rng.uniform(10.0, 200.0, (n, m - 2)))


def crowded_top(rng: np.random.Generator, n: int, m: int = 10) -> np.ndarray:
    """The top two within 0-10 points, the rest 40-250 points below the best."""
    return _arrange(rng, rng.uniform(0.0, 10.0, n), -rng.uniform(40.0, 250.0, (n, m - 2)))


def _arrange(rng, gap, rest) -> np.ndarray:
    points = np.column_stack([np.zeros(gap.size), -gap, rest])
    return rng.permuted(points, axis=1) / POINTS


def dear_best_prices(rng: np.random.Generator, truth: np.ndarray) -> np.ndarray:
    """The best model costs 10 per output, the second best 1, the others 2-9."""
    prices = rng.uniform(2.0, 9.0, truth.shape)
    order = np.argsort(-truth, axis=1)
    rows = np.arange(truth.shape[0])
    prices[rows, order[:, 0]] = 10.0
    prices[rows, order[:, 1]] = 1.0
    return prices


def near_best_cheap(rng: np.random.Generator, n: int, m: int = 10) -> np.ndarray:
    """Priced boards' truth: the second best 0-15 points below the best, the rest 40-250."""
    return _arrange(rng, rng.uniform(0.0, 15.0, n), -rng.uniform(40.0, 250.0, (n, m - 2)))


@dataclass
class Run:
    """Per look (rows) and category (columns): what the router was told, and the truth."""

    votes: np.ndarray  # (looks,)
    confident: dict[float, np.ndarray]  # tolerance (points) -> (looks, n) bool
    shortfall: dict[float, np.ndarray]  # true points below the best of the pick
    covered: np.ndarray  # every established model's bound held at this look
    cost_confident: np.ndarray  # cost objective at the first tolerance
    cost_price: np.ndarray
    cost_shortfall: np.ndarray
    quality_price: np.ndarray


class Fit:
    """Batched penalised Bradley-Terry fits of ``n`` categories of ``m`` models."""

    def __init__(self, n: int, m: int) -> None:
        self.i, self.j = np.triu_indices(m, 1)
        self.design = np.zeros((self.i.size, m))
        self.design[np.arange(self.i.size), self.i] = 1.0
        self.design[np.arange(self.i.size), self.j] = -1.0
        self.theta = np.zeros((n, m))

    def __call__(self, wins, losses, ties) -> tuple[np.ndarray, np.ndarray]:
        """Strengths and their floored sandwich covariance (natural-log units)."""
        games = wins + losses + ties
        score = wins + 0.5 * ties
        for _ in range(20):
            p, hessian = self._hessian(games)
            gradient = (games * p - score) @ self.design + 0.5 * PRIOR * np.tanh(self.theta / 2)
            step = np.linalg.solve(hessian, gradient[..., None])[..., 0]
            largest = np.abs(step).max(axis=1, keepdims=True)
            self.theta -= step * np.minimum(1.0, 1.0 / np.maximum(largest, 1e-12))
            if largest.max() < 1e-9:
                break
        p, hessian = self._hessian(games)
        return self.theta.copy(), _floored_sandwich(
            p, hessian, wins, losses, ties, games, self.design
        )

    def _hessian(self, games) -> tuple[np.ndarray, np.ndarray]:
        p = expit(self.theta[:, self.i] - self.theta[:, self.j])
        weight = games * p * (1.0 - p)
        hessian = np.einsum("bp,pi,pj->bij", weight, self.design, self.design)
        prior = 0.25 * PRIOR * (1.0 - np.tanh(self.theta / 2) ** 2)
        return p, hessian + prior[:, :, None] * np.eye(self.theta.shape[1])


def _floored_sandwich(p, hessian, wins, losses, ties, games, design) -> np.ndarray:
    """``H^-1 M H^-1``, each model's variance floored at the quasi-likelihood one.

    As ``ratings.engine.intervals.bt_covariance(kind="floored")``: both about the
    information-weighted mean, the dispersion from the squared residuals.
    """
    inverse = np.linalg.inv(hessian)
    residual = wins * (1 - p) ** 2 + losses * p**2 + ties * (0.5 - p) ** 2
    meat = np.einsum("bp,pi,pj->bij", residual, design, design)
    dispersion = residual.sum(axis=1) / np.maximum((games * p * (1 - p)).sum(axis=1), 1e-12)
    information = np.diagonal(hessian, axis1=1, axis2=2)
    m = p.shape[0], hessian.shape[1]
    weighted = (
        np.eye(m[1])[None] - (information / information.sum(axis=1, keepdims=True))[:, None, :]
    )
    sandwich = weighted @ inverse @ meat @ inverse @ weighted.transpose(0, 2, 1)
    quasi = dispersion[:, None, None] * (weighted @ inverse @ weighted.transpose(0, 2, 1))
    low = np.diagonal(sandwich, axis1=1, axis2=2)
    high = np.diagonal(quasi, axis1=1, axis2=2)
    scale = np.sqrt(np.where(low > 0, np.maximum(high / np.where(low > 0, low, 1), 1.0), 1.0))
    return sandwich * scale[:, :, None] * scale[:, None, :]


def run(
    truth: np.ndarray,
    *,
    horizon: int,
    seed: int,
    tolerances: tuple[float, ...] = (25.0, 0.0),
    aim: float | None = None,
    prices: np.ndarray | None = None,
) -> Run:
    """Votes in steps of 100 for every category; the route read after each step.

    ``aim`` None: uniform pairs; else active pairing aimed at that tolerance (points).
    ``prices``: per model, for the cost objective at ``tolerances[0]``.
    """
    rng = np.random.default_rng(seed)
    n, m = truth.shape
    fit = Fit(n, m)
    pairs = fit.i.size
    cells = np.zeros((3, n, pairs))
    true_p = expit(truth[:, fit.i] - truth[:, fit.j])
    weights = np.full((n, pairs), 1.0 / pairs)
    looks = np.arange(STEP, horizon + 1, STEP)
    out = _empty_run(looks, n, tolerances)
    for t, _ in enumerate(looks):
        cells += _vote(rng, weights, true_p)
        theta, cov = fit(*cells)
        votes = np.zeros((n, m))
        np.add.at(votes.T, fit.i, cells.sum(axis=0).T)
        np.add.at(votes.T, fit.j, cells.sum(axis=0).T)
        established = votes >= MIN_VOTES
        _record(out, t, truth, theta, cov, established, tolerances, prices)
        if aim is not None:
            weights = _active_weights(theta, cov, established, fit, aim, seed + t, prices)
    return out


def _empty_run(looks, n, tolerances) -> Run:
    shape = (looks.size, n)
    return Run(
        votes=looks,
        confident={tol: np.zeros(shape, bool) for tol in tolerances},
        shortfall={tol: np.zeros(shape) for tol in tolerances},
        covered=np.zeros(shape, bool),
        cost_confident=np.zeros(shape, bool),
        cost_price=np.full(shape, np.nan),
        cost_shortfall=np.full(shape, np.nan),
        quality_price=np.full(shape, np.nan),
    )


def _vote(rng, weights, true_p) -> np.ndarray:
    """STEP votes per category: pairs by ``weights``, outcomes from the truth."""
    n = weights.shape[0]
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random((n, STEP))
    pair = (draws[:, :, None] > cumulative[:, None, :]).sum(axis=2)
    pair = np.minimum(pair, weights.shape[1] - 1)
    p = np.take_along_axis(true_p, pair, axis=1)
    tie = TIE_RATE * 4.0 * p * (1.0 - p)
    u = rng.random((n, STEP))
    outcome = np.where(u < p - tie / 2, 0, np.where(u < p + tie / 2, 2, 1))  # win, loss, tie
    flat = (outcome * n + np.arange(n)[:, None]) * weights.shape[1] + pair
    counts = np.bincount(flat.ravel(), minlength=3 * n * weights.shape[1])
    return counts.reshape(3, n, weights.shape[1]).astype(float)


def _record(out: Run, t, truth, theta, cov, established, tolerances, prices) -> None:
    best = np.where(established, truth, -np.inf).max(axis=1, keepdims=True)
    rows = np.arange(truth.shape[0])
    for tol in tolerances:
        leader, confident, bounds = confident_leaders(
            theta, cov, established, tolerance=tol / POINTS, error_rate=ERROR_RATE
        )
        out.confident[tol][t] = confident
        out.shortfall[tol][t] = (best[:, 0] - truth[rows, leader]) * POINTS
    shortfall = best - truth
    held = np.where(established, bounds >= shortfall - 1e-9, True)
    out.covered[t] = held.all(axis=1)
    if prices is not None:
        _record_cost(out, t, truth, theta, cov, established, tolerances[0], prices, best)


def _record_cost(out, t, truth, theta, cov, established, tol, prices, best) -> None:
    """The cheapest established model whose bound is within the tolerance, if any."""
    leader, confident, bounds = confident_leaders(
        theta, cov, established, tolerance=tol / POINTS, error_rate=ERROR_RATE
    )
    rows = np.arange(truth.shape[0])
    good = established & (bounds <= tol / POINTS) & (established.sum(axis=1) >= 2)[:, None]
    cheapest = np.where(good, prices, np.inf).argmin(axis=1)
    out.cost_confident[t] = good.any(axis=1)
    out.cost_price[t] = np.where(good.any(axis=1), prices[rows, cheapest], np.nan)
    out.cost_shortfall[t] = (best[:, 0] - truth[rows, cheapest]) * POINTS
    out.quality_price[t] = np.where(confident, prices[rows, leader], np.nan)


def _active_weights(theta, cov, established, fit, aim, seed, prices=None) -> np.ndarray:
    """The matchmaker's pair weights per category; uniform once its route is confident.

    With ``prices``, also aimed at the cheaper good-enough pick, as the matchmaker is where
    prices differ (:func:`ratings.engine.pairing.cheaper_candidate`).
    """
    n = theta.shape[0]
    tolerance = aim / POINTS
    leader, confident, _ = confident_leaders(theta, cov, established, tolerance=tolerance)
    short = _short(theta, cov, np.maximum(leader, 0), established, tolerance)
    cheap = np.full(n, -1)
    if prices is not None:
        for b in np.flatnonzero(leader >= 0):
            found = cheaper_candidate(theta[b], established[b], prices[b], leader[b], tolerance)
            cheap[b] = -1 if found is None else found
    cheap_short = _short(theta, cov, np.maximum(cheap, 0), established, tolerance)
    weights = np.full((n, fit.i.size), 1.0 / fit.i.size)
    for b in np.flatnonzero(~confident & (leader >= 0)):
        cheaper = (int(cheap[b]), cheap_short[b]) if cheap[b] >= 0 else None
        steered = aimed_pairs(theta[b] * POINTS, cov[b] * POINTS**2, int(leader[b]), short[b],
                              seed=seed * 1000 + int(b), tolerance=aim,
                              cheaper=cheaper)  # fmt: skip
        weights[b] = 2.0 * with_exploration(steered, EXPLORATION)[fit.i, fit.j]
    return weights


def _short(theta, cov, leader, established, tolerance) -> np.ndarray:
    """Votes each model is short of against its board's leader (0 for the leader)."""
    rows = np.arange(theta.shape[0])
    diag = np.diagonal(cov, axis1=1, axis2=2)
    variance = diag[rows, leader][:, None] + diag - 2.0 * cov[rows, leader]
    se = np.sqrt(np.clip(variance, 0.0, None))
    gap = theta[rows, leader][:, None] - theta
    p = expit(gap)
    alpha = (ERROR_RATE / np.maximum(established.sum(axis=1) - 1, 1))[:, None]
    short = votes_short(gap, se, p * (1 - p), alpha, tolerance=tolerance)
    short[rows, leader] = 0.0
    return short


def known_truth_votes(truth: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Direct votes the rule needs with the truth known: against #2, and against the rest.

    Per category, :func:`ratings.engine.pairing.votes_short` from no votes at all, at the true
    gaps, every challenger played only against the true best and every model established:
    the leader's pairs in the proportion :func:`ratings.engine.pairing.shortfall_pairs` sends.
    """
    order = np.sort(truth, axis=1)[:, ::-1]
    gap = order[:, :1] - order[:, 1:]
    p = expit(gap)
    alpha = ERROR_RATE / (truth.shape[1] - 1)
    short = votes_short(gap, np.full(gap.shape, 10.0), p * (1 - p), alpha, tolerance=tol / POINTS)
    return short[:, 0], short[:, 1:].sum(axis=1)


def first_confident(run_: Run, tol: float) -> np.ndarray:
    """Votes at each category's first confident answer (inf: never within the horizon)."""
    confident = run_.confident[tol]
    first = np.where(confident.any(axis=0), run_.votes[confident.argmax(axis=0)], np.inf)
    return first


def radius_points(se_points: float, k: int = 10) -> float:
    """The anytime-valid radius, in points, for a difference known to ``se_points``."""
    return float(mixture_radius(se_points / POINTS, ERROR_RATE / (k - 1))) * POINTS


def fit_agrees_with_engine(boards: int = 5, votes: int = 3000, seed: int = 7) -> float:
    """Largest difference, in points, between this fit's regret bounds and the engine's.

    Both read the same counts; the engine's are from :func:`ratings.engine.compute_board`
    with the recompute's defaults (half ties, prior 1, sandwich interval).
    """
    from ratings.engine import PairCounts, compute_board
    from ratings.engine.regret import regret_bounds

    rng = np.random.default_rng(seed)
    truth = realistic_mix(rng, boards)
    n, m = truth.shape
    fit = Fit(n, m)
    cells = np.zeros((3, n, fit.i.size))
    true_p = expit(truth[:, fit.i] - truth[:, fit.j])
    for _ in range(votes // STEP):
        cells += _vote(rng, np.full((n, fit.i.size), 1.0 / fit.i.size), true_p)
    theta, cov = fit(*cells)
    ours = regret_bounds(theta, cov, np.ones((n, m), bool)) * POINTS
    worst = 0.0
    for b in range(n):
        counts = PairCounts(m, fit.i, fit.j, cells[0, b], cells[1, b], cells[2, b])
        board = compute_board(counts, rounds=50, seed=0)
        points = board.params.get("scale", 400.0) / math.log(board.params.get("base", 10.0))
        theirs = regret_bounds(board.rating / points, board.covariance / points**2,
                               np.ones(m, bool)) * POINTS  # fmt: skip
        worst = max(worst, float(np.abs(ours[b] - theirs).max()))
    return worst
