"""Penalised Bradley-Terry negative log-likelihood over aggregated pair counts.

For a pair shown as (left ``i``, right ``j``), ``d = theta_i - theta_j + gamma`` (``gamma``, the
left-side advantage, is 0 unless ``position_bias``).

* ``ties="half"`` (LMArena): ``P(left wins) = sigmoid(d)``, a tie is half a win for each side:
  ``-(w + t/2) log sigmoid(d) - (l + t/2) log sigmoid(-d)`` per pair.
* ``ties="davidson"`` (Davidson 1970): with ``x = d / 2`` and ``nu = exp(eta)``,
  ``P(win) : P(loss) : P(tie) = exp(x) : exp(-x) : nu``.

Both are convex, so Newton's method with a line search converges from zero.

The prior ``c`` adds, per rated model, ``c`` virtual ties against an opponent of strength 0:
``c * log(2 cosh(theta / 2))``, quadratic near 0 and linear in the tails, so it barely moves
well-measured models yet stops an undefeated model near ``log(2 n / c)``. The same penalty
keeps ``gamma`` finite, ``c * (log(2 + nu) - eta / 3)`` keeps ``nu`` finite, and it fixes the
gauge of ``theta``; with ``prior = 0`` the solver pins the sum of ``theta`` instead.

Parameters are one flat vector: ``theta``, then ``gamma`` if ``position_bias``, then
``eta = log(nu)`` if ``ties == "davidson"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .counts import PairCounts

if TYPE_CHECKING:
    import scipy.sparse as sp

TIE_MODELS = ("half", "davidson")
DEFAULT_PRIOR = 1.0

# Per-pair NLL, its first derivatives in (d, eta), its second derivatives (dd, d-eta, eta-eta).
_Terms = tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]


@dataclass(frozen=True)
class Cells:
    """Vote counts per pair, shape ``(P,)`` for the data or ``(rounds, P)`` for resamples."""

    wins: np.ndarray
    losses: np.ndarray
    ties: np.ndarray

    @cached_property
    def total(self) -> np.ndarray:
        return self.wins + self.losses + self.ties

    @cached_property
    def score(self) -> np.ndarray:
        """Points of the left model with ties counted half."""
        return self.wins + 0.5 * self.ties

    def take(self, rows: np.ndarray) -> Cells:
        """The resamples in ``rows`` (a no-op for unbatched counts, which broadcast)."""
        if self.wins.ndim == 1:
            return self
        taken = Cells(self.wins[rows], self.losses[rows], self.ties[rows])
        # Carry already computed sums along instead of recomputing them per Newton iteration.
        for name in ("total", "score"):
            if name in self.__dict__:
                taken.__dict__[name] = self.__dict__[name][rows]
        return taken


class Layout:
    """Where the parameters sit: ``theta`` first, ``gamma`` next, ``log nu`` last.

    Subclasses give ``n_models``, ``n_params``, ``ties``, ``position_bias`` and ``prior``.
    """

    @property
    def eta_col(self) -> int | None:
        return self.n_params - 1 if self.ties == "davidson" else None

    @property
    def pos_col(self) -> int | None:
        return self.n_models if self.position_bias else None


@dataclass(frozen=True)
class Problem(Layout):
    """The design of one fit: which pairs exist and how parameters enter each of them."""

    models: np.ndarray
    i: np.ndarray
    j: np.ndarray
    ties: str
    position_bias: bool
    prior: float
    design: sp.csr_array
    grad_map: sp.csr_array
    hess_map: sp.csr_array

    @property
    def n_models(self) -> int:
        return int(self.models.size)

    @property
    def n_params(self) -> int:
        return self.n_models + int(self.position_bias) + int(self.ties == "davidson")


def check_options(ties: str, prior: float) -> None:
    """Raise ValueError for an unknown tie model or a negative prior."""
    if ties not in TIE_MODELS:
        raise ValueError(f"ties must be one of {TIE_MODELS}, got {ties!r}")
    if not (np.isfinite(prior) and prior >= 0):
        raise ValueError(f"prior must be a finite non-negative number, got {prior!r}")


def build_problem(
    counts: PairCounts,
    *,
    ties: str,
    position_bias: bool,
    prior: float,
    models: np.ndarray | None = None,
) -> tuple[Problem, Cells]:
    """Pair design and counts for ``models`` (default: all), in their compressed numbering.

    Without a position term the two orders of a pair are the same game, so they are merged.
    """
    check_options(ties, prior)
    counts = counts.canonical()
    models = np.arange(counts.n_models) if models is None else np.asarray(models)
    local = np.full(counts.n_models, -1)
    local[models] = np.arange(models.size)
    i, j = local[counts.left], local[counts.right]
    if (i < 0).any() or (j < 0).any():
        raise ValueError("every model with votes must be part of the fit")
    wins, losses, tie_counts = counts.left_wins, counts.right_wins, counts.ties
    if not position_bias:
        i, j, wins, losses, tie_counts = _merge_orders(i, j, wins, losses, tie_counts)
    problem = _assemble(models, i, j, ties, position_bias, float(prior))
    return problem, Cells(wins, losses, tie_counts)


def _merge_orders(
    i: np.ndarray, j: np.ndarray, wins: np.ndarray, losses: np.ndarray, ties: np.ndarray
) -> tuple[np.ndarray, ...]:
    swap = i > j
    lo, hi = np.where(swap, j, i), np.where(swap, i, j)
    w, lo_s = np.where(swap, losses, wins), np.where(swap, wins, losses)
    n = int(max(hi.max(initial=0), 0)) + 1
    keys, inverse = np.unique(lo * n + hi, return_inverse=True)

    def merge(values: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=values, minlength=keys.size)

    return keys // n, keys % n, merge(w), merge(lo_s), merge(ties)


def _assemble(
    models: np.ndarray, i: np.ndarray, j: np.ndarray, ties: str, position_bias: bool, prior: float
) -> Problem:
    m, n_pairs = models.size, i.size
    davidson = ties == "davidson"
    q = m + int(position_bias) + int(davidson)
    # A pair's linear predictor is d = sum of sign * z[column]: theta_i - theta_j (+ gamma).
    columns = np.stack([i, j] + ([np.full(n_pairs, m)] if position_bias else []), axis=1)
    signs = np.broadcast_to(np.array([1.0, -1.0, 1.0])[: columns.shape[1]], columns.shape)
    pair = np.arange(n_pairs)[:, None]
    design = _sparse([(signs, pair, columns)], (n_pairs, q))
    grad_map, hess_map = _derivative_maps(columns, signs, q, davidson)
    return Problem(models, i, j, ties, position_bias, prior, design, grad_map, hess_map)


def _derivative_maps(
    columns: np.ndarray, signs: np.ndarray, q: int, davidson: bool
) -> tuple[sp.csr_array, sp.csr_array]:
    """Sparse maps from per-pair derivatives in (d, eta) to the gradient and flat Hessian.

    The gradient map's input stacks ``dNLL/dd`` (and ``dNLL/deta``) of every pair; the Hessian
    map's stacks the ``dd`` (and ``d-eta``, ``eta-eta``) second derivatives.
    """
    n_pairs = columns.shape[0]
    pair = np.arange(n_pairs)[:, None]
    outer_signs = signs[:, :, None] * signs[:, None, :]
    grad = [(signs, columns, pair)]
    hess = [(outer_signs, columns[:, :, None] * q + columns[:, None, :], pair[:, :, None])]
    if davidson:
        eta = q - 1
        grad.append((1.0, eta, pair + n_pairs))
        hess += [
            (signs, columns * q + eta, pair + n_pairs),
            (signs, eta * q + columns, pair + n_pairs),
            (1.0, eta * q + eta, pair + 2 * n_pairs),
        ]
    blocks = 1 + int(davidson)
    return (
        _sparse(grad, (q, blocks * n_pairs)),
        _sparse(hess, (q * q, (2 * blocks - 1) * n_pairs)),
    )


def _sparse(entries: list[tuple], shape: tuple[int, int]) -> sp.csr_array:
    """CSR matrix from (values, rows, columns) triples that broadcast; repeats are summed."""
    import scipy.sparse as sp

    flat = [[np.ravel(a) for a in np.broadcast_arrays(*triple)] for triple in entries]
    values, rows, cols = (np.concatenate(parts) for parts in zip(*flat, strict=True))
    return sp.csr_array((values, (rows, cols)), shape)


def evaluate(
    problem: Problem, cells: Cells, z: np.ndarray, *, order: int = 2, gauge: bool = False
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Objective, gradient and Hessian for a batch of parameter vectors ``z`` of shape (R, q).

    ``gauge`` adds ``(sum theta)^2 / 2``, which leaves the likelihood unchanged but makes the
    Hessian invertible when ``prior == 0``.
    """
    d = (problem.design @ z.T).T
    eta = z[:, [problem.eta_col]] if problem.ties == "davidson" else None
    terms = pair_terms(d, eta, cells, order=order)
    f = terms[0].sum(axis=1)
    g = h = None
    if order >= 1:
        g = (problem.grad_map @ np.concatenate(terms[1], axis=1).T).T
    if order >= 2:
        q = problem.n_params
        h = (problem.hess_map @ np.concatenate(terms[2], axis=1).T).T.reshape(-1, q, q)
    add_penalty(problem, z, f, g, h, gauge=gauge)
    return f, g, h


