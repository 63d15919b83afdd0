"""Bootstrap of Bradley-Terry fits by resampling the aggregated counts, batched over rounds.

Resampling
----------
Resampling the N votes with replacement only changes how many votes land in each (pair,
outcome) cell, and those numbers are jointly ``Multinomial(N, cell shares)``. So each round
draws the cell counts directly: O(cells) per round instead of O(votes), and exactly the same
distribution as the per-vote bootstrap.

Refitting
---------
All rounds of a chunk are refitted together by the batched damped Newton of
:mod:`ratings.engine.solver`, warm-started from the full-data optimum (each round has its own
Hessian; a round leaves the batch once converged). There is no Python loop over rounds. Rounds
are processed in chunks whose size is set by a memory budget (the Hessians take
``rounds x params^2`` floats), which does not depend on the machine, so results are identical
everywhere for the same seed.

Sparse models
-------------
A model with a handful of votes often wins or loses everything in some resample; the plain
MLE then runs off to infinity and percentile bounds become absurd. The prior (virtual tied
games, :mod:`ratings.engine.likelihood`) keeps such a round near ``log(2 n / c)`` nats from the
field, and a round in which the model drew no vote at all puts it at the field average. The
bootstrap therefore requires ``prior > 0``.
"""

from __future__ import annotations

import numpy as np

from .bt import BTFit
from .counts import PairCounts
from .likelihood import Cells, build_problem
from .solver import newton

BOOTSTRAP_TOL = 1e-7
BOOTSTRAP_MAX_ITER = 50
# Floats allowed for one chunk's batched Hessians and per-pair arrays (about 64 MB).
_CHUNK_FLOATS = 8_000_000


def bootstrap_thetas(
    fit: BTFit,
    counts: PairCounts,
    *,
    rounds: int = 1000,
    seed: int = 0,
    tol: float = BOOTSTRAP_TOL,
    max_iter: int = BOOTSTRAP_MAX_ITER,
) -> tuple[np.ndarray, int]:
    """Refit ``rounds`` multinomial resamples of ``counts``.

    Parameters
    ----------
    fit : BTFit
        The full-data fit (its options are reused, its optimum is the warm start).
    counts : PairCounts
        The votes of the fit.
    rounds : int
        Number of resamples.
    seed : int
        Seed for ``numpy.random.default_rng``; same seed, same rounds.
    tol, max_iter
        Newton settings per round.

    Returns
    -------
    thetas : numpy.ndarray
        Shape (rounds, m): mean-centred ``theta`` of the rated models (index order) per round.
    unconverged : int
        Rounds that hit ``max_iter`` (expected 0).
    """
    if rounds < 1:
        raise ValueError(f"rounds must be at least 1, got {rounds}")
    if fit.prior <= 0:
        raise ValueError("the bootstrap needs prior > 0 to keep degenerate resamples finite")
    models = np.flatnonzero(fit.rated)
    problem, cells = build_problem(
        counts, ties=fit.ties, position_bias=fit.position_bias, prior=fit.prior, models=models
    )
    flat = np.concatenate([cells.wins, cells.losses, cells.ties])
    occupied = np.flatnonzero(flat > 0)
    total = flat[occupied].sum()
    shares = flat[occupied] / total
    rng = np.random.default_rng(seed)
    n_pairs, q = cells.wins.size, problem.n_params
    chunk = max(1, _CHUNK_FLOATS // max(q * q, 3 * n_pairs))
    thetas, unconverged = [], 0
    for start in range(0, rounds, chunk):
        size = min(chunk, rounds - start)
        resampled = np.zeros((size, flat.size))
        resampled[:, occupied] = rng.multinomial(round(total), shares, size=size)
        batch = Cells(*np.split(resampled, 3, axis=1))
        z0 = np.broadcast_to(fit.solution, (size, q))
        z, _, converged = newton(problem, batch, z0, tol=tol, max_iter=max_iter)
        theta = z[:, : models.size]
        thetas.append(theta - theta.mean(axis=1, keepdims=True))
        unconverged += int((~converged).sum())
    return np.concatenate(thetas, axis=0), unconverged
