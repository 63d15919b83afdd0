"""Is a voter's judgement worth counting? Four sequential tests, valid however often read.

Each test is an *e-process*: a running product of per-event likelihood ratios, one alternative
of a small fixed grid against the edge of the null, averaged over the grid. Under the null its
expectation given the past is at most 1, so by Ville's inequality it ever reaches ``1 / a``
with probability at most ``a``, and a voter may be judged after every vote (docs/voters.md).

decoys     an attentive voter prefers a decoy's off-prompt output at most ``attentive`` of
           the time, however many decoys their past answers earned them;
side       left/right votes choose left with probability within ``0.5 +/- side_margin``;
agreement  the voter agrees with the board's favourite with probability at least
           ``sigmoid(agreement_floor * |delta|)`` (the team fitted to has ``lam = 1``);
promoter   the voter gives each model a win with log-odds at most ``eta + promoter_margin``;
           the test follows the leader: it bets on the model with the most evidence so far,
           chosen from the past, so no multiplicity correction is due.

The voter's evidence is a mean of the four e-values with weights fixed in advance, again an
e-process: crossing ``1 / error_rate`` is exclusion, being above ``1 / review_rate`` review.
The board's fit stands in for the truth in the last two tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ATTENTIVE_FAILURE = 0.10
SIDE_MARGIN = 0.15
AGREEMENT_FLOOR = 0.5
PROMOTER_MARGIN = 0.5
ERROR_RATE = 0.05
REVIEW_RATE = 0.2
TESTS = ("decoys", "side", "agreement", "promoter")
# The share of the voter's evidence each test's e-value stakes (fixed in advance, summing to 1).
WEIGHTS = {"decoys": 0.35, "side": 0.05, "agreement": 0.05, "promoter": 0.55}

_DECOY_ALTERNATIVES = np.array([0.25, 0.35, 0.5, 0.7])
_SIDE_ALTERNATIVES = np.array([0.8, 0.9, 0.95, 0.99])
_AGREEMENT_ALTERNATIVES = np.array([-1.0, -0.5, 0.0, 0.25])
_PROMOTER_SHIFTS = np.array([2.0, 3.0, 5.0])

# Choices as the engine takes them.
LEFT, RIGHT, TIE, BOTH_BAD = 0, 1, 2, 3


@dataclass(frozen=True)
class Thresholds:
    """The tests' nulls and the two levels of the decision."""

    attentive: float = ATTENTIVE_FAILURE
    side_margin: float = SIDE_MARGIN
    agreement_floor: float = AGREEMENT_FLOOR
    promoter_margin: float = PROMOTER_MARGIN
    error_rate: float = ERROR_RATE
    review_rate: float = REVIEW_RATE

    def __post_init__(self) -> None:
        if not 0.0 < self.attentive < _DECOY_ALTERNATIVES[0]:
            raise ValueError(f"attentive must lie in (0, 0.25), got {self.attentive!r}")
        if not 0.0 <= self.side_margin < _SIDE_ALTERNATIVES[0] - 0.5:
            raise ValueError(f"side_margin must lie in [0, 0.3), got {self.side_margin!r}")
        if not _AGREEMENT_ALTERNATIVES[-1] < self.agreement_floor <= 1.0:
            raise ValueError(f"agreement_floor must lie in (0.25, 1], got {self.agreement_floor!r}")
        if not 0.0 <= self.promoter_margin < _PROMOTER_SHIFTS[0]:
            raise ValueError(f"promoter_margin must lie in [0, 2), got {self.promoter_margin!r}")
        if not 0.0 < self.error_rate < self.review_rate < 1.0:
            raise ValueError("need 0 < error_rate < review_rate < 1")


@dataclass(frozen=True)
class Evidence:
    """Running log e-values over a voter's events (votes and decoys, in time order).

    ``paths``: per test; ``combined``: log of their weighted mean; ``crossed_at``: first event
    at ``log(1 / error_rate)`` or None; ``promoted``: the model the promoter test names.
    """

    paths: dict[str, np.ndarray]
    combined: np.ndarray
    crossed_at: int | None
    promoted: int | None

    def final(self) -> dict[str, float]:
        """Each test's e-value after the last event (1.0 with no events)."""
        return {k: float(np.exp(p[-1])) if p.size else 1.0 for k, p in self.paths.items()}


