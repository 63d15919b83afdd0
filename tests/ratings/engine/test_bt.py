"""Bradley-Terry fits: a published example, invariances, agreement with choix, the prior."""

from __future__ import annotations

import math

import choix
import numpy as np
import pytest

from ratings.engine import (
    PairCounts,
    bt_covariance,
    bt_fit,
    predicted_matrix,
    simulate_votes,
    to_elo_scale,
)

TEAMS = ["Baltimore", "Boston", "Cleveland", "Detroit", "Milwaukee", "New York", "Toronto"]
# (home, away, home wins, away wins), 1987 American League East.
BASEBALL = [
    ("Milwaukee", "Detroit", 4, 3), ("Milwaukee", "Toronto", 4, 2),
    ("Milwaukee", "New York", 4, 3), ("Milwaukee", "Boston", 6, 1),
    ("Milwaukee", "Cleveland", 4, 2), ("Milwaukee", "Baltimore", 6, 0),
    ("Detroit", "Milwaukee", 3, 3), ("Detroit", "Toronto", 4, 2),
    ("Detroit", "New York", 4, 3), ("Detroit", "Boston", 6, 0),
    ("Detroit", "Cleveland", 6, 1), ("Detroit", "Baltimore", 4, 3),
    ("Toronto", "Milwaukee", 2, 5), ("Toronto", "Detroit", 4, 3),
    ("Toronto", "New York", 2, 4), ("Toronto", "Boston", 4, 3),
    ("Toronto", "Cleveland", 4, 2), ("Toronto", "Baltimore", 6, 0),
    ("New York", "Milwaukee", 3, 3), ("New York", "Detroit", 5, 1),
    ("New York", "Toronto", 2, 5), ("New York", "Boston", 4, 3),
    ("New York", "Cleveland", 4, 2), ("New York", "Baltimore", 6, 1),
    ("Boston", "Milwaukee", 5, 1), ("Boston", "Detroit", 2, 5),
    ("Boston", "Toronto", 3, 3), ("Boston", "New York", 4, 2),
    ("Boston", "Cleveland", 5, 2), ("Boston", "Baltimore", 6, 0),
    ("Cleveland", "Milwaukee", 2, 5), ("Cleveland", "Detroit", 3, 3),
    ("Cleveland", "Toronto", 3, 4), ("Cleveland", "New York", 4, 3),
    ("Cleveland", "Boston", 4, 2), ("Cleveland", "Baltimore", 2, 4),
    ("Baltimore", "Milwaukee", 2, 5), ("Baltimore", "Detroit", 1, 5),
    ("Baltimore", "Toronto", 1, 6), ("Baltimore", "New York", 2, 4),
    ("Baltimore", "Boston", 1, 6), ("Baltimore", "Cleveland", 3, 4),
]  # fmt: skip


def baseball() -> PairCounts:
    index = {team: k for k, team in enumerate(TEAMS)}
    home, away, home_wins, away_wins = zip(*BASEBALL, strict=True)
    return PairCounts(
        n_models=len(TEAMS),
        left=[index[t] for t in home],
        right=[index[t] for t in away],
        left_wins=home_wins,
        right_wins=away_wins,
        ties=[0] * len(BASEBALL),
    )


def simulated(n_models: int, n_votes: int, seed: int, **kwargs) -> tuple[np.ndarray, PairCounts]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.6, n_models)
    votes = simulate_votes(theta, n_votes, rng=rng, **kwargs)
    return theta, PairCounts.from_votes(n_models, *votes)


def test_reproduces_agrestis_baseball_example():
    """Agresti (2002), Categorical Data Analysis, 2nd ed., Sec. 10.6, Tables 10.10 and 10.11.

    The 1987 American League East: 7 teams, 13 games per pair, home and away wins as in Table
    10.10 (the same table is ``data/baseball.csv`` of the R package BradleyTerry2, whose
    ``tests/testthat/test-baseball.R`` checks the same published figures). Published, with
    Baltimore as the reference: estimates 0.68, 1.11, 1.25, 1.29, 1.44, 1.58 (Cleveland,
    Boston, New York, Toronto, Detroit, Milwaukee), standard errors about 0.3, and with a home
    advantage, 0.302 for it and abilities (normalised to sum 1) 0.044, 0.088, 0.137, 0.157,
    0.164, 0.190, 0.220. Reproduced to the published precision with the prior off.
    """
    counts = baseball()
    plain = bt_fit(counts, prior=0.0)
    versus_baltimore = plain.theta - plain.theta[0]
    published = {
        "Cleveland": 0.68,
        "Boston": 1.11,
        "New York": 1.25,
        "Toronto": 1.29,
        "Detroit": 1.44,
        "Milwaukee": 1.58,
    }
    for team, estimate in published.items():
        assert round(versus_baltimore[TEAMS.index(team)], 2) == estimate
    cov = bt_covariance(plain, counts, kind="fisher")
    contrast_se = np.sqrt(np.diag(cov)[1:] + cov[0, 0] - 2 * cov[0, 1:])
    assert np.round(contrast_se, 1).tolist() == [0.3] * 6

    home = bt_fit(counts, prior=0.0, position_bias=True)
    abilities = np.exp(home.theta) / np.exp(home.theta).sum()
    assert np.round(np.sort(abilities), 3).tolist() == [
        0.044,
        0.088,
        0.137,
        0.157,
        0.164,
        0.190,
        0.220,
    ]
    assert round(home.position, 3) == 0.302


