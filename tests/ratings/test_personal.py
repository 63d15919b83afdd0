"""A voter's own board: their votes alone, beside the team's, for them and staff only."""

from __future__ import annotations

import math
import random
import re
import uuid

import pytest
from django.contrib.auth import get_user_model

from arena.models import Category, Vote
from generation.models import Generator
from ratings.personal import PERSONAL_MIN_VOTES, personal_board
from tests.ratings.conftest import STRENGTHS


def cast(voter, category: str, count: int, *, seed: int, reverse: bool = False) -> None:
    """``count`` votes of ``voter`` on the ``category`` board from known strengths (Bradley-
    Terry odds), or from the strengths turned upside down (``reverse``)."""
    rng = random.Random(seed)
    board = Category.objects.get(slug=category)
    strengths = STRENGTHS[category]
    generators = {g.slug: g for g in Generator.objects.filter(slug__in=strengths)}
    votes = []
    for _ in range(count):
        a, b = rng.sample(sorted(strengths), 2)
        gap = strengths[a] - strengths[b]
        p_left = 1 / (1 + math.exp(gap if reverse else -gap))
        votes.append(
            Vote(
                voter=voter,
                category=board,
                choice="left" if rng.random() < p_left else "right",
                shown_left=generators[a],
                shown_right=generators[b],
                import_key=uuid.uuid4().hex,
            )
        )
    Vote.objects.bulk_create(votes)


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', html)


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("boss", password="boss-pass-123", is_staff=True)


def test_under_thirty_votes_the_page_says_how_many_more(client, voter, boards):
    cast(voter, "logos", 12, seed=1)
    client.force_login(voter)
    response = client.get("/leaderboard/mine/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have cast 12 votes" in html
    assert f"{PERSONAL_MIN_VOTES - 12} more votes</strong> to go" in html
    assert 'class="board"' not in html


def test_the_board_ranks_the_models_by_the_voters_own_votes(client, voter, other_voter, boards):
    # The voter prefers the team's worst logo model; another voter agrees with the team.
    cast(voter, "logos", 300, seed=2, reverse=True)
    cast(other_voter, "logos", 300, seed=3)
    client.force_login(voter)
    html = client.get("/leaderboard/mine/logos/").content.decode()
    assert names_in_order(html) == ["flux-2", "seedream-4", "nano-banana-pro", "gpt-image-2"]
    assert "300 of your votes on this board" in html
    assert 'Team<span class="wide-only"> rank</span>' in html
    mine = personal_board(voter=voter, category=Category.objects.get(slug="logos"), kind="generate")
    theirs = personal_board(
        voter=other_voter, category=Category.objects.get(slug="logos"), kind="generate"
    )
    assert mine.votes == theirs.votes == 300
    assert [r["team_rank"] for r in mine.rows] == [4, 3, 2, 1]
    assert theirs.rows[0]["name"] == "gpt-image-2"
    # Bradley-Terry odds from the strengths: the one who votes against them agrees rarely.
    assert mine.agreement.share < 0.35 < 0.65 < theirs.agreement.share
    for row in mine.rows:
        assert row["ci_lower"] <= row["rating"] <= row["ci_upper"]


def test_the_agreement_counts_decisive_votes_against_the_team_board(client, voter, boards):
    cast(voter, "logos", 40, seed=4)
    client.force_login(voter)
    html = client.get("/leaderboard/mine/logos/").content.decode()
    board = personal_board(
        voter=voter, category=Category.objects.get(slug="logos"), kind="generate"
    )
    assert board.agreement.decisive == 40
    percent = round(100 * board.agreement.agreeing / 40)
    assert f"Agreement with the team: {percent}%" in html
    assert f"{board.agreement.agreeing} of 40 decisive votes" in html


def test_a_voter_never_sees_another_voters_board(client, voter, other_voter, boards):
    cast(other_voter, "logos", 40, seed=5)
    client.force_login(voter)
    for url in (
        "/leaderboard/mine/?voter=other",
        "/leaderboard/voter/other/",
        "/leaderboard/voter/other/logos/",
        "/leaderboard/voter/nobody/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "only your own board" in response.content.decode()


def test_staff_can_open_any_voters_board(client, staff, other_voter, boards):
    cast(other_voter, "logos", 40, seed=6)
    client.force_login(staff)
    for url in ("/leaderboard/mine/logos/?voter=other", "/leaderboard/voter/other/logos/"):
        html = client.get(url).content.decode()
        assert "<h1>other's board</h1>" in html
        assert "40 of their votes on this board" in html
    assert client.get("/leaderboard/voter/nobody/").status_code == 404


def test_the_tabs_lead_to_the_same_voters_boards(client, staff, other_voter, boards):
    cast(other_voter, "people", 30, seed=7)
    client.force_login(staff)
    html = client.get("/leaderboard/voter/other/").content.decode()
    assert 'href="/leaderboard/voter/other/logos/"' in html
    assert 'href="/leaderboard/voter/other/?kind=edit"' in html
    assert "No vote of theirs on this board yet" not in html  # overall counts every category


def test_a_board_without_the_voters_votes_says_so(client, voter, boards):
    cast(voter, "people", 30, seed=8)
    client.force_login(voter)
    html = client.get("/leaderboard/mine/logos/").content.decode()
    assert "No vote of yours on this board yet" in html


def test_voided_votes_do_not_open_the_board(client, voter, boards):
    cast(voter, "logos", 30, seed=9)
    Vote.objects.filter(voter=voter).order_by("id")[:1].get()
    first = Vote.objects.filter(voter=voter).order_by("id").first()
    Vote.objects.filter(id=first.id).update(voided_at=first.created_at, void_reason="test")
    client.force_login(voter)
    assert "1 more vote</strong>" in client.get("/leaderboard/mine/").content.decode()


def test_an_unknown_board_is_404(client, voter, boards):
    client.force_login(voter)
    assert client.get("/leaderboard/mine/nope/").status_code == 404
    assert client.get("/leaderboard/mine/?kind=nope").status_code == 404


def test_the_leaderboard_links_the_own_board_which_asks_for_a_login(client, voter, boards):
    assert "/accounts/login/" in client.get("/leaderboard/mine/")["Location"]
    client.force_login(voter)
    html = client.get("/leaderboard/").content.decode()
    assert 'href="/leaderboard/mine/"' in html
