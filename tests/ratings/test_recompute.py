from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arena.models import Vote
from ratings.models import Snapshot
from ratings.selectors import snapshot_latest, snapshot_rows
from ratings.services import board_aggregate, leaderboard_recompute
from tests.conftest import make_generator


def _votes(category, left, right, choices):
    for i, choice in enumerate(choices):
        Vote.objects.create(
            category=category, choice=choice, shown_left=left, shown_right=right,
            import_key=f"{left.pk}-{right.pk}-{choice}-{i}-{len(choices)}",
        )  # fmt: skip


@pytest.fixture
def board(category, generators):
    a, b = generators
    c = make_generator("Cypress", layout="stripes")
    _votes(category, a, b, ["left"] * 30 + ["right"] * 10 + ["tie"] * 4)
    _votes(category, b, c, ["left"] * 25 + ["right"] * 15 + ["both_bad"] * 2)
    _votes(None, c, a, ["left"] * 5 + ["right"] * 20)
    return a, b, c


def test_the_votes_of_a_board_are_aggregated_in_one_grouped_query(board, category):
    with CaptureQueriesContext(connection) as queries:
        data = board_aggregate(category=category)
    vote_queries = [q["sql"] for q in queries if "arena_vote" in q["sql"]]
    assert len(vote_queries) == 1 and "GROUP BY" in vote_queries[0]
    assert data.vote_count == 44 + 42
    assert data.counts.left_wins.sum() == 55 and data.counts.ties.sum() == 6


def test_a_snapshot_records_what_it_was_computed_from(board, category):
    snapshot = leaderboard_recompute(category=category)
    assert snapshot.method == "bt" and snapshot.seed == 0
    assert snapshot.vote_count == 86
    assert snapshot.last_vote_id == Vote.objects.filter(category=category).latest("id").id
    assert snapshot.parameters["ties"] == "half" and snapshot.parameters["both_bad"] == "tie"
    assert len(snapshot.matrices["generators"]) == 3


def test_the_overall_board_counts_votes_without_a_category(board):
    snapshot = leaderboard_recompute(category=None)
    assert snapshot.vote_count == 86 + 25


def test_the_board_orders_generators_by_strength_with_intervals(board, category):
    a, b, c = board
    rows = snapshot_rows(leaderboard_recompute(category=category))
    assert [row.generator for row in rows] == [a, b, c]
    for row in rows:
        assert row.ci_lower < row.rating < row.ci_upper
        assert 1 <= row.rank_lower <= row.rank <= row.rank_upper <= 3
    assert sum(row.p_best for row in rows) == pytest.approx(1.0)
    assert rows[0].wins == 30 and rows[0].losses == 10 and rows[0].ties == 4


def test_a_generator_without_votes_is_unrated_not_1000(board, category):
    idle = make_generator("Idle")
    rows = {row.generator: row for row in snapshot_rows(leaderboard_recompute(category=category))}
    assert rows[idle].rated is False
    assert rows[idle].rating is None and rows[idle].rank is None and rows[idle].votes == 0


def test_recomputing_gives_the_same_numbers(board, category):
    first = snapshot_rows(leaderboard_recompute(category=category))
    second = snapshot_rows(leaderboard_recompute(category=category))
    fields = ("rating", "ci_lower", "ci_upper", "rank_lower", "rank_upper", "p_best")
    for one, two in zip(first, second, strict=True):
        assert [getattr(one, f) for f in fields] == [getattr(two, f) for f in fields]
    assert Snapshot.objects.count() == 2
    assert snapshot_latest(category=category).id == max(
        Snapshot.objects.values_list("id", flat=True)
    )


def test_dropping_both_bad_votes_leaves_them_out(board, category, settings):
    settings.RATINGS_BOTH_BAD = "drop"
    assert leaderboard_recompute(category=category).vote_count == 84


def test_old_snapshots_are_thinned_to_one_a_day(board, category, settings):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(3):
        leaderboard_recompute(category=category)
    settings.RATINGS_SNAPSHOTS_KEPT = 2
    # Back-date the three: two on one old day, one on another.
    old = list(Snapshot.objects.filter(category=category).order_by("id"))
    days = [timezone.now() - timedelta(days=d) for d in (5, 5, 4)]
    for snapshot, when in zip(old, days, strict=True):
        Snapshot.objects.filter(pk=snapshot.pk).update(computed_at=when)
    for _ in range(2):
        leaderboard_recompute(category=category)
    kept = set(Snapshot.objects.filter(category=category).values_list("id", flat=True))
    # The two newest, plus the last of each old day; the first of day 5 is gone.
    assert old[0].id not in kept and {old[1].id, old[2].id} <= kept and len(kept) == 4
    assert Snapshot.objects.filter(category=None).count() == 0
