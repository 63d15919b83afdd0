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

Knowing who leads is not yet being able to say so: the route answers confident only when
its anytime-valid rule (:mod:`ratings.engine.decision`) puts the leader's lower bound above
every challenger, the far ones too. A challenger far below the leader is seldom drawn by
top-two sampling, yet its few votes leave a wide bound that holds the decision back.
:func:`votes_short` measures, per challenger, the direct votes the rule still lacks, and
:func:`shortfall_pairs` sends votes to the leader's pairs in that proportion.

Every rule here is mixed with a share of uniformly drawn pairs (:func:`with_exploration`) so
that every pair keeps being seen, the fit stays connected, and an unlucky early estimate can
always be corrected.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from .decision import mixture_radius

Z95 = 1.959963984540054
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


def votes_short(
    gap: np.ndarray, se: np.ndarray, information: np.ndarray, alpha: float
) -> np.ndarray:
    """Direct votes each challenger still needs before the route's rule clears it.

    The route's rule (:mod:`ratings.engine.decision`) clears a challenger when the leader's
    anytime-valid lower bound over it is above zero: ``mixture_radius(se) < gap``. That holds
    once the standard error of the difference falls to the root ``s`` of
    ``mixture_radius(s) = gap``; information adds up vote by vote, so a challenger is short
    of ``(1 / s**2 - 1 / se**2) / information`` direct votes against the leader.

    Parameters
    ----------
    gap : numpy.ndarray
        Leader minus challenger, natural-log strengths.
    se : numpy.ndarray
        Standard error of each difference.
    information : numpy.ndarray
        Fisher information one direct vote gives on the difference, ``p (1 - p)``.
    alpha : float
        The rule's error rate per challenger.

    Returns
    -------
    numpy.ndarray
        Votes short per challenger: 0 when already clear, ``inf`` when ``gap <= 0``.
    """
    gap, se = np.asarray(gap, dtype=float), np.asarray(se, dtype=float)
    short = np.zeros(gap.size)
    for k, (g, s) in enumerate(zip(gap, se, strict=True)):
        if not np.isfinite(s) or s <= 0.0 or mixture_radius(s, alpha) < g:
            continue
        if g <= 0.0:
            short[k] = np.inf
            continue
        target = brentq(lambda x, g=g: float(mixture_radius(x, alpha)) - g, 1e-9 * s, s)
        short[k] = (1.0 / target**2 - 1.0 / s**2) / max(float(information[k]), 1e-6)
    return short


def shortfall_pairs(leader: int, short: np.ndarray) -> np.ndarray:
    """Pairs of the leader with each challenger in proportion to the votes it is short.

    Sent in that proportion, the votes clear every challenger at about the same time, so
    none is served past its need while another still holds the decision back. A challenger
    level with the leader (``inf``) counts as short of as many votes as the neediest finite
    one, or 1 when none is finite. Symmetric, sums to 1; zeros when nothing is short.
    """
    short = np.asarray(short, dtype=float).copy()
    result = np.zeros((short.size, short.size))
    finite = short[np.isfinite(short)]
    short[np.isinf(short)] = max(float(finite.max(initial=0.0)), 1.0)
    short[leader] = 0.0
    total = short.sum()
    if total <= 0.0:
        return result
    result[leader] = short / (2.0 * total)
    result[:, leader] = short / (2.0 * total)
    return result


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


def newcomers(
    sd: np.ndarray, votes: np.ndarray, known: np.ndarray, since_change: np.ndarray | None = None
) -> np.ndarray:
    """Models still being placed: no rating yet, or a wide interval on few votes.

    Placed means an interval as narrow as the board's median. Under active pairing the
    models far from the top get few votes and wide intervals by design, so width alone would
    keep them in placement for ever; a model still being placed also has fewer than half the
    board's median votes, which those models, seen through exploration, do not.

    A changed model (``since_change``: its votes since the change, NaN for a model never
    changed) is judged on those votes alone. Its interval on them is taken as the board's
    scaled by ``sqrt(votes / since_change)``, as an interval narrows with the square root of
    the votes; with no vote since the change it is being placed.
    """
    sd = np.nan_to_num(np.asarray(sd, dtype=float), nan=np.inf)
    votes = np.asarray(votes, dtype=float)
    fresh = ~known
    if known.sum() < 2:
        return fresh
    median_sd, median_votes = np.median(sd[known]), np.median(votes[known])
    if since_change is not None:
        changed = ~np.isnan(since_change)
        recent = np.minimum(np.nan_to_num(since_change), votes)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(recent > 0, np.sqrt(votes / recent), np.inf)
        sd = np.where(changed, sd * scale, sd)
        votes = np.where(changed, recent, votes)
    return fresh | (known & (sd > median_sd) & (votes < 0.5 * median_votes))