def _mixture_path(log_factors: np.ndarray) -> np.ndarray:
    """Running log of the equal-weight mixture of products; ``log_factors`` (events, k)."""
    from scipy.special import logsumexp

    if log_factors.shape[0] == 0:
        return np.zeros(0)
    running = np.cumsum(log_factors, axis=0)
    return logsumexp(running, axis=1) - np.log(log_factors.shape[1])


def decoy_path(failed: np.ndarray, *, attentive: float = ATTENTIVE_FAILURE) -> np.ndarray:
    """Running log e-value against "fails at most ``attentive`` of decoys", one per check."""
    failed = np.asarray(failed, dtype=bool)[:, None]
    alt = _DECOY_ALTERNATIVES[None, :]
    factors = np.where(failed, np.log(alt / attentive), np.log((1 - alt) / (1 - attentive)))
    return _mixture_path(factors)


def side_path(chose_left: np.ndarray, *, margin: float = SIDE_MARGIN) -> np.ndarray:
    """Running log e-value against "chooses left with probability within 0.5 +/- margin"."""
    left = np.asarray(chose_left, dtype=bool)[:, None]
    edge, alt = 0.5 + margin, _SIDE_ALTERNATIVES[None, :]
    towards_left = np.where(left, np.log(alt / edge), np.log((1 - alt) / (1 - edge)))
    towards_right = np.where(left, np.log((1 - alt) / (1 - edge)), np.log(alt / edge))
    return _mixture_path(np.concatenate([towards_left, towards_right], axis=1))


def agreement_path(
    agreed: np.ndarray, gap: np.ndarray, *, floor: float = AGREEMENT_FLOOR
) -> np.ndarray:
    """Running log e-value against "agrees with the board at least ``sigmoid(floor * gap)``",
    ``gap = |delta|`` per vote."""
    from scipy.special import expit

    agreed = np.asarray(agreed, dtype=bool)[:, None]
    gap = np.abs(np.asarray(gap, dtype=float))[:, None]
    lam = _AGREEMENT_ALTERNATIVES[None, :]
    edge = expit(floor * gap)
    alt = expit(lam * gap)
    factors = np.where(agreed, np.log(alt / edge), np.log((1 - alt) / (1 - edge)))
    return _mixture_path(factors)


def promoter_paths(
    won: np.ndarray, eta: np.ndarray, *, margin: float = PROMOTER_MARGIN
) -> np.ndarray:
    """Running log e-value of one model against "wins with log-odds at most ``eta + margin``"."""
    from scipy.special import expit

    won = np.asarray(won, dtype=bool)[:, None]
    eta = np.asarray(eta, dtype=float)[:, None]
    shift = _PROMOTER_SHIFTS[None, :]
    edge, alt = expit(eta + margin), expit(eta + shift)
    factors = np.where(won, np.log(alt / edge), np.log((1 - alt) / (1 - edge)))
    return _mixture_path(factors)


def _on_clock(mask: np.ndarray, path: np.ndarray) -> np.ndarray:
    """A test's path spread over every event: it holds its value between its own events."""
    out = np.zeros(mask.size)
    if path.size:
        counted = np.cumsum(mask)
        out = np.where(counted > 0, path[np.maximum(counted - 1, 0)], 0.0)
    return out


def _promoter_clock(decisive, left, right, choice, delta, margin) -> tuple:
    """The promoter test on the event clock, following the leader; and the model it names.

    At each vote it takes the step of the e-process (:func:`promoter_paths`) of the model with
    the most evidence (above 1) before that vote: chosen from the past, so still an e-process.
    """
    events = decisive.size
    known = decisive & ~np.isnan(delta) & (left >= 0) & (right >= 0)
    models = np.unique(np.concatenate([left[known], right[known]]))
    if not models.size:
        return np.zeros(events), None
    clocks = np.zeros((models.size, events))
    for row, model in enumerate(models):
        shows = known & ((left == model) | (right == model))
        on_left = left[shows] == model
        won = np.where(on_left, choice[shows] == LEFT, choice[shows] == RIGHT)
        eta = np.where(on_left, delta[shows], -delta[shows])
        clocks[row] = _on_clock(shows, promoter_paths(won, eta, margin=margin))
    before = np.concatenate([np.zeros((models.size, 1)), clocks[:, :-1]], axis=1)
    leader = np.argmax(before, axis=0)
    at = np.arange(events)
    steps = np.where(before[leader, at] > 0, clocks[leader, at] - before[leader, at], 0.0)
    return np.cumsum(steps), int(models[np.argmax(clocks[:, -1])])


