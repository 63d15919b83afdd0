"""Which pair a vote should go to: the maths of decision-targeted matchmaking.

The question a category's votes answer is "which model leads?". A vote between two models
whose order is already clear tells that question nothing; a vote between the likely leader
and the model most likely to be better than it tells it most. Top-two Thompson sampling
(Russo 2016) finds that pair from the posterior alone: draw strengths from the posterior, the
best of the draw is the leader; draw again, the best of the others is its challenger.
Averaged over draws this gives a probability per pair, which is all matchmaking needs.

The posterior is read from a stored board, not refitted: ratings and their 95% intervals
give each model's mean and standard deviation, and the battle-count and predicted matrices
give the Fisher information whose inverse supplies the correlations between models (two
models rated mostly against each other move together). Everything is in Elo points.

Every rule here is mixed with a share of uniformly drawn pairs (:func:`with_exploration`) so
that every pair keeps being seen, the fit stays connected, and an unlucky early estimate can
always be corrected.
"""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054
# Non-overlapping 95% intervals of two equally precise ratings: a difference of z * sqrt(2)
# of its own standard errors. The same strictness, applied to the difference itself.
SEPARATION_Z = Z95 * np.sqrt(2.0)
# One virtual tie per model against an average opponent, as in the fit's own prior.
_PRIOR_INFORMATION = 0.25


