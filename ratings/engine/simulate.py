"""Simulated boards from known strengths, and how often intervals cover them.

Votes follow the model the leaderboard assumes: a uniformly random pair on random sides, an
expected score of ``sigmoid(theta_left - theta_right)``. Ties (``tie_rate * 4 p (1 - p)``) come
out of both win probabilities equally, so the half-tie estimand stays exactly ``theta`` while a
vote gets less noisy than a coin flip: what separates the sandwich interval from the Fisher one.
Coverage is counted on strengths centred on the rated models' mean, as the board anchors them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .bt import bt_fit
from .counts import PairCounts
from .intervals import theta_intervals
from .likelihood import DEFAULT_PRIOR
from .style import StyleRows


@dataclass(frozen=True)
class Coverage:
    """Outcome of :func:`interval_coverage`."""

    interval: str
    n_models: int
    n_votes: int
    n_boards: int
    cases: int
    coverage: float
    mean_width: float
    seconds: float

    @property
    def standard_error(self) -> float:
        """Binomial standard error of ``coverage`` (ignores within-board correlation)."""
        return math.sqrt(self.coverage * (1.0 - self.coverage) / max(self.cases, 1))


def simulate_votes(
    theta: np.ndarray,
    n_votes: int,
    *,
    rng: np.random.Generator,
    tie_rate: float = 0.2,
    position: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Votes between uniformly random distinct pairs under the model above.

    Parameters
    ----------
    theta : numpy.ndarray
        True log-strengths.
    n_votes : int
    rng : numpy.random.Generator
    tie_rate : float
        Tie probability between equal models, in [0, 0.5].
    position : float
        True left-side log-odds advantage.

    Returns
    -------
    tuple of numpy.ndarray
        ``(left, right, outcome)`` with outcome 1.0 / 0.0 / 0.5.
    """
    if not 0.0 <= tie_rate <= 0.5:
        raise ValueError(f"tie_rate must lie in [0, 0.5], got {tie_rate!r}")
    n = theta.size
    left, right = _random_pairs(n, n_votes, rng)
    outcome = _verdicts(theta[left] - theta[right] + position, tie_rate, rng)
    return left, right, outcome


def _random_pairs(n: int, n_votes: int, rng: np.random.Generator):
    left = rng.integers(0, n, size=n_votes)
    right = rng.integers(0, n - 1, size=n_votes)
    right += right >= left
    return left, right


def _verdicts(d: np.ndarray, tie_rate: float, rng: np.random.Generator) -> np.ndarray:
    """1.0 / 0.5 / 0.0 per vote, with expected score ``sigmoid(d)`` and ties as described."""
    from scipy.special import expit

    p = expit(d)
    tie = tie_rate * 4.0 * p * (1.0 - p)
    u = rng.random(d.size)
    return np.where(u < p - tie / 2, 1.0, np.where(u < p + tie / 2, 0.5, 0.0))


def simulate_style_votes(
    theta: np.ndarray,
    style: np.ndarray,
    beta: np.ndarray,
    n_votes: int,
    *,
    rng: np.random.Generator,
    noise: float = 1.0,
    correlation: float = 0.0,
    tie_rate: float = 0.2,
    position: float = 0.0,
) -> StyleRows:
    """Votes swayed by looks as well as strength (the model of :mod:`ratings.engine.style`).

    An output's features are its model's row of ``style`` (n, k) plus normal ``noise``, equally
    correlated across features; ``beta`` is in log-odds per unit of each feature.
    """
    k = style.shape[1]
    if not 0.0 <= correlation < 1.0:
        raise ValueError(f"correlation must lie in [0, 1), got {correlation!r}")
    root = np.linalg.cholesky(np.full((k, k), correlation) + (1.0 - correlation) * np.eye(k))
    left, right = _random_pairs(theta.size, n_votes, rng)
    features = [
        style[side] + noise * rng.standard_normal((n_votes, k)) @ root.T for side in (left, right)
    ]
    d = theta[left] - theta[right] + position + (features[0] - features[1]) @ beta
    return StyleRows(theta.size, left, right, _verdicts(d, tie_rate, rng), *features)


def interval_coverage(
    n_models: int,
    n_votes: int,
    n_boards: int,
    *,
    interval: str = "sandwich",
    spread: float = 0.5,
    tie_rate: float = 0.2,
    rounds: int = 1000,
    prior: float = DEFAULT_PRIOR,
    seed: int = 0,
) -> Coverage:
    """Share of (model, board) cases whose 95% interval covers the true centred strength.

    Board ``b`` is drawn from ``numpy.random.default_rng([seed, b])``, so a run is reproducible
    and its boards are independent.
    """
    started = time.perf_counter()
    hits, cases, width = 0, 0, 0.0
    for b in range(n_boards):
        rng = np.random.default_rng([seed, b])
        truth = rng.normal(0.0, spread, size=n_models)
        counts = PairCounts.from_votes(
            n_models, *simulate_votes(truth, n_votes, rng=rng, tie_rate=tie_rate)
        )
        fit = bt_fit(counts, prior=prior)
        lower, upper, *_ = theta_intervals(fit, counts, interval=interval, rounds=rounds, seed=b)
        rated = fit.rated
        centred = truth[rated] - truth[rated].mean()
        hits += int(((lower[rated] <= centred) & (centred <= upper[rated])).sum())
        cases += int(rated.sum())
        width += float((upper[rated] - lower[rated]).sum())
    return Coverage(
        interval=interval,
        n_models=n_models,
        n_votes=n_votes,
        n_boards=n_boards,
        cases=cases,
        coverage=hits / max(cases, 1),
        mean_width=width / max(cases, 1) * 400.0 / math.log(10.0),
        seconds=time.perf_counter() - started,
    )