def test_agrees_with_choix_within_half_a_rating_point():
    """choix has no ties, so both fits get ties as half a win each way.

    ``choix.ilsr_pairwise_dense`` takes a real-valued win matrix, so ``comp[i, j]`` is i's wins
    over j plus half their ties; ``alpha=0`` and ``prior=0`` make both plain maximum likelihood
    (choix's ``alpha`` regularises differently from our virtual-tie prior, so both are off).
    """
    _, counts = simulated(12, 4000, seed=21, tie_rate=0.3)
    ours = to_elo_scale(bt_fit(counts, prior=0.0).theta)
    comp = np.zeros((12, 12))
    np.add.at(comp, (counts.left, counts.right), counts.left_wins + 0.5 * counts.ties)
    np.add.at(comp, (counts.right, counts.left), counts.right_wins + 0.5 * counts.ties)
    theirs = to_elo_scale(choix.ilsr_pairwise_dense(comp, alpha=0.0, tol=1e-12, max_iter=1000))
    assert np.abs(ours - theirs).max() < 0.5
    # And against choix's own Newton solver on the votes, ties as one win each way.
    pairs = _choix_pairs(counts)
    newton = to_elo_scale(choix.opt_pairwise(12, pairs, alpha=0.0, method="Newton-CG", tol=1e-10))
    assert np.abs(ours - newton).max() < 0.5


def _choix_pairs(counts: PairCounts) -> list[tuple[int, int]]:
    # Doubling every vote doubles the NLL and leaves the optimum alone; a tie becomes one win
    # each way.
    pairs = []
    rows = zip(
        counts.left, counts.right, counts.left_wins, counts.right_wins, counts.ties, strict=True
    )
    for i, j, won, lost, tied in rows:
        pairs += [(int(i), int(j))] * int(2 * won + tied)
        pairs += [(int(j), int(i))] * int(2 * lost + tied)
    return pairs


def test_fit_is_invariant_to_vote_order():
    rng = np.random.default_rng(2)
    theta = rng.normal(0.0, 0.6, 8)
    left, right, outcome = simulate_votes(theta, 2000, rng=rng)
    order = rng.permutation(left.size)
    a = bt_fit(PairCounts.from_votes(8, left, right, outcome))
    b = bt_fit(PairCounts.from_votes(8, left[order], right[order], outcome[order]))
    assert np.array_equal(a.theta, b.theta)


def test_relabelling_models_permutes_their_ratings():
    _, counts = simulated(9, 3000, seed=4, tie_rate=0.2, position=0.1)
    perm = np.random.default_rng(0).permutation(9)
    for options in ({}, {"ties": "davidson", "position_bias": True}):
        before = bt_fit(counts, **options)
        renamed = PairCounts(
            9,
            perm[counts.left],
            perm[counts.right],
            counts.left_wins,
            counts.right_wins,
            counts.ties,
        )
        after = bt_fit(renamed, **options)
        np.testing.assert_allclose(after.theta[perm], before.theta, rtol=0, atol=1e-9)
        assert after.tie_param == pytest.approx(before.tie_param, abs=1e-9)


def test_mirroring_sides_keeps_ratings_and_flips_the_position_term():
    _, counts = simulated(6, 2000, seed=5, tie_rate=0.2, position=0.3)
    mirrored = PairCounts(
        6, counts.right, counts.left, counts.right_wins, counts.left_wins, counts.ties
    )
    np.testing.assert_allclose(bt_fit(mirrored).theta, bt_fit(counts).theta, atol=1e-9)
    with_side = bt_fit(counts, position_bias=True)
    mirrored_side = bt_fit(mirrored, position_bias=True)
    np.testing.assert_allclose(mirrored_side.theta, with_side.theta, atol=1e-9)
    assert mirrored_side.position == pytest.approx(-with_side.position, abs=1e-9)


