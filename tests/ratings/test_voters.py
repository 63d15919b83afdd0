"""Voters' standing: the tests move it, staff can hold it, and the boards follow it."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from arena.models import Vote, VoterStanding
from ratings.engine.raters import LEFT, standing, voter_evidence
from ratings.models import EloRating
from ratings.services import leaderboard_recompute
from ratings.services.raters import StandingError, standing_set, standings_refresh
from ratings.tasks import ratings_recompute

EXCLUDED, REVIEW, OK = "excluded", "review", "ok"
START = timezone.now() - timedelta(days=1)


def cast(category, generators, voter, choices, *, tag: str, swap_every: int = 2):
    """Votes of ``voter`` with the sides alternating; ``choices`` says which *generator* won
    ("a", "b") or which *side* was chosen ("left", "right")."""
    a, b = generators
    for i, choice in enumerate(choices):
        left, right = (a, b) if i % swap_every == 0 else (b, a)
        if choice in ("a", "b"):
            winner = a if choice == "a" else b
            choice = "left" if left == winner else "right"
        Vote.objects.create(
            category=category, voter=voter, choice=choice, shown_left=left, shown_right=right,
            import_key=f"{tag}-{i}", created_at=START + timedelta(seconds=i),
        )  # fmt: skip


@pytest.fixture
def team(category, generators, other_voter):
    """An honest voter: the first generator wins four votes in five, on either side."""
    cast(category, generators, other_voter, ["a", "a", "b", "a", "a"] * 8, tag="team")
    return other_voter


@pytest.fixture
def left_voter(category, generators, voter, team):
    cast(category, generators, voter, ["left"] * 40, tag="left")
    leaderboard_recompute(category=category)
    return voter


@pytest.fixture
def staff_client(client, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="boss-pass-123")
    client.force_login(boss)
    return client


def test_a_voter_who_always_picks_left_is_excluded_and_leaves_the_board_and_the_elo(
    category, left_voter, team
):
    assert standings_refresh() == 1
    row = VoterStanding.objects.get(voter=left_voter)
    assert row.state == EXCLUDED and row.reason_keys[0] == "side"
    assert "left side in 100%" in row.reasons[0]
    assert VoterStanding.objects.get(voter=team).state == OK

    snapshot = leaderboard_recompute(category=category, elo_from_start=True)

    assert snapshot.vote_count == 40
    assert snapshot.parameters["excluded"]["voter"] == 40
    assert snapshot.parameters["excluded"]["voter_reasons"] == {"side": 40}
    assert Vote.objects.filter(voter=left_voter).count() == 40  # kept
    assert sum(r.votes for r in EloRating.objects.filter(category=category)) == 2 * 40


def test_imported_votes_without_a_voter_still_count_beside_an_excluded_voter(
    category, generators, left_voter
):
    a, b = generators
    Vote.objects.create(category=category, choice="left", shown_left=a, shown_right=b,
                        import_key="imported-1")  # fmt: skip
    standings_refresh()
    assert leaderboard_recompute(category=category).vote_count == 40 + 1


def test_the_overall_recompute_runs_the_tests_and_the_boards_follow(category, left_voter):
    ratings_recompute.delay(category_id=None)

    assert VoterStanding.objects.get(voter=left_voter).state == EXCLUDED
    latest = category.snapshots.latest("computed_at", "id")
    assert latest.vote_count == 40 and latest.parameters["excluded"]["voter"] == 40


def test_evidence_short_of_the_bound_puts_a_voter_up_for_review(category, generators, voter):
    def state(n):
        empty = np.full(n, np.nan)
        return standing(voter_evidence(decoy=np.zeros(n, bool), failed=np.zeros(n, bool),
                                       choice=np.full(n, LEFT), delta=empty, left=np.full(n, -1),
                                       right=np.full(n, -1)))  # fmt: skip

    n = next(k for k in range(1, 60) if state(k) == REVIEW)
    cast(category, generators, voter, ["left"] * n, tag="few")  # no board yet: side test only

    standings_refresh()

    row = VoterStanding.objects.get(voter=voter)
    assert row.state == REVIEW and row.reason_keys == ["side"]
    assert (
        Vote.objects.filter(voter=voter).count()
        == leaderboard_recompute(category=category).vote_count
    )  # a voter under review still counts


def test_a_hand_decision_holds_over_the_tests_until_released(left_voter, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="boss-pass-123")
    standings_refresh()

    standing_set(voter_id=left_voter.id, state=OK, by=boss, reason="Left-handed mouse, checked")
    standings_refresh()
    row = VoterStanding.objects.get(voter=left_voter)
    assert (row.state, row.tested_state, row.by_hand, row.set_by_name) == (
        OK, EXCLUDED, True, "boss"
    )  # fmt: skip

    standing_set(voter_id=left_voter.id, state=None, by=boss, reason="")
    assert VoterStanding.objects.get(voter=left_voter).state == EXCLUDED


def test_a_hand_decision_needs_a_reason_and_a_known_state(voter):
    with pytest.raises(StandingError, match="reason"):
        standing_set(voter_id=voter.id, state=EXCLUDED, by=None, reason="  ")
    with pytest.raises(StandingError, match="clear"):
        standing_set(voter_id=voter.id, state=REVIEW, by=None, reason="why not")
    assert not VoterStanding.objects.exists()


def test_a_voter_with_no_votes_can_be_excluded_by_hand_and_stays_so(voter, category):
    standing_set(voter_id=voter.id, state=EXCLUDED, by=None, reason="Shared account")
    standings_refresh()
    assert VoterStanding.objects.get(voter=voter).state == EXCLUDED
    out = io.StringIO()
    call_command("rater_audit", "--json", stdout=out)
    (row,) = json.loads(out.getvalue())
    assert row["votes"] == 0 and row["reasons"] == ["by hand: Shared account"]


def test_the_admin_clears_a_voter_with_a_reason_and_logs_it(staff_client, left_voter):
    standings_refresh()
    row = VoterStanding.objects.get(voter=left_voter)
    url = reverse("admin:arena_voterstanding_changelist")

    refused = staff_client.post(url, {"action": "clear_by_hand", "_selected_action": [row.pk],
                                      "reason": ""}, follow=True)  # fmt: skip
    assert "needs a reason" in refused.content.decode()
    assert VoterStanding.objects.get(pk=row.pk).state == EXCLUDED

    staff_client.post(url, {"action": "clear_by_hand", "_selected_action": [row.pk],
                            "reason": "Checked by hand"})  # fmt: skip

    assert VoterStanding.objects.get(pk=row.pk).state == OK
    entry = LogEntry.objects.get(object_id=str(row.pk))
    assert entry.change_message == "Cleared by hand: Checked by hand"


def test_the_audit_page_is_for_staff_only(staff_client, voter, left_voter):
    standings_refresh()
    url = reverse("admin:arena_voterstanding_changelist")

    outsider = Client()
    outsider.force_login(voter)
    assert outsider.get(url).status_code == 302

    page = staff_client.get(url + "?o=3").content.decode()
    assert "Rater audit" in page and left_voter.username in page and "100%" in page


def test_rater_audit_prints_json_with_the_standing_of_each_voter(left_voter, team):
    out = io.StringIO()
    call_command("rater_audit", "--json", stdout=out)
    rows = {row["voter"]: row for row in json.loads(out.getvalue())}
    assert {"voter", "votes", "state", "reasons"} <= set(rows[left_voter.username])
    assert rows[left_voter.username]["state"] == EXCLUDED
    assert rows[team.username]["votes"] == 40 and rows[team.username]["state"] == OK

    text = io.StringIO()
    call_command("rater_audit", "--no-refresh", stdout=text)
    assert left_voter.username in text.getvalue() and "excluded" in text.getvalue()


def test_rater_audit_with_no_voters_says_so(db):
    out = io.StringIO()
    call_command("rater_audit", stdout=out)
    assert "No voter" in out.getvalue()


def test_a_category_with_one_voter_gets_sensible_answers(client, category, team):
    leaderboard_recompute(category=category)
    standings_refresh()
    assert VoterStanding.objects.get(voter=team).state == OK
    client.force_login(team)
    assert client.get(f"/leaderboard/{category.slug}/").status_code == 200


def test_a_voter_backing_the_weaker_generator_is_suspected_of_promoting_it(
    category, generators, voter, team
):
    cast(category, generators, voter, ["b"] * 12, tag="promoter")
    leaderboard_recompute(category=category)
    standings_refresh()
    row = VoterStanding.objects.get(voter=voter)
    assert row.e_values["promoter"] >= 2.0
    assert row.suspect_id == generators[1].id
    honest = VoterStanding.objects.get(voter=team)
    assert honest.suspect_id is None
    out = io.StringIO()
    call_command("rater_audit", "--json", "--no-refresh", stdout=out)
    audit = {r["voter"]: r for r in json.loads(out.getvalue())}
    assert audit[voter.username]["suspect"] == generators[1].name
    assert audit[team.username]["suspect"] is None
