"""Flagged votes are left out of the boards by default, and each board says what it left out."""

from __future__ import annotations

import csv
import io

import pytest

from arena.models import Vote
from ratings.services import leaderboard_recompute

# No voter is left out here.
NO_VOTERS = {"voter": 0, "voter_reasons": {}}


@pytest.fixture
def votes(category, generators):
    a, b = generators
    for i in range(5):
        reason = "cast 120 ms after the battle was shown" if i >= 3 else ""
        Vote.objects.create(
            category=category, choice="left", shown_left=a, shown_right=b, import_key=f"k{i}",
            flagged=bool(reason), flag_reason=reason,
        )  # fmt: skip
    Vote.objects.create(
        category=category, choice="both_bad", shown_left=b, shown_right=a, import_key="bad"
    )
    return category


def test_flagged_votes_are_dropped_by_default_and_counted(votes, settings):
    assert settings.RATINGS_FLAGGED == "drop"
    snapshot = leaderboard_recompute(category=votes)

    assert snapshot.vote_count == 4
    assert snapshot.parameters["flagged"] == "drop"
    assert snapshot.parameters["excluded"] == {"flagged": 2, "void": 0, "both_bad": 0, **NO_VOTERS}


def test_flagged_votes_count_when_asked(votes, settings):
    settings.RATINGS_FLAGGED = "count"
    settings.RATINGS_BOTH_BAD = "drop"
    snapshot = leaderboard_recompute(category=votes)

    assert snapshot.vote_count == 5
    assert snapshot.parameters["excluded"] == {"flagged": 0, "void": 0, "both_bad": 1, **NO_VOTERS}


def test_the_board_shows_what_it_left_out_on_the_page_the_api_and_the_csv(client, voter, votes):
    leaderboard_recompute(category=votes)
    client.force_login(voter)

    page = client.get(f"/leaderboard/{votes.slug}/").content.decode()
    api = client.get(f"/api/v1/leaderboards/{votes.slug}/").json()
    rows = list(csv.DictReader(io.StringIO(client.get(f"/leaderboard/{votes.slug}.csv").text)))

    assert "2 votes left out" in page and "flagged" in page
    assert api["votes_excluded"] == {"flagged": 2, "void": 0, "both_bad": 0, "voter": 0}
    assert api["voters_excluded"] == {"votes": 0, "reasons": {}}
    assert {row["votes_excluded_flagged"] for row in rows} == {"2"}