def posterior_covariance(sd: np.ndarray, counts: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Covariance of the ratings: each model's own ``sd``, correlations from the counts.

    Parameters
    ----------
    sd : numpy.ndarray
        Standard deviation of each rating (Elo points), from its interval.
    counts : numpy.ndarray
        Battles per pair (symmetric, m x m).
    predicted : numpy.ndarray
        Predicted probability that row beats column.

    Returns
    -------
    numpy.ndarray
        ``D R D`` with ``R`` the correlation of the centred Fisher inverse and ``D = diag(sd)``.
    """
    m = sd.size
    p = np.nan_to_num(np.asarray(predicted, dtype=float), nan=0.5)
    weights = np.nan_to_num(np.asarray(counts, dtype=float)) * p * (1.0 - p)
    np.fill_diagonal(weights, 0.0)
    information = np.diag(weights.sum(axis=1) + _PRIOR_INFORMATION) - weights
    centre = np.eye(m) - 1.0 / m
    inverse = centre @ np.linalg.inv(information) @ centre
    spread = np.sqrt(np.clip(np.diag(inverse), 1e-12, None))
    correlation = inverse / np.outer(spread, spread)
    return correlation * np.outer(sd, sd)


def top_two_pairs(
    mean: np.ndarray, covariance: np.ndarray, *, draws: int = 512, seed: int = 0
) -> np.ndarray:
    """Probability of each pair under top-two Thompson sampling.

    Parameters
    ----------
    mean : numpy.ndarray
        Posterior mean rating per model.
    covariance : numpy.ndarray
        Posterior covariance (see :func:`posterior_covariance`).
    draws : int
        Monte Carlo draws; each gives one (leader, challenger) pair.
    seed : int
        Seed of the draws, so a board always yields the same weights.

    Returns
    -------
    numpy.ndarray
        Symmetric m x m matrix, zero diagonal, summing to 1 (a pair counts on both sides).
    """
    m = mean.size
    result = np.zeros((m, m))
    if m < 2:
        return result
    rng = np.random.default_rng(seed)
    factor = _cholesky(covariance)
    first = mean + rng.standard_normal((draws, m)) @ factor.T
    second = mean + rng.standard_normal((draws, m)) @ factor.T
    leader = first.argmax(axis=1)
    second[np.arange(draws), leader] = -np.inf
    challenger = second.argmax(axis=1)
    np.add.at(result, (leader, challenger), 1.0)
    result = result + result.T
    return result / (2.0 * draws)


def placement_pairs(
    mean: np.ndarray, sd: np.ndarray, newcomers: np.ndarray, known: np.ndarray
) -> np.ndarray:
    """Pairs that place newcomers: each against known models near its estimated level.

    A newcomer with an estimate meets known models in proportion to how likely their
    ratings are within one joint standard deviation of its own (a normal kernel); one with no
    estimate (``mean`` NaN) meets every known model equally. Each newcomer gets an equal share.
    Returns a symmetric matrix summing to 1 (zeros when nothing to place).
    """
    m = mean.size
    result = np.zeros((m, m))
    opponents = np.flatnonzero(known & ~newcomers)
    if opponents.size == 0:
        opponents = np.flatnonzero(~newcomers)
    placed = np.flatnonzero(newcomers)
    if opponents.size == 0 or placed.size == 0:
        return result
    for k in placed:
        if np.isnan(mean[k]):
            kernel = np.ones(opponents.size)
        else:
            spread = np.sqrt(sd[k] ** 2 + np.nan_to_num(sd[opponents]) ** 2) + 1.0
            kernel = np.exp(-0.5 * ((mean[opponents] - mean[k]) / spread) ** 2) + 1e-9
        share = kernel / kernel.sum() / placed.size / 2.0
        result[k, opponents] += share
        result[opponents, k] += share
    return result


def with_exploration(active: np.ndarray, exploration: float) -> np.ndarray:
    """``(1 - exploration) * active + exploration * uniform`` over all pairs."""
    m = active.shape[0]
    uniform = np.ones((m, m)) - np.eye(m)
    uniform /= uniform.sum()
    total = active.sum()
    if total <= 0.0:
        return uniform
    return (1.0 - exploration) * active / total + exploration * uniform


def votes_to_separate(lead: np.ndarray, sd_difference: np.ndarray, have: np.ndarray) -> float:
    """Votes until the leader is ``SEPARATION_Z`` standard errors ahead of each challenger.

    At the current gaps (``lead``, with the standard error of each difference): a standard
    error shrinks as one over the square root of the votes, so a pair needs
    ``(z sd / lead)^2`` times the votes it has (``have``). Infinite when a challenger is level.
    """
    needed = 0.0
    for gap, sd, votes in zip(lead, sd_difference, have, strict=True):
        if gap <= 0.0:
            return float("inf")
        needed = max(needed, ((SEPARATION_Z * sd / gap) ** 2 - 1.0) * votes)
    return float(np.ceil(max(needed, 0.0)))


def _cholesky(covariance: np.ndarray) -> np.ndarray:
    """A lower factor of a covariance that may be singular only by rounding."""
    jitter = 1e-9 * max(float(np.trace(covariance)), 1.0)
    eye = np.eye(covariance.shape[0])
    for _ in range(6):
        try:
            return np.linalg.cholesky(covariance + jitter * eye)
        except np.linalg.LinAlgError:
            jitter *= 100.0
    values, vectors = np.linalg.eigh(covariance)
    return vectors * np.sqrt(np.clip(values, 0.0, None))


def newcomers(sd: np.ndarray, votes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Models still being placed: no rating yet, or a wide interval on few votes.

    Placed means an interval as narrow as the board's median. Under active pairing the
    models far from the top get few votes and wide intervals by design, so width alone would
    keep them in placement for ever; a model still being placed also has fewer than half the
    board's median votes, which those models, seen through exploration, do not.
    """
    fresh = ~known
    if known.sum() >= 2:
        wide = np.nan_to_num(sd, nan=np.inf) > np.median(sd[known])
        few = votes < 0.5 * np.median(votes[known])
        fresh |= known & wide & few
    return fresh


def leader_margin(mean: np.ndarray, covariance: np.ndarray) -> tuple[int, float]:
    """The leader and its smallest lead over any other model, in standard errors.

    Tested on the difference of two ratings, whose standard error the shared anchor does not
    blur: under a design that spends most votes on the top pair, the top two are known
    against each other long before either is known against the board's mean, and their own
    intervals (which include the mean's uncertainty) keep overlapping.
    """
    leader = int(np.argmax(mean))
    lead = mean[leader] - mean
    var = covariance[leader, leader] + np.diag(covariance) - 2.0 * covariance[leader]
    z = lead / np.sqrt(np.clip(var, 1e-12, None))
    z[leader] = np.inf
    return leader, float(z.min()) if mean.size > 1 else float("inf")
