"""P(best) from an empirical-Bayes posterior of the strengths, joint across models.

The plain recipe, "draw strengths from ``N(theta_hat, cov)`` and count how often each model
is on top", treats the estimates as if any spread between them were real. On a fresh board
(a handful of votes, every estimate mostly noise) it hands the leader a P(best) of 0.9 and
more, and on any board it favours whichever model noise lifted to the top.

Here the strengths get a normal prior ``N(0, tau^2)`` on the centred scale, with ``tau^2``
estimated from the board itself (method of moments: the spread of the estimates minus the
part their own noise explains), and the draws come from the posterior, jointly over all
models through the full covariance. When the spread is mostly noise the posterior pulls the
models together and P(best) spreads out; when models are well measured the prior hardly
moves them. On boards whose true strengths are drawn from a normal distribution this is the
correct posterior, and P(best) is calibrated: within 3 points in each of 12 bins for a spread
of 60 points and of 20 points (15,000 boards each, ``bench_route_quality.py --sections 5``).

It is not calibrated when only the top is crowded (three models within 15 points, the rest
40-250 below): over-confident by up to 27 points. There the board's spread says gaps of a
few dozen points are real, and the data cannot show that the top's are smaller, since the
standard error of the leaders' difference (11-48 points at 10,000-500 votes on 10 models) is
as wide as the crowding. A richer prior did not rescue it: a two-group normal mixture, its
parameters drawn by Gibbs sampling, cut the over-confidence of the high bins by a third to a
half, to 5-20 points, at about twenty times the cost of computing the whole board.
"""

from __future__ import annotations

import numpy as np

# Keeps tau^2 positive when the estimates spread less than their noise does.
_MIN_TAU2 = 1e-6


def centred_basis(m: int) -> np.ndarray:
    """Orthonormal basis (m, m - 1) of the vectors whose entries sum to zero."""
    u, _, _ = np.linalg.svd(np.eye(m) - 1.0 / m)
    return u[:, : m - 1]


def prior_variance(theta: np.ndarray, covariance: np.ndarray) -> float:
    """Method-of-moments ``tau^2``: spread of the centred estimates minus their noise."""
    m = theta.size
    centred = theta - theta.mean()
    return max(float(centred @ centred - np.trace(covariance)) / max(m - 1, 1), _MIN_TAU2)


def posterior_draws(
    theta: np.ndarray, covariance: np.ndarray, *, rounds: int, rng: np.random.Generator
) -> np.ndarray:
    """``rounds`` draws (rounds, m) of the centred strengths from the empirical-Bayes posterior.

    Parameters
    ----------
    theta : numpy.ndarray
        Centred estimates of the rated models.
    covariance : numpy.ndarray
        Their covariance (m, m), singular along "all up by the same amount".
    rounds : int
        Number of draws.
    rng : numpy.random.Generator
        Source of randomness.
    """
    m = theta.size
    if m < 2:
        return np.zeros((rounds, m))
    basis = centred_basis(m)
    x, s = basis.T @ theta, basis.T @ covariance @ basis
    tau2 = prior_variance(theta, covariance)
    precision = np.linalg.pinv(s, hermitian=True)
    posterior = np.linalg.inv(precision + np.eye(m - 1) / tau2)
    posterior = (posterior + posterior.T) / 2.0
    mean = posterior @ precision @ x
    values, vectors = np.linalg.eigh(posterior)
    root = vectors * np.sqrt(np.clip(values, 0.0, None))
    return (mean + rng.standard_normal((rounds, m - 1)) @ root.T) @ basis.T
