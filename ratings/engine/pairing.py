"""Which pair a vote should go to: the maths of decision-targeted matchmaking (docs/pairing.md).

Top-two Thompson sampling (Russo 2016) draws strengths from the posterior, read from a stored
board (ratings and intervals give each model's spread, the battle counts the correlations):
the best of one draw is the leader, the best of the others in a second draw its challenger.
The route's anytime-valid rule also needs the far challengers cleared, which top-two sampling
seldom draws, so :func:`shortfall_pairs` sends votes in proportion to the votes each still
lacks (:func:`votes_short`), to the pair that narrows its bound most. Every rule is mixed with
uniform pairs (:func:`with_exploration`) so an unlucky early estimate can always be corrected.
Ratings and covariances are in Elo points.
"""

from __future__ import annotations

import math

import numpy as np

from .decision import mixture_radius

Z95 = 1.959963984540054
# Natural-log units per Elo point: the pairing maths reads ratings and covariances in points.
_PER_POINT = math.log(10.0) / 400.0
# One virtual tie per model against an average opponent, as in the fit's own prior.
_PRIOR_INFORMATION = 0.25


def posterior_covariance(sd: np.ndarray, counts: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Covariance of the ratings: each model's own ``sd``, correlations from the counts.

    Parameters
    ----------
    sd : numpy.ndarray
        Standard deviation of each rating (Elo points), from its interval.
    counts, predicted : numpy.ndarray
        Battles per pair (symmetric, m x m) and the probability that row beats column.

    Returns
    -------
    numpy.ndarray
        ``D R D``: ``R`` the correlation of the centred Fisher inverse, ``D = diag(sd)``.
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
    mean, covariance : numpy.ndarray
        Posterior mean rating per model and covariance (:func:`posterior_covariance`).
    draws, seed : int
        Monte Carlo draws, one (leader, challenger) pair each, and their seed.

    Returns
    -------
    numpy.ndarray
        Symmetric m x m matrix, zero diagonal, summing to 1.
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

    A normal kernel of one joint standard deviation around the newcomer (uniform without an
    estimate); an equal share per newcomer. Symmetric, sums to 1 (zeros: nothing to place).
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
    gap: np.ndarray,
    se: np.ndarray,
    information: np.ndarray,
    alpha: float,
    *,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Direct votes each challenger still needs before the route's rule clears it.

    The rule clears it once ``mixture_radius(se) < gap + tolerance``, i.e. once the standard
    error falls to the root ``s`` of ``mixture_radius(s) = gap + tolerance``; information adds
    up vote by vote, so it is short of ``(1 / s**2 - 1 / se**2) / information`` votes.

    Parameters
    ----------
    gap, se : numpy.ndarray
        Leader minus challenger (natural-log strengths) and its standard error.
    information : numpy.ndarray
        Fisher information of one direct vote on the difference, ``p (1 - p)``.
    alpha : float or numpy.ndarray
        The rule's error rate per challenger (broadcasts against ``gap``).
    tolerance : float
        How far below the best the pick may be (natural-log units; 0: the exact rule).

    Returns
    -------
    numpy.ndarray
        Votes short per challenger: 0 when already clear, ``inf`` when ``gap + tolerance <= 0``.
    """
    target = np.asarray(gap, dtype=float) + tolerance
    se = np.asarray(se, dtype=float)
    information = np.maximum(np.asarray(information, dtype=float), 1e-6)
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), target.shape)
    measured = np.isfinite(se) & (se > 0.0)
    open_ = measured & ~(mixture_radius(np.where(measured, se, 0.0), alpha) < target)
    short = np.where(open_ & (target <= 0.0), np.inf, 0.0)
    reach = open_ & (target > 0.0)
    if reach.any():
        root = _radius_root(target[reach], se[reach], alpha[reach])
        short[reach] = (1.0 / root**2 - 1.0 / se[reach] ** 2) / information[reach]
    return short


def _radius_root(target: np.ndarray, se: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``s`` in ``(0, se]`` with ``mixture_radius(s) = target``: 60 bisections on ``log s``."""
    low, high = np.log(1e-9 * se), np.log(se)
    for _ in range(60):
        mid = 0.5 * (low + high)
        above = mixture_radius(np.exp(mid), alpha) > target
        low, high = np.where(above, low, mid), np.where(above, mid, high)
    return np.exp(0.5 * (low + high))


def aimed_pairs(
    mean: np.ndarray,
    covariance: np.ndarray,
    leader: int | None,
    short: np.ndarray,
    *,
    seed: int,
    tolerance: float = 0.0,
    shortfall_share: float = 0.75,
    cheaper: tuple[int, np.ndarray] | None = None,
) -> np.ndarray:
    """The steered part of matchmaking: the shortfall pairs, at tolerance 0 mixed with top-two.

    At tolerance 0, ``shortfall_share`` of the votes go to :func:`shortfall_pairs` and the rest
    to :func:`top_two_pairs`, which settles who exactly leads; above 0 clearing the shortfall is
    the whole decision, so all go there. ``cheaper`` (:func:`cheaper_candidate` and its
    shortfall) shares the shortfall votes equally with the leader. Symmetric, sums to 1.
    """
    decision = top_two_pairs(mean, covariance, seed=seed)
    if leader is None:
        return decision
    parts = [(leader, short), *([cheaper] if cheaper else [])]
    steer = _joint_shortfall(parts, mean, covariance)
    share = shortfall_share if tolerance <= 0.0 else 1.0
    if steer.sum() > 0 and decision.sum() > 0:
        return (1.0 - share) * decision + share * steer
    return decision


def _joint_shortfall(parts: list[tuple[int, np.ndarray]], mean, covariance) -> np.ndarray:
    """Shortfall pairs of several anchors, an equal share each (by need, the cheaper pick would
    starve the leader's own decision)."""
    pairs = [shortfall_pairs(anchor, short, mean, covariance) for anchor, short in parts]
    pairs = [p for p in pairs if p.sum() > 0]
    return sum(pairs) / len(pairs) if pairs else np.zeros((mean.size, mean.size))


def narrowing_pairs(mean: np.ndarray, covariance: np.ndarray, anchor: int) -> np.ndarray:
    """For each model ``c``, the pair ``(m, 2)`` one vote on which narrows ``anchor - c`` most.

    A vote on ``(i, j)`` adds ``w = p (1 - p)`` along ``d = e_i - e_j``, so the variance of
    ``a' theta`` (``a = e_anchor - e_c``) falls by ``w (a' S d)**2 / (1 + w d' S d)``
    (Sherman-Morrison). Row ``anchor`` holds the anchor twice.
    """
    m = mean.size
    theta = np.asarray(mean, dtype=float) * _PER_POINT
    cov = np.asarray(covariance, dtype=float) * _PER_POINT**2
    p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))
    information = p * (1.0 - p)
    diag = np.diag(cov)
    spread = diag[:, None] + diag[None, :] - 2.0 * cov
    upper = np.triu(np.ones((m, m), bool), 1)
    best = np.tile(np.array([[anchor, 0]]), (m, 1))
    best[:, 1] = np.arange(m)
    for c in np.flatnonzero(np.arange(m) != anchor):
        along = cov[:, anchor] - cov[:, c]
        gain = information * (along[:, None] - along[None, :]) ** 2 / (1.0 + information * spread)
        gain = np.where(upper & np.isfinite(gain), gain, -np.inf)
        direct = (min(anchor, c), max(anchor, c))
        if not np.isfinite(gain.max()) or gain.max() <= gain[direct]:
            continue
        best[c] = np.unravel_index(np.argmax(gain), gain.shape)
    best[anchor] = anchor
    return best


