"""Damped Newton's method, batched over a leading "rounds" axis.

One code path serves the single fit (one round) and the bootstrap (hundreds of resamples solved
together): every round takes full Newton steps with its own analytic Hessian and drops out of
the batch once its step is below ``tol``. The line search is lazy: the objective at a new point
comes with that point's gradient and Hessian anyway, so a step is only checked there, and a
round whose objective rose goes back and retries half the step. Near the optimum, where every
full step is accepted, the safeguard costs nothing.
"""

from __future__ import annotations

import numpy as np

from .likelihood import Cells, Layout, evaluate

# Tolerate a rise of the objective within rounding noise of a sum over many pairs.
_RELATIVE_SLACK = 1e-12


def newton(
    problem: Layout,
    cells: Cells,
    z0: np.ndarray,
    *,
    tol: float,
    max_iter: int,
    gauge: bool = False,
    objective=evaluate,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimise the penalised NLL from ``z0`` (shape (R, q)) for every round.

    The last step of a round is applied once it is below ``tol``; Newton's quadratic
    convergence puts the result within about ``tol**2`` of the optimum. ``objective`` is
    called as :func:`~ratings.engine.likelihood.evaluate` is (the style fit brings its own).

    Returns
    -------
    z : numpy.ndarray
        Solutions, shape (R, q).
    n_iter : numpy.ndarray
        Objective evaluations (with gradient and Hessian) per round.
    converged : numpy.ndarray
        Whether each round finished with a step below ``tol``.
    """
    z = np.array(z0, dtype=float, copy=True)
    n_rounds = z.shape[0]
    state = _Backtrack(z)
    n_iter = np.zeros(n_rounds, dtype=int)
    converged = np.zeros(n_rounds, dtype=bool)
    active = np.arange(n_rounds)
    for _ in range(max_iter):
        if active.size == 0:
            break
        sub = cells if active.size == n_rounds else cells.take(active)
        f, g, h = objective(problem, sub, z[active], order=2, gauge=gauge)
        n_iter[active] += 1
        rose = state.retreat(z, active, f)
        moving = active[~rose]
        step = _solve(h[~rose], g[~rose])
        state.advance(z, moving, f[~rose], step)
        done = np.abs(step).max(axis=1, initial=0.0) <= tol
        converged[moving[done]] = True
        active = np.sort(np.concatenate([active[rose], moving[~done]]))
    return z, n_iter, converged


class _Backtrack:
    """Where each round came from, so that a step that made things worse can be halved."""

    def __init__(self, z: np.ndarray) -> None:
        self.z = z.copy()
        self.f = np.full(z.shape[0], np.inf)
        self.step = np.zeros_like(z)
        self.t = np.ones(z.shape[0])

    def retreat(self, z: np.ndarray, rows: np.ndarray, f: np.ndarray) -> np.ndarray:
        """Halve the last step of rows whose objective rose; return the mask of those rows."""
        previous = self.f[rows]
        rose = ~(f <= previous + _RELATIVE_SLACK * (1.0 + np.abs(previous)))
        back = rows[rose]
        self.t[back] *= 0.5
        z[back] = self.z[back] - self.t[back, None] * self.step[back]
        return rose

    def advance(self, z: np.ndarray, rows: np.ndarray, f: np.ndarray, step: np.ndarray) -> None:
        """Remember the accepted point of ``rows`` and take the full new step."""
        self.z[rows] = z[rows]
        self.f[rows] = f
        self.step[rows] = step
        self.t[rows] = 1.0
        z[rows] -= step


def _solve(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    if g.shape[0] == 0:
        return np.zeros_like(g)
    try:
        return np.linalg.solve(h, g[..., None])[..., 0]
    except np.linalg.LinAlgError:
        # Only reachable without a prior on a degenerate board; a least-squares step still
        # moves downhill and the caller reports non-convergence.
        return np.einsum("rij,rj->ri", np.linalg.pinv(h), g)