def pair_terms(d: np.ndarray, eta: np.ndarray | None, cells: Cells, *, order: int) -> _Terms:
    """Per-pair NLL, its derivatives in (d, eta) and second derivatives (dd, d-eta, eta-eta)."""
    if eta is None:
        return _half_terms(d, cells, order)
    return _davidson_terms(d, eta, cells, order)


def _half_terms(d: np.ndarray, c: Cells, order: int) -> _Terms:
    # One exp serves the NLL, sigmoid(d) and its derivative without overflow for any d.
    e = np.exp(-np.abs(d))
    nll = c.total * (np.maximum(d, 0.0) + np.log1p(e)) - c.score * d
    if order == 0:
        return nll, [], []
    inv = 1.0 / (1.0 + e)
    grads = [c.total * np.where(d >= 0.0, inv, e * inv) - c.score]
    return nll, grads, [c.total * e * inv * inv] if order >= 2 else []


def davidson_probabilities(d: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(P(win), P(loss), P(tie), log normaliser)`` of the Davidson model, overflow-safe."""
    x = 0.5 * d
    top = np.maximum(np.abs(x), eta)
    ew, el, et = np.exp(x - top), np.exp(-x - top), np.exp(eta - top)
    total = ew + el + et
    return ew / total, el / total, et / total, top + np.log(total)


def _davidson_terms(d: np.ndarray, eta: np.ndarray, c: Cells, order: int) -> _Terms:
    n = c.total
    pw, pl, pt, log_norm = davidson_probabilities(d, eta)
    nll = n * log_norm - 0.5 * (c.wins - c.losses) * d - c.ties * eta
    if order == 0:
        return nll, [], []
    diff = pw - pl
    grads = [0.5 * (n * diff - (c.wins - c.losses)), n * pt - c.ties]
    if order < 2:
        return nll, grads, []
    hess = [0.25 * n * (pw + pl - diff**2), -0.5 * n * diff * pt, n * pt * (1.0 - pt)]
    return nll, grads, hess


def add_penalty(
    problem: Layout,
    z: np.ndarray,
    f: np.ndarray,
    g: np.ndarray | None,
    h: np.ndarray | None,
    *,
    gauge: bool,
) -> None:
    """Add the prior (and the gauge term) to ``f``, ``g`` and ``h`` in place.

    ``problem`` is read for its layout and prior only; parameters between ``gamma`` and
    ``log nu`` (style coefficients) are left unpenalised.
    """
    from scipy.special import expit

    c, m = problem.prior, problem.n_models
    penalised = [slice(0, m)] + ([slice(m, m + 1)] if problem.position_bias else [])
    for cols in penalised:
        half = 0.5 * z[:, cols]
        f += c * np.logaddexp(half, -half).sum(axis=1)
        if g is not None:
            g[:, cols] += 0.5 * c * np.tanh(half)
        if h is not None:
            diag = np.arange(cols.start, cols.stop)
            h[:, diag, diag] += 0.25 * c * (1.0 - np.tanh(half) ** 2)
    if problem.ties == "davidson":
        e = problem.eta_col
        eta = z[:, e]
        f += c * (np.logaddexp(np.log(2.0), eta) - eta / 3.0)
        share = expit(eta - np.log(2.0))
        if g is not None:
            g[:, e] += c * (share - 1.0 / 3.0)
        if h is not None:
            h[:, e, e] += c * share * (1.0 - share)
    if gauge:
        total = z[:, :m].sum(axis=1)
        f += 0.5 * total**2
        if g is not None:
            g[:, :m] += total[:, None]
        if h is not None:
            h[:, :m, :m] += 1.0


def meat_weights(d: np.ndarray, eta: np.ndarray | None, cells: Cells) -> list[np.ndarray]:
    """Per-pair sums over votes of outer products of per-vote scores, in (d, eta) coordinates.

    Assembled with ``Problem.hess_map`` exactly like the Hessian, they give the "meat" of the
    sandwich covariance.
    """
    from scipy.special import expit

    c = cells
    if eta is None:
        p = expit(d)
        return [c.wins * (1 - p) ** 2 + c.losses * p**2 + c.ties * (0.5 - p) ** 2]
    pw, pl, pt, _ = davidson_probabilities(d, eta)
    base = 0.5 * (pw - pl)
    # Per-vote score in d is base - 1/2, base + 1/2, base for a win, loss, tie; in eta it is
    # pt, pt, pt - 1.
    gd = (base - 0.5, base + 0.5, base)
    ge = (pt, pt, pt - 1.0)
    n = (c.wins, c.losses, c.ties)
    return [
        sum(k * a * a for k, a in zip(n, gd, strict=True)),
        sum(k * a * b for k, a, b in zip(n, gd, ge, strict=True)),
        sum(k * b * b for k, b in zip(n, ge, strict=True)),
    ]
