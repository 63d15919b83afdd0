from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from arena.models import Battle, Vote
from arena.services import BattleNotFound, BattleNotOpen, VoteConflict, VoteError, vote_cast
from arena.signals import vote_recorded


def test_vote_cast_records_the_vote_and_closes_the_battle(shown_battle, voter):
    vote, created, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    assert created
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.VOTED
    expected_left = shown_battle.generator_a if shown_battle.left_is_a else shown_battle.generator_b
    assert vote.shown_left == expected_left
    assert vote.shown_right != vote.shown_left
    assert vote.time_to_vote_ms >= 0


def test_vote_cast_counts_the_same_vote_twice_once(shown_battle, voter):
    first, created_first, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="tie")
    again, created_again, *_ = vote_cast(voter=voter, battle_token=shown_battle.token, choice="tie")
    assert created_first and not created_again
    assert again.pk == first.pk
    assert Vote.objects.count() == 1


def test_vote_cast_rejects_a_different_second_choice(shown_battle, voter):
    vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    with pytest.raises(VoteConflict):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="right")
    assert list(Vote.objects.values_list("choice", flat=True)) == ["left"]


def test_vote_cast_answers_a_pool_battle_as_missing(ready_battle, voter):
    with pytest.raises(BattleNotFound) as error:
        vote_cast(voter=voter, battle_token=ready_battle.token, choice="left")
    assert error.value.status == 404
    assert Vote.objects.count() == 0


def test_vote_cast_rejects_the_voters_battle_once_it_is_not_open(shown_battle, voter):
    Battle.objects.filter(pk=shown_battle.pk).update(status=Battle.Status.FAILED)
    with pytest.raises(BattleNotOpen) as error:
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    assert error.value.status == 409
    assert Vote.objects.count() == 0


def test_vote_cast_answers_an_unknown_battle_as_missing(voter, db):
    for token in (uuid.uuid4(), "not-a-uuid"):
        with pytest.raises(BattleNotFound):
            vote_cast(voter=voter, battle_token=token, choice="left")


def test_vote_cast_hides_another_voters_battle(shown_battle, other_voter):
    with pytest.raises(BattleNotFound):
        vote_cast(voter=other_voter, battle_token=shown_battle.token, choice="left")
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.ASSIGNED


def test_vote_cast_rejects_an_unknown_choice_and_changes_nothing(shown_battle, voter):
    with pytest.raises(VoteError) as error:
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="middle")
    assert error.value.status == 400
    shown_battle.refresh_from_db()
    assert shown_battle.status == Battle.Status.ASSIGNED
    assert Vote.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_votes_by_one_voter_count_once(prompt, generators, voter):
    if connection.vendor != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL (DATABASE_URL); CI runs it there")
    from arena.services import battle_assign_next, battle_create

    battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
    battle = battle_assign_next(voter=voter)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def cast():
        try:
            barrier.wait()
            results.append(vote_cast(voter=voter, battle_token=battle.token, choice="right")[1])
        except Exception as exc:  # collected and asserted below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(map(repr, results)) == sorted(["False", "False", "False", "True"])
    assert Vote.objects.filter(battle=battle).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_votes_sent_at_once_at_the_rate_limit_land_only_one(
    prompt, generators, voter, settings
):
    # The battle on screen and the preloaded one, voted in the same instant with one vote left.
    from datetime import timedelta

    from django.utils import timezone

    from arena.services import RateLimited, battle_create

    settings.ARENA_VOTE_RATE_PER_MINUTE = 3
    battles = []
    for _ in range(4):
        battle = battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
        Battle.objects.filter(pk=battle.pk).update(
            status=Battle.Status.ASSIGNED,
            voter=voter,
            left_is_a=True,
            assigned_at=timezone.now() - timedelta(seconds=6),
            shown_at=timezone.now() - timedelta(seconds=5),
        )
        battles.append(battle)
    for battle in battles[:2]:
        vote_cast(voter=voter, battle_token=battle.token, choice="left")
    for _attempt in range(5):  # threads may not meet: repeat until they did (or often enough)
        results = _at_once(voter, battles[2:])
        assert sorted(type(r).__name__ for r in results) == ["RateLimited", "VoteCast"]
        assert Vote.objects.filter(voter=voter).count() == 3
        assert isinstance(next(r for r in results if not hasattr(r, "vote")), RateLimited)
        # Undo the landed vote and try the race again.
        landed = next(r for r in results if hasattr(r, "vote")).vote
        Battle.objects.filter(pk=landed.battle_id).update(status=Battle.Status.ASSIGNED)
        Vote.objects.filter(pk=landed.pk).delete()


def _at_once(voter, battles) -> list[object]:
    """Vote on each battle from its own thread and connection, all released together."""
    barrier = threading.Barrier(len(battles))
    results: list[object] = []

    def cast(battle):
        try:
            barrier.wait()
            results.append(vote_cast(voter=voter, battle_token=battle.token, choice="left"))
        except Exception as exc:  # collected and asserted by the caller
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(battle,)) for battle in battles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture
def recorded():
    """The vote_recorded signals sent, as (vote_id, category_id)."""
    sent = []

    def listen(sender, *, vote_id, category_id, **kwargs):
        sent.append((vote_id, category_id))

    vote_recorded.connect(listen, dispatch_uid="test.recorded")
    yield sent
    vote_recorded.disconnect(dispatch_uid="test.recorded")


def test_a_new_vote_is_announced_once_after_it_commits_and_a_retry_not_at_all(
    shown_battle, voter, recorded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        vote = vote_cast(voter=voter, battle_token=shown_battle.token, choice="left").vote
        assert recorded == []  # not before the commit
    assert len(callbacks) == 1
    assert recorded == [(vote.id, shown_battle.prompt.category_id)]

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    assert callbacks == [] and recorded == [(vote.id, shown_battle.prompt.category_id)]


def test_a_refused_vote_is_not_announced(
    shown_battle, voter, recorded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(VoteConflict):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="right")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(VoteError):
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="none")
    assert len(recorded) == 1


def test_a_vote_rolled_back_with_its_transaction_is_not_announced(
    shown_battle, voter, recorded, django_capture_on_commit_callbacks
):
    from django.db import transaction

    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
        raise RuntimeError("the request failed after the vote")
    assert recorded == [] and not Vote.objects.exists()


def test_a_vote_through_the_page_takes_five_statements(client, shown_battle, voter):
    """The signed-in user, the voter's lock, the battle with the counts, the close, the insert."""
    client.force_login(voter)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/vote/{shown_battle.token}/", {"choice": "left"}, HTTP_ACCEPT="application/json"
        )
    assert response.status_code == 200 and response.json()["counted"] is True
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 5, statements
    assert "FOR UPDATE" in statements[1] or connection.vendor == "sqlite"
