"""Style control: Bradley-Terry strengths with the pull of each style feature taken out.

As LMArena's style control does for text (docs/ratings.md, "Style control"), the fit of
:mod:`ratings.engine.likelihood` gains one coefficient per style feature::

    d = theta_i - theta_j (+ gamma) + sum_k beta_k x_k
    x_k = (f_k(left output) - f_k(right output)) / s_k

``s_k`` the standard deviation of the difference over the board's votes: scaled, not centred,
so two outputs that look alike add nothing and ``theta`` is a strength at equal style. Ties,
``gamma`` and the prior are the plain fit's; the prior never covers ``beta``. A feature that
does not vary, or is (nearly) a linear combination of those before it, is left out (NaN).
Features differ per battle, so the input is one row per vote, O(votes x features^2) per
Newton step. Uncertainty is the plain board's floored sandwich (the floor on ``theta`` only).

Parameter layout: ``theta`` of the rated models, then ``gamma`` if ``position_bias``, then the
``beta`` of the features used, then ``log nu`` if ``ties == "davidson"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .board import Board, board_from_fit, check_board_options
from .bt import BTFit, fit_from_solution
from .counts import PairCounts
from .decision import DEFAULT_ERROR_RATE
from .intervals import LEVEL, Uncertainty, covariance_of, normal_bounds
from .likelihood import (
    DEFAULT_PRIOR,
    Cells,
    Layout,
    add_penalty,
    check_options,
    meat_weights,
    pair_terms,
)
from .posterior import posterior_draws
from .solver import newton

if TYPE_CHECKING:
    import scipy.sparse as sp

METHOD = "bt_style"


@dataclass(frozen=True)
class StyleRows:
    """One row per vote: who was shown on each side, the verdict, each side's features.

    Parameters
    ----------
    n_models : int
        Models on the board, indices ``0 .. n_models - 1``.
    left, right : array_like of int, shape (n,)
        Model shown left and right.
    outcome : array_like of float, shape (n,)
        1.0 left won, 0.0 right won, 0.5 tie.
    left_features, right_features : array_like of float, shape (n, k)
        Style features of the output shown on each side.
    """

    n_models: int
    left: np.ndarray
    right: np.ndarray
    outcome: np.ndarray
    left_features: np.ndarray
    right_features: np.ndarray

    def __post_init__(self) -> None:
        left, right = (np.asarray(a, dtype=np.int64) for a in (self.left, self.right))
        outcome = np.asarray(self.outcome, dtype=float)
        features = [np.asarray(a, dtype=float) for a in (self.left_features, self.right_features)]
        if any(f.ndim != 2 for f in features):
            raise ValueError("features need one row per vote and one column per feature")
        n = left.size
        if {right.size, outcome.size, features[0].shape[0], features[1].shape[0]} != {n}:
            raise ValueError("left, right, outcome and both feature arrays need one row per vote")
        if features[0].shape != features[1].shape:
            raise ValueError("both sides need the same features")
        both = np.concatenate([left, right])
        if n and (both.min() < 0 or both.max() >= self.n_models):
            raise ValueError(f"model indices must lie in 0 .. {self.n_models - 1}")
        if (left == right).any():
            raise ValueError("a model cannot be paired with itself")
        if not np.isin(outcome, (0.0, 0.5, 1.0)).all():
            raise ValueError("outcome must be 1.0 (left won), 0.0 (right won) or 0.5 (tie)")
        if not all(np.isfinite(f).all() for f in features):
            raise ValueError("features must be finite")
        for name, value in zip(
            ("left", "right", "outcome", "left_features", "right_features"),
            (left, right, outcome, *features),
            strict=True,
        ):
            object.__setattr__(self, name, value)

    @property
    def n_features(self) -> int:
        return int(self.left_features.shape[1])


@dataclass(frozen=True)
class StyleFit:
    """Result of :func:`style_fit`.

    Attributes
    ----------
    fit : BTFit
        The strengths at equal style (``theta`` centred, NaN for models without rows), the
        position term and the tie parameter, as a plain fit reports them.
    coef, coef_se : numpy.ndarray, shape (k,)
        Log-odds per standard deviation of each feature's difference, and its robust
        standard error; NaN for a feature left out.
    scale : numpy.ndarray, shape (k,)
        ``s_k``, the standard deviation of each feature's difference (0: it did not vary).
    covariance : numpy.ndarray
        Floored sandwich covariance in the parameter layout (``theta`` centred).
    counts : PairCounts
        The rows as pair counts, for the board's tallies.
    """

    fit: BTFit
    coef: np.ndarray
    coef_se: np.ndarray
    scale: np.ndarray
    covariance: np.ndarray
    counts: PairCounts

    def effects(self, points: float, *, level: float = LEVEL) -> np.ndarray:
        """(k, 3): each feature's effect and interval bounds, in ``points`` per log-odds unit."""
        from scipy.special import ndtri

        z = float(ndtri(0.5 + level / 2.0))
        return points * np.stack(
            [self.coef, self.coef - z * self.coef_se, self.coef + z * self.coef_se], axis=1
        )


