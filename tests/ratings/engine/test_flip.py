"""Votes to flip: how many adversarial votes would undo an order or a confident pick."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ratings.engine.decision import mixture_radius
from ratings.engine.flip import (
    _shifted,
    pick_votes_to_undo,
    rows_votes_to_flip,
    votes_to_flip,
    votes_to_undo,
)


def test_flipping_an_order_takes_twice_the_gap_over_its_variance():
    assert votes_to_flip(0.5, 0.01) == 100
    assert votes_to_flip(0.0, 0.01) == 0
    assert votes_to_flip(0.5, 0.0) is None
    assert votes_to_flip(math.nan, 0.01) is None
    # The Newton step of that many votes brings the gap to zero.
    assert _shifted(0.5, 0.01, 100)[0] == pytest.approx(0.0, abs=1e-9)


def test_undoing_a_pick_takes_the_fewest_votes_that_break_the_bound():
    gap, variance, alpha, tolerance = 0.6, 0.01, 0.05, 0.1
    n = votes_to_undo(gap, variance, alpha=alpha, tolerance=tolerance)
    assert 0 < n < votes_to_flip(gap, variance)

    def excess(k):
        d, se = _shifted(gap, variance, k)
        return -(d - float(mixture_radius(se, alpha)))

    assert excess(n) > tolerance >= excess(n - 1)


def test_a_pick_not_within_tolerance_is_already_undone():
    assert votes_to_undo(0.01, 0.04, alpha=0.05, tolerance=0.0) == 0


def test_the_pick_falls_to_its_nearest_challenger():
    theta = np.array([1.0, 0.6, -0.5])
    cov = np.diag([0.002, 0.002, 0.002])
    established = np.array([True, True, True])
    n = pick_votes_to_undo(theta, cov, established, 0, alpha=0.025, tolerance=0.0)
    assert n == votes_to_undo(0.4, 0.004, alpha=0.025, tolerance=0.0)


def test_rows_carry_the_votes_to_swap_with_the_row_below():
    theta = np.array([0.0, 1.0, np.nan, 0.5])
    cov = np.diag([0.01, 0.01, np.nan, 0.01])
    flips = rows_votes_to_flip(theta, cov)
    assert flips == [None, votes_to_flip(0.5, 0.02), None, votes_to_flip(0.5, 0.02)]
