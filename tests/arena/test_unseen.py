"""A voter never sees the same output twice: claims skip it, and new battles are made."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arena.models import Battle, SeenOutput
from arena.services import NothingUnseen, battle_assign_next, battle_create, battle_hold_next
from arena.services.unseen import outputs_mark_seen
from generation.models import Generator


@pytest.fixture
def twin_battles(prompt, generators, django_capture_on_commit_callbacks):
    """Two ready battles on one prompt and pair: the same two reused outputs."""
    with django_capture_on_commit_callbacks(execute=True):
        first = battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
        second = battle_create(prompt=prompt, generator_a=generators[1], generator_b=generators[0])
    assert {first.generation_a_id, first.generation_b_id} == {
        second.generation_a_id,
        second.generation_b_id,
    }
    return first, second


def _outputs(battle: Battle) -> set[int]:
    return {battle.generation_a_id, battle.generation_b_id}


def test_a_battle_with_an_output_the_voter_saw_goes_to_another_voter(
    twin_battles, voter, other_voter, django_capture_on_commit_callbacks
):
    shown = battle_assign_next(voter=voter)
    Battle.objects.filter(id=shown.id).update(status=Battle.Status.VOTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert battle_assign_next(voter=voter) is None  # being made; the page says so
    again = battle_assign_next(voter=voter)
    assert again is not None and not _outputs(again) & _outputs(shown)
    assert battle_assign_next(voter=other_voter).id in {b.id for b in twin_battles}


def test_when_every_open_battle_was_seen_a_new_variant_gets_a_new_seed(
    twin_battles, voter, django_capture_on_commit_callbacks
):
    # One prompt, one pair: the only way to something unseen is to generate again.
    shown = battle_assign_next(voter=voter)
    with django_capture_on_commit_callbacks(execute=True):
        assert battle_hold_next(voter=voter) is None
    held = battle_hold_next(voter=voter)
    assert held is not None and held.id not in {b.id for b in twin_battles}
    assert not _outputs(held) & _outputs(shown)
    held.refresh_from_db()
    for generation in (held.generation_a, held.generation_b):
        assert generation.reusable and generation.variant == 1
        assert isinstance(generation.parameters["seed"], int)
    assert held.generation_a.file.name != shown.generation_a.file.name
    assert SeenOutput.objects.filter(voter=voter).count() == 4


def test_the_held_next_battle_never_repeats_the_one_on_screen(
    make_ready_battles, voter, django_capture_on_commit_callbacks
):
    make_ready_battles(3)
    seen: set[int] = set()
    for _ in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            battle = battle_assign_next(voter=voter)
        battle = battle or battle_assign_next(voter=voter)
        assert not _outputs(battle) & seen
        seen |= _outputs(battle)
        Battle.objects.filter(id=battle.id).update(status=Battle.Status.VOTED)


def test_when_nothing_new_can_be_made_the_voter_is_told_plainly(twin_battles, voter, voter_client):
    battle_assign_next(voter=voter)
    Battle.objects.filter(voter=voter).update(status=Battle.Status.VOTED)
    Generator.objects.update(enabled=False)
    with pytest.raises(NothingUnseen):
        battle_assign_next(voter=voter)
    response = voter_client.get(reverse("arena:vote"))
    assert response.status_code == 409
    assert "You have seen every output" in response.content.decode()
    prefetch = voter_client.post(reverse("arena:prefetch"), HTTP_ACCEPT="application/json")
    assert prefetch.json() == {"battle": None}


def test_two_claims_racing_for_battles_that_share_an_output_keep_one(twin_battles, voter):
    first, second = twin_battles
    assert outputs_mark_seen(voter=voter, battle_id=first.id)
    assert outputs_mark_seen(voter=voter, battle_id=first.id)  # the same battle again is fine
    assert not outputs_mark_seen(voter=voter, battle_id=second.id)


def test_a_battle_lost_to_such_a_race_goes_back_to_the_pool(twin_battles, voter, other_voter):
    first, second = twin_battles
    # The voter's other request marked the outputs as seen with the first battle.
    outputs_mark_seen(voter=voter, battle_id=first.id)
    Battle.objects.filter(id=first.id).update(status=Battle.Status.FAILED)
    from arena.services.claims import _claim_from

    assert _claim_from(Battle.objects.filter(id=second.id), voter=voter, show=True) is None
    second.refresh_from_db()
    assert second.status == Battle.Status.READY and second.voter is None
    assert not SeenOutput.objects.filter(voter=voter, battle=second).exists()
    assert battle_assign_next(voter=other_voter).id == second.id


def test_a_variant_made_for_one_voter_serves_the_next_without_generating_again(
    twin_battles, voter, other_voter, django_capture_on_commit_callbacks
):
    from arena.services.unseen import battle_create_unseen
    from generation.models import Generation

    first, second = twin_battles
    assert outputs_mark_seen(voter=voter, battle_id=first.id)  # both voters saw the two
    assert outputs_mark_seen(voter=other_voter, battle_id=second.id)
    with django_capture_on_commit_callbacks(execute=True):
        mine = battle_create_unseen(voter=voter)
    assert battle_assign_next(voter=voter) == mine  # made, then claimed by its voter
    made = Generation.objects.count()
    theirs = battle_create_unseen(voter=other_voter)
    assert mine.id != theirs.id and _outputs(mine) == _outputs(theirs)
    assert Generation.objects.count() == made  # nothing generated for the second voter
    assert set(
        Generation.objects.filter(id__in=_outputs(mine)).values_list("variant", flat=True)
    ) == {1}
    theirs.refresh_from_db()
    assert theirs.status == Battle.Status.READY  # at once: its outputs were there


def test_battles_are_made_ahead_of_a_voter_who_has_seen_the_pool(
    twin_battles, voter, django_capture_on_commit_callbacks
):
    from arena.services.unseen import battles_ahead, unseen_by

    shown = battle_assign_next(voter=voter)
    Battle.objects.filter(id=shown.id).update(status=Battle.Status.VOTED)
    with django_capture_on_commit_callbacks(execute=True):
        assert battles_ahead(voter=voter, count=2) == 2
    ahead = set(
        Battle.objects.filter(unseen_by(voter), status=Battle.Status.READY).values_list(
            "id", flat=True
        )
    )
    assert len(ahead) == 2
    assert battles_ahead(voter=voter, count=2) == 0  # enough on their way already
    claimed = battle_assign_next(voter=voter)
    assert claimed is not None and claimed.id in ahead


def test_finished_outputs_make_a_battle_at_once_though_another_is_on_its_way(
    twin_battles, voter, other_voter, prompt, generators, django_user_model
):
    from arena.services.unseen import battle_create_unseen

    third = django_user_model.objects.create_user(username="third", password="third-pass-123")
    battle_assign_next(voter=other_voter)  # both twins claimed: their outputs are in no open one
    battle_assign_next(voter=third)
    pending = battle_create(
        prompt=prompt, generator_a=generators[0], generator_b=generators[1], variants=(5, 5)
    )
    assert pending.status == Battle.Status.PENDING  # its outputs are still to be made
    made = battle_create_unseen(voter=voter)
    assert made is not None and made.id != pending.id
    made.refresh_from_db()
    assert made.status == Battle.Status.READY
    assert _outputs(made) == _outputs(twin_battles[0])