@dataclass(frozen=True)
class _Design(Layout):
    """The fit's design, votes sorted by (left, right) pair so that sums per pair are slices.

    ``incidence`` maps pairs to models (+1 left, -1 right); ``dense`` holds the per-vote
    covariates as rows (ones for ``gamma``, then the scaled differences); ``scratch`` is reused
    room of its shape, as fresh memory of that size costs more than the arithmetic in it.
    """

    left: np.ndarray
    right: np.ndarray
    starts: np.ndarray
    pair_left: np.ndarray
    pair_right: np.ndarray
    incidence: sp.csr_array
    dense: np.ndarray
    scratch: np.ndarray
    cells: Cells
    n_models: int
    ties: str
    position_bias: bool
    prior: float

    @property
    def n_params(self) -> int:
        return self.n_models + self.dense.shape[0] + int(self.ties == "davidson")

    def per_model(self, per_vote: np.ndarray) -> np.ndarray:
        """Sums over each model's votes (+1 left, -1 right) of one or more rows of values."""
        return self.incidence @ np.add.reduceat(per_vote, self.starts, axis=-1).T


def style_fit(
    rows: StyleRows,
    *,
    ties: str = "half",
    position_bias: bool = False,
    prior: float = DEFAULT_PRIOR,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> StyleFit:
    """Fit strengths and style coefficients to per-vote rows (see the module docstring).

    Parameters
    ----------
    rows : StyleRows
        The votes, at least one.
    ties, position_bias, prior
        As in :func:`~ratings.engine.bt.bt_fit`.
    tol, max_iter
        Newton's stopping rule: the largest step below ``tol``, at most ``max_iter`` steps.

    Returns
    -------
    StyleFit
    """
    check_options(ties, prior)
    if rows.left.size == 0:
        raise ValueError("a style-controlled fit needs at least one vote")
    rated = np.bincount(np.concatenate([rows.left, rows.right]), minlength=rows.n_models) > 0
    difference = rows.left_features - rows.right_features
    scale = difference.std(axis=0)
    varies = scale > 1e-12 * np.abs(difference).max(axis=0, initial=0.0)
    x = np.zeros_like(difference)
    x[:, varies] = difference[:, varies] / scale[varies]
    used = varies & _independent(x)
    design = _design(rows, rated, x[:, used], ties, position_bias, prior)
    z0 = np.zeros((1, design.n_params))
    z, n_iter, converged = newton(
        design, design.cells, z0, tol=tol, max_iter=max_iter, gauge=prior == 0, objective=_evaluate
    )
    z = z[0]
    covariance = _covariance(design, z, gauge=prior == 0)
    start = design.n_models + int(position_bias)
    coef, coef_se = np.full(scale.size, np.nan), np.full(scale.size, np.nan)
    coef[used] = z[start : start + used.sum()]
    coef_se[used] = np.sqrt(np.diag(covariance)[start : start + used.sum()])
    fit = fit_from_solution(design, z, rated, int(n_iter[0]), bool(converged[0]))
    counts = PairCounts.from_votes(rows.n_models, rows.left, rows.right, rows.outcome)
    return StyleFit(fit, coef, coef_se, np.where(varies, scale, 0.0), covariance, counts)


def _independent(x: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Columns of ``x`` whose share of variance left after those kept before is above ``tol``."""
    gram = x.T @ x / max(x.shape[0], 1)
    kept: list[int] = []
    for j in range(x.shape[1]):
        own = gram[j, j]
        if kept:
            known = gram[np.ix_(kept, kept)]
            cross = gram[kept, j]
            own -= cross @ np.linalg.lstsq(known, cross, rcond=None)[0]
        if own > tol * max(gram[j, j], 1e-300) and gram[j, j] > 0:
            kept.append(j)
    mask = np.zeros(x.shape[1], dtype=bool)
    mask[kept] = True
    return mask


def _design(rows, rated, x, ties, position_bias, prior) -> _Design:
    import scipy.sparse as sp

    local = np.cumsum(rated) - 1
    m, n = int(rated.sum()), rows.left.size
    key = local[rows.left] * m + local[rows.right]
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    pair_left, pair_right = key[starts] // m, key[starts] % m
    pairs = np.arange(starts.size)
    incidence = sp.csr_array(
        (np.repeat([1.0, -1.0], pairs.size), (np.r_[pair_left, pair_right], np.r_[pairs, pairs])),
        shape=(m, starts.size),
    )
    dense = np.empty((int(position_bias) + x.shape[1], n))
    dense[: int(position_bias)] = 1.0
    dense[int(position_bias) :] = x[order].T
    outcome = rows.outcome[order]
    cells = Cells(
        (outcome == 1.0).astype(float), (outcome == 0.0).astype(float), (outcome == 0.5) * 1.0
    )
    left, right = key // m, key % m
    return _Design(
        left, right, starts, pair_left, pair_right, incidence, dense, np.empty_like(dense),
        cells, m, ties, bool(position_bias), float(prior),
    )  # fmt: skip


def _evaluate(design: _Design, cells: Cells, z: np.ndarray, *, order: int = 2, gauge: bool):
    """Objective, gradient and Hessian at ``z`` of shape (1, q), batched as the solver's."""
    d, eta = _predictor(design, z[0])
    nll, grads, hess = pair_terms(d, eta, cells, order=2)
    f = np.array([nll.sum()])
    g = _transpose(design, [a[0] for a in grads])[None, :]
    h = _gram(design, [a[0] for a in hess])[None, :, :]
    add_penalty(design, z, f, g, h, gauge=gauge)
    return f, g, h


def _predictor(design: _Design, z: np.ndarray):
    """The linear predictor of every vote, shape (1, n), and ``log nu`` (or None)."""
    m, p = design.n_models, design.dense.shape[0]
    d = z[design.left] - z[design.right]
    if p:
        d += z[m : m + p] @ design.dense
    eta = None if design.eta_col is None else z[[design.eta_col]][None, :]
    return d[None, :], eta


def _transpose(design: _Design, per_vote: list[np.ndarray]) -> np.ndarray:
    """Gradient from per-vote derivatives in ``d`` (and ``log nu``)."""
    m, p = design.n_models, design.dense.shape[0]
    g = np.zeros(design.n_params)
    g[:m] = design.per_model(per_vote[0])
    g[m : m + p] = design.dense @ per_vote[0]
    if design.eta_col is not None:
        g[design.eta_col] = per_vote[1].sum()
    return g


def _gram(design: _Design, weights: list[np.ndarray]) -> np.ndarray:
    """``A^T diag(w) A`` over the layout from per-vote weights (dd, then d-eta and eta-eta)."""
    m, p = design.n_models, design.dense.shape[0]
    w = weights[0]
    per_pair = np.add.reduceat(w, design.starts)
    pairs = np.zeros((m, m))
    pairs[design.pair_left, design.pair_right] = per_pair
    h = np.zeros((design.n_params, design.n_params))
    h[:m, :m] = np.diag(pairs.sum(axis=0) + pairs.sum(axis=1)) - pairs - pairs.T
    weighted = np.multiply(design.dense, w, out=design.scratch)
    h[:m, m : m + p] = design.per_model(weighted)
    h[m : m + p, :m] = h[:m, m : m + p].T
    h[m : m + p, m : m + p] = weighted @ design.dense.T
    if design.eta_col is not None:
        e = design.eta_col
        h[:m, e] = h[e, :m] = design.per_model(weights[1])
        h[m : m + p, e] = h[e, m : m + p] = design.dense @ weights[1]
        h[e, e] = weights[2].sum()
    return h


def _covariance(design: _Design, z: np.ndarray, *, gauge: bool) -> np.ndarray:
    """Floored sandwich covariance at the optimum ``z`` (``theta`` centred)."""
    hessian = _evaluate(design, design.cells, z[None, :], gauge=gauge)[2][0]
    inverse = np.linalg.pinv(hessian, hermitian=True)
    d, eta = _predictor(design, z)
    weights = [a[0] for a in meat_weights(d, eta, design.cells)]
    meat = _gram(design, weights)
    dispersion = 1.0
    if eta is None:
        expected = pair_terms(d, None, design.cells, order=2)[2][0].sum()
        dispersion = float(weights[0].sum() / expected) if expected > 0 else 1.0
    information = np.diag(hessian)[: design.n_models].copy()
    return covariance_of(inverse, meat, dispersion, information, kind="floored")


def compute_style_board(
    rows: StyleRows,
    *,
    ties: str = "half",
    position_bias: bool = False,
    prior: float = DEFAULT_PRIOR,
    rounds: int = 1000,
    seed: int = 0,
    error_rate: float = DEFAULT_ERROR_RATE,
    anchor: float = 1000.0,
    scale: float = 400.0,
    base: float = 10.0,
) -> tuple[Board, StyleFit]:
    """The style-controlled leaderboard of ``rows``, and the fit with its coefficients.

    Options as :func:`~ratings.engine.board.compute_board` takes them; the board is built as the
    plain one is, from the strengths at equal style with the floored sandwich interval.
    """
    check_board_options(rounds, seed, error_rate)
    style = style_fit(rows, ties=ties, position_bias=position_bias, prior=prior)
    fit = style.fit
    theta_cov = style.covariance[: int(fit.rated.sum()), : int(fit.rated.sum())]
    lower, upper = normal_bounds(fit.theta, style.covariance)
    rng = np.random.default_rng(seed)
    draws = posterior_draws(fit.theta[fit.rated], theta_cov, rounds=rounds, rng=rng)
    spread = Uncertainty(lower, upper, draws, theta_cov, {})
    elo = {"anchor": anchor, "scale": scale, "base": base}
    options = {"interval": "sandwich", "rounds": rounds, "error_rate": error_rate}
    board = board_from_fit(style.counts, fit, spread, method=METHOD, seed=seed, **elo, **options)
    return board, style