def cheaper_candidate(
    theta: np.ndarray, established: np.ndarray, prices: np.ndarray, leader: int, tolerance: float
) -> int | None:
    """The cheapest established model, cheaper than the leader, estimated within the tolerance
    (the cost objective's pick once its bound allows); None when there is none."""
    prices = np.asarray(prices, dtype=float)
    close = established & (theta[leader] - theta <= tolerance) & (prices < prices[leader])
    close[leader] = False
    if not close.any():
        return None
    pool = np.flatnonzero(close)
    return int(pool[np.lexsort((-theta[pool], prices[pool]))][0])


def shortfall_pairs(
    leader: int,
    short: np.ndarray,
    mean: np.ndarray | None = None,
    covariance: np.ndarray | None = None,
) -> np.ndarray:
    """Votes for each challenger in proportion to the votes it is short against the leader.

    So every challenger clears at about the same time. One level with the leader (``inf``)
    counts as the neediest finite one (or 1). Each share goes to the pair with the leader, or
    with ``mean`` and ``covariance`` to :func:`narrowing_pairs`. Symmetric, sums to 1.
    """
    short = np.asarray(short, dtype=float).copy()
    result = np.zeros((short.size, short.size))
    finite = short[np.isfinite(short)]
    short[np.isinf(short)] = max(float(finite.max(initial=0.0)), 1.0)
    short[leader] = 0.0
    total = short.sum()
    if total <= 0.0:
        return result
    if mean is None or covariance is None:
        pairs = np.column_stack([np.full(short.size, leader), np.arange(short.size)])
    else:
        pairs = narrowing_pairs(mean, covariance, leader)
    share = short / (2.0 * total)
    np.add.at(result, (pairs[:, 0], pairs[:, 1]), share)
    np.add.at(result, (pairs[:, 1], pairs[:, 0]), share)
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
    """Models still being placed: no rating yet, or a wider interval than the board's median
    on fewer than half its median votes (models far from the top have wide intervals by design).

    A changed model (``since_change``: its votes since, NaN if never changed) is judged on those
    votes alone, its interval widened by ``sqrt(votes / since_change)``.
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
