"""The voters' tests: valid for honest voters at every look, quick on the bad ones they name."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import beta

from ratings.engine.raters import (
    LEFT,
    RIGHT,
    TIE,
    Thresholds,
    agreement_path,
    decoy_interval,
    decoy_path,
    promoter_paths,
    side_path,
    standing,
    voter_evidence,
)

MODELS = 6


def _voter(rng, n=120, *, kind="honest", decoy_rate=0.05, promoted=0):
    """Events of one simulated voter against known strengths (the board's prediction)."""
    strength = np.linspace(-1.0, 1.0, MODELS)
    left = rng.integers(0, MODELS, n)
    right = (left + rng.integers(1, MODELS, n)) % MODELS
    delta = strength[left] - strength[right]
    lam = rng.lognormal(0.0, 0.25)
    p_left = expit(lam * delta)
    choice = np.where(rng.random(n) < p_left, LEFT, RIGHT)
    choice = np.where(rng.random(n) < 0.1, TIE, choice)
    if kind == "left":
        choice = np.full(n, LEFT)
    elif kind == "contrarian":
        choice = np.where(rng.random(n) < p_left, RIGHT, LEFT)
    elif kind == "promoter":
        choice = np.where(left == promoted, LEFT, np.where(right == promoted, RIGHT, choice))
    decoy = rng.random(n) < decoy_rate
    failed = decoy & (rng.random(n) < (0.6 if kind == "careless" else 0.03))
    return {"decoy": decoy, "failed": failed, "choice": choice, "delta": delta, "left": left,
            "right": right}  # fmt: skip


def test_an_honest_voter_is_rarely_ever_excluded_however_often_read():
    rng = np.random.default_rng(11)
    voters = 400
    crossed = sum(voter_evidence(**_voter(rng)).crossed_at is not None for _ in range(voters))
    # Clopper-Pearson 95% upper bound on the share ever excluded, against the 5% error rate.
    upper = beta.ppf(0.975, crossed + 1, voters - crossed)
    assert upper <= 0.05, (crossed, upper)


@pytest.mark.parametrize("kind", ["left", "contrarian", "promoter", "careless"])
def test_a_bad_voter_of_each_kind_is_excluded(kind):
    rng = np.random.default_rng(5)
    events = _voter(rng, n=400, kind=kind, decoy_rate=0.05 if kind != "careless" else 0.1)
    evidence = voter_evidence(**events)
    assert standing(evidence) == "excluded"
    if kind == "promoter":
        assert evidence.promoted == 0


def test_no_factor_has_mean_above_one_within_its_null():
    rng = np.random.default_rng(2)
    # A one-step path is the log of the mixture's first factor; its mean at the edge is 1.
    assert np.exp(decoy_path([True])[0]) * 0.1 + np.exp(decoy_path([False])[0]) * 0.9 == (
        pytest.approx(1.0)
    )
    # The side test mixes both directions: at most 1 anywhere within 0.5 +/- 0.15.
    left, right = np.exp(side_path([True])[0]), np.exp(side_path([False])[0])
    for share in (0.35, 0.5, 0.65):
        assert left * share + right * (1 - share) <= 1.0 + 1e-12
    for gap in rng.uniform(0.0, 3.0, 5):
        p = expit(0.5 * gap)
        agree, disagree = (np.exp(agreement_path([a], [gap])[0]) for a in (True, False))
        assert agree * p + disagree * (1 - p) == pytest.approx(1.0)
        q = expit(gap + 0.5)
        won, lost = (np.exp(promoter_paths([w], [gap])[0]) for w in (True, False))
        assert won * q + lost * (1 - q) == pytest.approx(1.0)


def test_a_voter_with_no_events_is_ok():
    empty = np.zeros(0)
    evidence = voter_evidence(decoy=empty, failed=empty, choice=empty, delta=empty, left=empty,
                              right=empty)  # fmt: skip
    assert standing(evidence) == "ok"
    assert evidence.final() == {"decoys": 1.0, "side": 1.0, "agreement": 1.0, "promoter": 1.0}


def test_votes_the_board_cannot_predict_leave_the_board_tests_alone():
    n = 30
    evidence = voter_evidence(decoy=np.zeros(n, bool), failed=np.zeros(n, bool),
                              choice=np.full(n, RIGHT), delta=np.full(n, np.nan),
                              left=np.full(n, -1), right=np.full(n, -1))  # fmt: skip
    final = evidence.final()
    assert final["agreement"] == 1.0 and final["promoter"] == 1.0
    assert final["side"] > 1.0


def test_review_comes_before_exclusion():
    rng = np.random.default_rng(4)
    events = _voter(rng, n=200, kind="left")
    evidence = voter_evidence(**events)
    review = np.flatnonzero(evidence.combined >= np.log(1 / 0.2))[0]
    assert review < evidence.crossed_at


def test_thresholds_refuse_nonsense():
    with pytest.raises(ValueError, match="attentive"):
        Thresholds(attentive=0.5)
    with pytest.raises(ValueError, match="error_rate"):
        Thresholds(error_rate=0.3, review_rate=0.2)


def test_the_decoy_interval_is_clopper_pearson():
    assert decoy_interval(0, 0) == (0.0, 1.0)
    low, high = decoy_interval(3, 4)
    assert low == pytest.approx(beta.ppf(0.025, 3, 2))
    assert high == pytest.approx(beta.ppf(0.975, 4, 1))
    assert decoy_interval(4, 4)[1] == 1.0


def _promoter_stream(rng, models: int, votes: int = 60) -> dict:
    """A voter backing model 0 whenever shown, and siding with the board otherwise."""
    left = np.where(rng.random(votes) < 0.5, 0, rng.integers(1, models, votes))
    right = np.where(left == 0, rng.integers(1, models, votes), 0)
    delta = np.where(left == 0, -0.5, 0.5)  # model 0 is 0.5 weaker than each opponent
    choice = np.where(left == 0, LEFT, RIGHT)
    none = np.zeros(votes, bool)
    return {"decoy": none, "failed": none, "choice": choice, "delta": delta, "left": left,
            "right": right}  # fmt: skip


def test_the_promoter_test_follows_the_leader_and_pays_nothing_for_many_models():
    # The same votes for model 0 against 2 or 30 opponents: the evidence is the same.
    few = voter_evidence(**_promoter_stream(np.random.default_rng(1), 3))
    many = voter_evidence(**_promoter_stream(np.random.default_rng(1), 31))
    assert few.promoted == many.promoted == 0
    assert few.paths["promoter"][-1] == pytest.approx(many.paths["promoter"][-1])
    assert few.crossed_at is not None and few.crossed_at == many.crossed_at


def test_the_promoter_test_bets_only_on_a_model_with_evidence_before_the_vote():
    # The first vote for a model cannot be bet on: no model has evidence yet.
    events = _promoter_stream(np.random.default_rng(2), 5, votes=1)
    assert voter_evidence(**events).paths["promoter"][0] == 0.0
    events = _promoter_stream(np.random.default_rng(2), 5, votes=2)
    path = voter_evidence(**events).paths["promoter"]
    step = promoter_paths([True, True], [-0.5, -0.5])
    assert path[1] == pytest.approx(step[1] - step[0])
