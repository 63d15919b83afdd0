"""P(best) from an empirical-Bayes posterior of the strengths, joint across models.

Drawing from ``N(theta_hat, cov)`` treats any spread between the estimates as real: on a fresh
board it hands the noise-lifted leader a P(best) of 0.9 and more. Here the centred strengths get
a prior ``N(0, tau^2)``, ``tau^2`` by the method of moments (the estimates' spread minus their
noise), and draws come from the joint posterior. Calibrated when true strengths are normal;
over-confident when only the top is crowded, where the data cannot show it (docs/ratings.md,
"P(best)").
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
