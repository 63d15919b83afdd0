"""Bootstrap of the counts: exact multinomial resampling, reproducibility, sparse models."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import PairCounts, bootstrap_thetas, bt_covariance, bt_fit, simulate_votes
from ratings.engine import bootstrap as bootstrap_module
from ratings.engine import resample as resample_module
from ratings.engine.likelihood import build_problem
from ratings.engine.resample import multinomial_rows


def board(n_models: int = 8, n_votes: int = 3000, seed: int = 0) -> PairCounts:
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.6, n_models)
    return PairCounts.from_votes(n_models, *simulate_votes(theta, n_votes, rng=rng))


def test_resampled_cells_always_hold_exactly_the_vote_total():
    counts = np.array([5.0, 1.0, 40.0, 3.0, 11.0])
    rows = multinomial_rows(np.random.default_rng(0), counts, 4000)
    assert (rows.sum(axis=1) == 60).all()
    # Multinomial moments: mean n p and variance n p (1 - p), checked to sampling precision.
    p = counts / 60
    assert (np.abs(rows.mean(axis=0) - counts) <= 4 * np.sqrt(60 * p * (1 - p) / 4000)).all()
    np.testing.assert_allclose(rows.var(axis=0), 60 * p * (1 - p), rtol=0.1)
    covariance = np.cov(rows.T)
    assert covariance[0, 2] == pytest.approx(-60 * p[0] * p[2], rel=0.15)


def test_rounds_that_overshoot_are_redrawn_exactly(monkeypatch):
    # Aim the Poisson stage above N so that most rounds take the fallback path.
    monkeypatch.setattr(resample_module, "_HEADROOM_SD", -3.0)
    rows = multinomial_rows(np.random.default_rng(1), np.array([2.0, 7.0, 1.0]), 500)
    assert (rows.sum(axis=1) == 10).all()
    np.testing.assert_allclose(rows.mean(axis=0), [2.0, 7.0, 1.0], atol=0.3)


def test_bootstrap_is_reproducible_with_a_seed_and_varies_without_it():
    counts = board()
    fit = bt_fit(counts)
    first, _ = bootstrap_thetas(fit, counts, rounds=200, seed=3)
    again, _ = bootstrap_thetas(fit, counts, rounds=200, seed=3)
    other, _ = bootstrap_thetas(fit, counts, rounds=200, seed=4)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)


def test_bootstrap_does_not_depend_on_the_number_of_cores(monkeypatch):
    counts = board()
    fit = bt_fit(counts)
    parallel, _ = bootstrap_thetas(fit, counts, rounds=100, seed=5)
    monkeypatch.setattr(bootstrap_module, "_available_cores", lambda: 1)
    serial, _ = bootstrap_thetas(fit, counts, rounds=100, seed=5)
    assert np.array_equal(parallel, serial)


def test_bootstrap_spread_matches_the_sandwich_on_a_regular_board():
    counts = board(n_models=8, n_votes=6000, seed=6)
    fit = bt_fit(counts)
    thetas, unconverged = bootstrap_thetas(fit, counts, rounds=1000, seed=0)
    assert unconverged == 0
    assert thetas.shape == (1000, 8)
    sandwich_se = np.sqrt(np.diag(bt_covariance(fit, counts))[:8])
    np.testing.assert_allclose(thetas.std(axis=0), sandwich_se, rtol=0.12)
    np.testing.assert_allclose(thetas.mean(axis=0), fit.theta, atol=0.3 * sandwich_se.max())


def test_a_round_equals_a_fresh_fit_of_its_resampled_counts():
    counts = board(n_models=5, n_votes=800, seed=7)
    options = {"ties": "davidson", "position_bias": True}
    fit = bt_fit(counts, **options)
    thetas, unconverged = bootstrap_thetas(fit, counts, rounds=40, seed=1)
    assert unconverged == 0
    # Replay round 0: 40 rounds make 4 chunks of 10, chunk 0 draws from the first stream.
    problem, cells = build_problem(counts, **options, prior=fit.prior, models=np.arange(5))
    flat = np.concatenate([cells.wins, cells.losses, cells.ties])
    occupied = np.flatnonzero(flat > 0)
    drawn = np.zeros(flat.size)
    stream = np.random.default_rng(1).spawn(4)[0]
    drawn[occupied] = multinomial_rows(stream, flat[occupied], 10)[0]
    resampled = PairCounts(5, problem.i, problem.j, *np.split(drawn, 3))
    np.testing.assert_allclose(thetas[0], bt_fit(resampled, **options).theta, atol=1e-8)


def test_bootstrap_needs_a_prior():
    counts = board(n_models=4, n_votes=300)
    with pytest.raises(ValueError, match="prior"):
        bootstrap_thetas(bt_fit(counts, prior=0.0), counts, rounds=10)
