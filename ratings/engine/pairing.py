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
:func:`shortfall_pairs` sends votes in that proportion, each challenger's share to the pair
whose vote narrows its bound against the leader most (:func:`narrowing_pairs`): usually the
direct pair, sometimes a model between them that the leader is already well measured against.

At a tolerance above zero, every challenger's shortfall is finite (the leader is the model
rated highest, so none is above it by more than the tolerance) and clearing them all is the
whole decision: who exactly is best no longer matters, so the steered votes go to the
shortfall alone and top-two sampling, which separates the exact best, only serves the exact
rule (:func:`aimed_pairs`).

Every rule here is mixed with a share of uniformly drawn pairs (:func:`with_exploration`) so
that every pair keeps being seen, the fit stays connected, and an unlucky early estimate can
always be corrected.
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
    gap: np.ndarray,
    se: np.ndarray,
    information: np.ndarray,
    alpha: float,
    *,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Direct votes each challenger still needs before the route's rule clears it.

    The route's rule (:mod:`ratings.engine.decision`) clears a challenger when the leader's
    anytime-valid lower bound over it is above ``-tolerance``: ``mixture_radius(se) < gap +
    tolerance``. That holds once the standard error of the difference falls to the root ``s``
    of ``mixture_radius(s) = gap + tolerance``; information adds up vote by vote, so a
    challenger is short of ``(1 / s**2 - 1 / se**2) / information`` direct votes against the
    leader.

    Parameters
    ----------
    gap : numpy.ndarray
        Leader minus challenger, natural-log strengths.
    se : numpy.ndarray
        Standard error of each difference.
    information : numpy.ndarray
        Fisher information one direct vote gives on the difference, ``p (1 - p)``.
    alpha : float or numpy.ndarray
        The rule's error rate per challenger (an array broadcasts against ``gap``).
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
    """``s`` in ``(0, se]`` with ``mixture_radius(s) = target``, by bisection on ``log s``.

    The radius grows with ``s``, so the bracket halves each round; 60 rounds leave a relative
    error far below a vote, for every entry at once.
    """
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

    ``short`` is what each model lacks at ``tolerance`` (rating points, the category's; see
    :func:`votes_short`). At tolerance 0, ``shortfall_share`` of the steered votes go where
    the exact rule is short of votes (:func:`shortfall_pairs`), the rest to top-two Thompson
    sampling (:func:`top_two_pairs`), which settles who exactly leads. Above 0 all of them go
    to the shortfall: clearing it is the whole decision (see the module docstring). Top-two
    alone when nothing is short. ``cheaper``: a cheaper model that may be good enough and the
    votes it is short of against each other model (:func:`cheaper_candidate`); its pairs share
    the shortfall votes equally with the leader's. Symmetric, sums to 1 (zeros for fewer
    than two models).
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
    """Shortfall pairs of several anchors, an equal share each.

    Equal, not by votes lacking: the cheaper pick near the leader lacks far more votes than
    the leader does, and by need alone it would starve the leader's own decision.
    """
    pairs = [shortfall_pairs(anchor, short, mean, covariance) for anchor, short in parts]
    pairs = [p for p in pairs if p.sum() > 0]
    return sum(pairs) / len(pairs) if pairs else np.zeros((mean.size, mean.size))


def narrowing_pairs(mean: np.ndarray, covariance: np.ndarray, anchor: int) -> np.ndarray:
    """For each model ``c``, the pair one vote on which narrows ``anchor - c`` most.

    A vote on the pair ``(i, j)`` adds ``w = p (1 - p)`` (its Fisher information) along
    ``d = e_i - e_j``; the variance of ``a' theta`` with ``a = e_anchor - e_c`` then falls by
    ``w (a' S d)**2 / (1 + w d' S d)`` (Sherman-Morrison, ``S`` the covariance). The direct
    pair usually wins; a model between the two that the anchor is already measured well
    against can win for a challenger far below, whose direct games say little each.

    Returns an ``(m, 2)`` array of indices (row ``anchor``: the anchor twice).
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
    """The cheapest established model, cheaper than the leader, estimated within the tolerance.

    The model the cost objective would pick once its regret bound is within the tolerance
    (by today's estimates it may be); None when prices do not differ or none is close enough.
    """
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

    Sent in that proportion, the votes clear every challenger at about the same time, so
    none is served past its need while another still holds the decision back. A challenger
    level with the leader (``inf``) counts as short of as many votes as the neediest finite
    one, or 1 when none is finite. Each challenger's share goes to its pair with the leader,
    or with ``mean`` and ``covariance`` (points) to the pair that narrows its bound against
    the leader most (:func:`narrowing_pairs`). Symmetric, sums to 1; zeros when nothing is
    short.
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
