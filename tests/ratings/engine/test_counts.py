"""PairCounts: aggregation, validation and the per-board matrices."""

from __future__ import annotations

import numpy as np
import pytest

from ratings.engine import PairCounts, count_matrix, model_totals, win_rate_matrix


def make_counts() -> PairCounts:
    # 0 beat 1 twice on the left, 1 beat 0 once on the left, one tie with 0 on the right.
    return PairCounts.from_votes(
        3,
        left=[0, 0, 1, 1, 2],
        right=[1, 1, 0, 0, 0],
        outcome=[1.0, 1.0, 1.0, 0.5, 0.0],
    )


def test_from_votes_aggregates_one_row_per_ordered_pair():
    counts = make_counts()
    assert counts.left.tolist() == [0, 1, 2]
    assert counts.right.tolist() == [1, 0, 0]
    assert counts.left_wins.tolist() == [2.0, 1.0, 0.0]
    assert counts.right_wins.tolist() == [0.0, 0.0, 1.0]
    assert counts.ties.tolist() == [0.0, 1.0, 0.0]
    assert counts.n_votes == 5.0


def test_model_totals_count_every_vote_from_both_sides():
    totals = model_totals(make_counts())
    assert totals["votes"].tolist() == [5.0, 4.0, 1.0]
    assert totals["wins"].tolist() == [3.0, 1.0, 0.0]
    assert totals["losses"].tolist() == [1.0, 2.0, 1.0]
    assert totals["ties"].tolist() == [1.0, 1.0, 0.0]


def test_matrices_merge_both_sides_and_count_ties_half():
    counts = make_counts()
    battles = count_matrix(counts)
    rates = win_rate_matrix(counts)
    assert battles.tolist() == [[0, 4, 1], [4, 0, 0], [1, 0, 0]]
    assert rates[0, 1] == pytest.approx((2 + 0.5) / 4)
    assert rates[1, 0] == pytest.approx(1 - rates[0, 1])
    assert rates[0, 2] == 1.0
    assert np.isnan(rates[1, 2]) and np.isnan(rates[0, 0])


def test_canonical_form_does_not_depend_on_row_order_or_repeats():
    a = PairCounts(4, [0, 2, 0], [1, 3, 1], [1, 2, 3], [0, 1, 1], [1, 0, 0])
    b = PairCounts(4, [2, 0], [3, 1], [2, 4], [1, 1], [0, 1])
    for field in ("left", "right", "left_wins", "right_wins", "ties"):
        assert np.array_equal(getattr(a.canonical(), field), getattr(b.canonical(), field))


def test_canonical_form_drops_rows_without_votes_so_their_models_stay_unrated():
    counts = PairCounts(3, [0, 1], [1, 2], [1, 0], [0, 0], [0, 0])
    assert counts.rated().tolist() == [True, True, False]
    assert counts.canonical().left.size == 1


def test_arrays_are_read_only():
    counts = make_counts()
    with pytest.raises(ValueError):
        counts.left_wins[0] = 99.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"left": [0, 3]}, "out of range"),
        ({"right": [-1, 0]}, "out of range"),
        ({"right": [0, 0]}, "itself"),
        ({"ties": [0.0, -1.0]}, "non-negative"),
        ({"left_wins": [1.0, np.nan]}, "finite"),
        ({"right_wins": [1.0]}, "same length"),
        ({"left": [0.5, 1]}, "integer"),
    ],
)
def test_invalid_counts_are_rejected_with_a_clear_message(kwargs, message):
    fields = {
        "left": [0, 1],
        "right": [1, 2],
        "left_wins": [1.0, 1.0],
        "right_wins": [0.0, 0.0],
        "ties": [0.0, 0.0],
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        PairCounts(n_models=3, **fields)


def test_from_votes_rejects_an_unknown_outcome_and_mismatched_lengths():
    with pytest.raises(ValueError, match="outcome"):
        PairCounts.from_votes(2, [0], [1], [0.7])
    with pytest.raises(ValueError, match="same length"):
        PairCounts.from_votes(2, [0, 1], [1], [1.0])


def test_n_models_must_be_a_non_negative_integer():
    with pytest.raises(ValueError, match="n_models"):
        PairCounts.from_votes(-1, [], [], [])
    with pytest.raises(ValueError, match="n_models"):
        PairCounts.from_votes(2.0, [0], [1], [1.0])
