"""Bradley-Terry maximum (penalised) likelihood fit on aggregated pair counts.

Newton's method with the analytic Hessian (:mod:`ratings.engine.solver`) on the objective of
:mod:`ratings.engine.likelihood`: its cost depends on the number of distinct pairs, not votes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .counts import PairCounts
from .likelihood import (
    DEFAULT_PRIOR,
    Layout,
    build_problem,
    check_options,
    davidson_probabilities,
)
from .solver import newton

DEFAULT_TOL = 1e-9
DEFAULT_MAX_ITER = 100


@dataclass(frozen=True)
class BTFit:
    """Result of :func:`bt_fit`.

    Attributes
    ----------
    theta : numpy.ndarray
        Log-strength per model in natural-log units, centred to mean 0 over rated models; NaN
        for unrated models.
    rated : numpy.ndarray
        Boolean mask of models with at least one vote.
    tie_param : float or None
        Davidson ``nu`` (``ties="davidson"``), else None.
    position : float or None
        Left-side log-odds advantage (``position_bias=True``), else None.
    n_iter : int
        Newton iterations used.
    converged : bool
        Whether the last Newton step was below ``tol``.
    ties, position_bias, prior
        The options the fit used.
    solution : numpy.ndarray
        Raw optimum (uncentred ``theta`` of rated models, then ``gamma``, then ``log nu``); the
        bootstrap warm-starts from it.
    """

    theta: np.ndarray
    rated: np.ndarray
    tie_param: float | None
    position: float | None
    n_iter: int
    converged: bool
    ties: str
    position_bias: bool
    prior: float
    solution: np.ndarray


def bt_fit(
    counts: PairCounts,
    *,
    ties: str = "half",
    position_bias: bool = False,
    prior: float = DEFAULT_PRIOR,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> BTFit:
    """Fit Bradley-Terry strengths to aggregated votes.

    Parameters
    ----------
    counts : PairCounts
        Votes per ordered pair.
    ties : {"half", "davidson"}
        ``"half"`` counts a tie as half a win for each side (LMArena convention); ``"davidson"``
        fits Davidson's tie parameter ``nu``.
    position_bias : bool
        Also fit a left-side advantage ``gamma`` (log-odds).
    prior : float
        Virtual tied games per model (:mod:`ratings.engine.likelihood`); 0 gives the plain MLE,
        which needs a connected comparison graph and lets an undefeated model diverge.
    tol : float
        Convergence threshold on the largest Newton step, in natural-log units.
    max_iter : int
        Maximum number of Newton iterations.

    Returns
    -------
    BTFit

    Raises
    ------
    ValueError
        On an unknown tie model, a negative prior, bad tolerances, or ``prior == 0`` with a
        comparison graph that falls apart into several components.
    """
    check_options(ties, prior)
    if not (tol > 0 and max_iter >= 1):
        raise ValueError(f"tol must be positive and max_iter at least 1, got {tol}, {max_iter}")
    rated = counts.rated()
    models = np.flatnonzero(rated)
    if models.size == 0:
        return _empty_fit(counts.n_models, ties, position_bias, prior)
    if prior == 0:
        _require_connected(counts, models)
    problem, cells = build_problem(
        counts, ties=ties, position_bias=position_bias, prior=prior, models=models
    )
    z0 = np.zeros((1, problem.n_params))
    z, n_iter, converged = newton(problem, cells, z0, tol=tol, max_iter=max_iter, gauge=prior == 0)
    return fit_from_solution(problem, z[0], rated, int(n_iter[0]), bool(converged[0]))


def fit_from_solution(
    problem: Layout, z: np.ndarray, rated: np.ndarray, n_iter: int, converged: bool
) -> BTFit:
    """The fit at the optimum ``z`` of ``problem`` (read for its layout only)."""
    m = problem.n_models
    theta = np.full(rated.size, np.nan)
    theta[rated] = z[:m] - z[:m].mean()
    eta, pos = problem.eta_col, problem.pos_col
    return BTFit(
        theta=theta,
        rated=rated,
        tie_param=None if eta is None else float(math.exp(z[eta])),
        position=None if pos is None else float(z[pos]),
        n_iter=n_iter,
        converged=converged,
        ties=problem.ties,
        position_bias=problem.position_bias,
        prior=problem.prior,
        solution=z,
    )


def _empty_fit(n_models: int, ties: str, position_bias: bool, prior: float) -> BTFit:
    """A board without votes: nothing is rated and nothing is estimated."""
    return BTFit(
        theta=np.full(n_models, np.nan),
        rated=np.zeros(n_models, dtype=bool),
        tie_param=None if ties == "half" else float("nan"),
        position=float("nan") if position_bias else None,
        n_iter=0,
        converged=True,
        ties=ties,
        position_bias=position_bias,
        prior=float(prior),
        solution=np.zeros(0),
    )


def _require_connected(counts: PairCounts, models: np.ndarray) -> None:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    c = counts.canonical()
    n = counts.n_models
    graph = sp.coo_array((np.ones(c.left.size), (c.left, c.right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    if np.unique(labels[models]).size > 1:
        raise ValueError(
            "with prior=0 the comparison graph must be connected: some groups of models were "
            "never compared with each other, so their relative strengths are undefined"
        )


def to_elo_scale(
    theta: np.ndarray, *, anchor: float = 1000.0, scale: float = 400.0, base: float = 10.0
) -> np.ndarray:
    """Elo-scale ratings ``anchor + scale / ln(base) * (theta - mean over rated models)``.

    Parameters
    ----------
    theta : numpy.ndarray
        Log-strengths in natural-log units; NaN marks unrated models, which stay NaN.
    anchor : float
        Rating of the average rated model.
    scale, base : float
        A gap of ``scale`` points means odds of ``base`` to 1 (400 and 10 as in chess).

    Returns
    -------
    numpy.ndarray
    """
    if not (scale > 0 and base > 1):
        raise ValueError(f"need scale > 0 and base > 1, got scale={scale!r}, base={base!r}")
    theta = np.asarray(theta, dtype=float)
    rated = ~np.isnan(theta)
    centre = theta[rated].mean() if rated.any() else 0.0
    return anchor + (scale / math.log(base)) * (theta - centre)


def predicted_matrix(fit: BTFit) -> np.ndarray:
    """Predicted share of points ``[i, j]`` for ``i`` against ``j`` on neutral sides.

    Ties count half, as in :func:`~ratings.engine.counts.win_rate_matrix`, so the two matrices
    compare directly: ``sigmoid(theta_i - theta_j)`` for ``ties="half"`` and
    ``P(win) + P(tie) / 2`` under Davidson. NaN for unrated models and on the diagonal.
    """
    from scipy.special import expit

    gap = fit.theta[:, None] - fit.theta[None, :]
    if fit.ties == "davidson" and fit.tie_param is not None:
        eta = np.full_like(gap, math.log(fit.tie_param))
        pw, _, pt, _ = davidson_probabilities(np.nan_to_num(gap), eta)
        predicted = np.where(np.isnan(gap), np.nan, pw + 0.5 * pt)
    else:
        predicted = expit(gap)
    np.fill_diagonal(predicted, np.nan)
    return predicted