def voter_evidence(
    *,
    decoy: np.ndarray,
    failed: np.ndarray,
    choice: np.ndarray,
    delta: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    thresholds: Thresholds | None = None,
) -> Evidence:
    """The four tests on one voter's events, in the order they happened.

    Parameters
    ----------
    decoy : numpy.ndarray of bool
        Per event: a decoy check (True) or a vote.
    failed : numpy.ndarray of bool
        Per decoy check: the off-prompt output was preferred (ignored for votes).
    choice : numpy.ndarray of int
        Per vote: ``LEFT``, ``RIGHT``, ``TIE`` or ``BOTH_BAD`` (ignored for decoys).
    delta : numpy.ndarray of float
        Per vote: the board's log-odds that the left side wins (NaN when the board cannot
        predict it: no board yet, or an unrated model).
    left, right : numpy.ndarray of int
        Per vote: model indices shown on each side (-1 when unknown).
    thresholds : Thresholds, optional
        The nulls and levels.

    Returns
    -------
    Evidence
    """
    from scipy.special import logsumexp

    t = thresholds or Thresholds()
    decoy = np.asarray(decoy, dtype=bool)
    choice, delta = np.asarray(choice, dtype=int), np.asarray(delta, dtype=float)
    left, right = np.asarray(left, dtype=int), np.asarray(right, dtype=int)
    decisive = ~decoy & np.isin(choice, (LEFT, RIGHT))
    chose_left = choice == LEFT
    informative = decisive & ~np.isnan(delta) & (delta != 0)
    agreed = chose_left == (np.nan_to_num(delta) > 0)
    paths = {
        "decoys": _on_clock(decoy, decoy_path(np.asarray(failed)[decoy], attentive=t.attentive)),
        "side": _on_clock(decisive, side_path(chose_left[decisive], margin=t.side_margin)),
        "agreement": _on_clock(
            informative,
            agreement_path(agreed[informative], delta[informative], floor=t.agreement_floor),
        ),
    }
    paths["promoter"], promoted = _promoter_clock(
        decisive, left, right, choice, delta, t.promoter_margin
    )
    stacked = np.stack([paths[k] for k in TESTS]) if decoy.size else np.zeros((4, 0))
    weights = np.array([WEIGHTS[k] for k in TESTS])[:, None]
    combined = logsumexp(stacked, axis=0, b=weights) if decoy.size else np.zeros(0)
    over = np.flatnonzero(combined >= -np.log(t.error_rate))
    crossed = int(over[0]) if over.size else None
    return Evidence(paths, combined, crossed, promoted)


def standing(evidence: Evidence, thresholds: Thresholds | None = None) -> str:
    """``excluded`` once the evidence ever crossed the bound, ``review`` while it is above the
    lower level, else ``ok``."""
    t = thresholds or Thresholds()
    if evidence.crossed_at is not None:
        return "excluded"
    now = float(evidence.combined[-1]) if evidence.combined.size else 0.0
    return "review" if now >= -np.log(t.review_rate) else "ok"


def decoy_interval(passed: int, checks: int, *, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval on the share of decoys passed ((0, 1) without checks)."""
    from scipy.stats import beta

    if checks <= 0:
        return 0.0, 1.0
    tail = (1.0 - level) / 2.0
    low = 0.0 if passed == 0 else float(beta.ppf(tail, passed, checks - passed + 1))
    high = 1.0 if passed == checks else float(beta.ppf(1 - tail, passed + 1, checks - passed))
    return low, high