def test_recovers_strengths_tie_parameter_and_position_from_a_large_board():
    rng = np.random.default_rng(8)
    theta = rng.normal(0.0, 0.6, 10)
    left = rng.integers(0, 10, 200_000)
    right = (left + rng.integers(1, 10, left.size)) % 10
    # Davidson votes with nu = 0.5 and a left advantage of 0.2.
    x = 0.5 * (theta[left] - theta[right] + 0.2)
    weights = np.stack([np.exp(x), np.exp(-x), np.full(x.size, 0.5)], axis=1)
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    kind = (rng.random(left.size)[:, None] > cumulative).sum(axis=1)
    outcome = np.array([1.0, 0.0, 0.5])[kind]
    fit = bt_fit(
        PairCounts.from_votes(10, left, right, outcome), ties="davidson", position_bias=True
    )
    np.testing.assert_allclose(fit.theta, theta - theta.mean(), atol=0.03)
    assert fit.tie_param == pytest.approx(0.5, abs=0.02)
    assert fit.position == pytest.approx(0.2, abs=0.02)
    assert fit.converged


def test_prior_keeps_an_undefeated_model_finite_and_plain_mle_does_not_converge():
    _, counts = simulated(5, 500, seed=9)
    extra = PairCounts(
        6,
        np.r_[counts.left, [5, 5, 5]],
        np.r_[counts.right, [0, 1, 2]],
        np.r_[counts.left_wins, [3, 2, 4]],
        np.r_[counts.right_wins, [0, 0, 0]],
        np.r_[counts.ties, [0, 0, 0]],
    )
    fit = bt_fit(extra)
    assert fit.converged
    # Nine straight wins: about log(2 * 9 / 1) nats above the field, not infinity.
    assert 1.5 < fit.theta[5] - np.nanmean(fit.theta[:5]) < math.log(18) + 1.0
    assert not bt_fit(extra, prior=0.0, max_iter=30).converged


def test_prior_barely_moves_a_well_measured_board():
    _, counts = simulated(10, 20_000, seed=10)
    shift = to_elo_scale(bt_fit(counts).theta) - to_elo_scale(bt_fit(counts, prior=0.0).theta)
    assert np.abs(shift).max() < 0.5


def test_models_without_votes_are_unrated_and_nan():
    counts = PairCounts(4, [0, 1], [1, 2], [3.0, 1.0], [1.0, 2.0], [1.0, 0.0])
    fit = bt_fit(counts)
    assert fit.rated.tolist() == [True, True, True, False]
    assert np.isnan(fit.theta[3]) and np.isfinite(fit.theta[:3]).all()
    assert np.nanmean(fit.theta) == pytest.approx(0.0, abs=1e-12)
    ratings = to_elo_scale(fit.theta, anchor=1500.0)
    assert np.isnan(ratings[3]) and np.nanmean(ratings) == pytest.approx(1500.0)


def test_a_board_without_votes_rates_nobody():
    fit = bt_fit(PairCounts(3, [], [], [], [], []))
    assert not fit.rated.any() and np.isnan(fit.theta).all()


def test_plain_mle_refuses_a_disconnected_board():
    counts = PairCounts(4, [0, 2], [1, 3], [2.0, 2.0], [1.0, 1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="connected"):
        bt_fit(counts, prior=0.0)
    assert bt_fit(counts).converged  # the prior ties the two groups to a common centre


def test_to_elo_scale_maps_one_natural_log_unit_to_400_over_ln_10_points():
    ratings = to_elo_scale(np.array([1.0, -1.0, np.nan]))
    assert ratings[0] - ratings[1] == pytest.approx(800.0 / math.log(10.0), rel=1e-15)
    assert np.isnan(ratings[2])


def test_predicted_matrix_is_a_probability_with_complementary_halves():
    _, counts = simulated(5, 1000, seed=12, tie_rate=0.3)
    for ties in ("half", "davidson"):
        predicted = predicted_matrix(bt_fit(counts, ties=ties))
        off = ~np.eye(5, dtype=bool)
        np.testing.assert_allclose(predicted[off] + predicted.T[off], 1.0, atol=1e-12)
        assert np.isnan(np.diag(predicted)).all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"ties": "draws"}, "ties"), ({"prior": -1.0}, "prior"), ({"tol": 0.0}, "tol")],
)
def test_bad_options_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bt_fit(PairCounts(2, [0], [1], [1.0], [0.0], [0.0]), **kwargs)
