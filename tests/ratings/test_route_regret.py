"""The fast simulation behind the benchmark's tolerance sections, checked small and seeded."""

from __future__ import annotations

import numpy as np

from tests.benchmarks import regret_simulation as rs


def test_the_fast_fit_gives_the_regret_bounds_the_engine_gives():
    assert rs.fit_agrees_with_engine(boards=3, votes=2000) < 1e-6


def test_a_tolerance_decides_sooner_and_no_confident_pick_is_beyond_it():
    truth = rs.realistic_mix(np.random.default_rng(1), 60)
    run = rs.run(truth, horizon=4000, seed=2)
    loose, exact = rs.first_confident(run, 25.0), rs.first_confident(run, 0.0)
    assert (loose <= exact).all()  # the same boards: the tolerance never decides later
    assert (loose <= 4000).sum() > (exact <= 4000).sum()
    assert not (run.confident[25.0] & (run.shortfall[25.0] > 25.0)).any()
    assert run.covered.all(axis=0).mean() >= 0.9


def test_active_pairing_aimed_at_the_tolerance_decides_crowded_tops_sooner():
    truth = rs.crowded_top(np.random.default_rng(3), 40)
    uniform = rs.first_confident(rs.run(truth, horizon=6000, seed=4), 25.0)
    active = rs.first_confident(rs.run(truth, horizon=6000, seed=4, aim=25.0), 25.0)
    assert (active <= 6000).sum() > (uniform <= 6000).sum()


def test_with_the_truth_known_a_tolerance_saves_most_against_the_runner_up():
    truth = rs.realistic_mix(np.random.default_rng(5), 50)
    second, rest = rs.known_truth_votes(truth, 25.0)
    exact_second, exact_rest = rs.known_truth_votes(truth, 0.0)
    assert (second < exact_second).all() and (rest < exact_rest).all()
    # 25 points shorten the runner-up's need far more than the far challengers'.
    assert np.median(second / exact_second) < np.median(rest / exact_rest)
