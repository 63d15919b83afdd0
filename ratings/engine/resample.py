"""Exact multinomial resampling of cell counts, fast enough for a thousand rounds per board.

``numpy.random.Generator.multinomial`` draws one binomial per cell and round while holding the
GIL. Here each round draws independent Poisson counts with mean ``mu * share`` per cell for a
``mu`` a few standard deviations below ``N``, then tops the round up to exactly ``N`` votes
with ``N - total`` categorical draws. This is exact, not an approximation: given their total
``t``, the Poisson counts are ``Multinomial(t, shares)``, and adding an independent
``Multinomial(N - t, shares)`` gives ``Multinomial(N, shares)`` for every ``t <= N``. The rare
round whose Poisson total already exceeds ``N`` (about 0.1%) is redrawn with numpy's
multinomial. Poisson sampling releases the GIL, so chunks of rounds run on several cores.
"""

from __future__ import annotations

import math

import numpy as np

# How many standard deviations of the Poisson total to stay below N: trades the size of the
# categorical top-up against the share of rounds that need the slow redraw.
_HEADROOM_SD = 3.0


def multinomial_rows(rng: np.random.Generator, counts: np.ndarray, rounds: int) -> np.ndarray:
    """``rounds`` draws of ``Multinomial(N, counts / counts.sum())``, ``N = round(sum(counts))``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    counts : numpy.ndarray
        Positive cell counts (votes per (pair, outcome) cell).
    rounds : int
        Number of resamples.

    Returns
    -------
    numpy.ndarray
        Float array of shape (rounds, cells); every row sums to ``N``.
    """
    total = float(counts.sum())
    n_votes = round(total)
    shares = counts / total
    mu = max(n_votes - _HEADROOM_SD * math.sqrt(n_votes), 0.0)
    draws = rng.poisson(mu * shares, size=(rounds, shares.size))
    missing = n_votes - draws.sum(axis=1)
    over = np.flatnonzero(missing < 0)
    if over.size:
        draws[over] = rng.multinomial(n_votes, shares, size=over.size)
        missing[over] = 0
    cumulative = np.cumsum(shares)
    picks = np.searchsorted(cumulative, rng.random(int(missing.sum())) * cumulative[-1], "right")
    owners = np.repeat(np.arange(rounds), missing)
    extra = np.bincount(owners * shares.size + picks, minlength=rounds * shares.size)
    return (draws + extra.reshape(rounds, shares.size)).astype(float)
