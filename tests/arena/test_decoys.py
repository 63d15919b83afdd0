from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arena.models import Battle, DecoyCheck, Prompt, SeenOutput, Vote, VoterStanding
from arena.services import (
    VoteConflict,
    battle_assign_next,
    battle_create,
    battles_refill,
    edit_prompt_create,
    vote_cast,
)
from arena.services import battles as battles_service
from arena.services.decoys import decoy_extra_chance, decoy_passed, decoy_rate
from arena.signals import vote_recorded
from generation.models import Generation
from tests.conftest import source_png


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(battles_service, "_rng", random.Random(20261207))


@pytest.fixture
def other_prompt(category):
    return Prompt.objects.create(text="A blue teapot on a wooden table", category=category)


@pytest.fixture
def off_prompt_output(other_prompt, generators, django_capture_on_commit_callbacks):
    """Generator b's finished output for another prompt of the category."""
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(
            prompt=other_prompt, generator_a=generators[0], generator_b=generators[1]
        )
    return Generation.objects.get(id=battle.generation_b_id)


@pytest.fixture
def decoy_battle(prompt, generators, off_prompt_output, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(
            prompt=prompt, generator_a=generators[0], generator_b=generators[1],
            decoy=off_prompt_output,
        )  # fmt: skip
    battle.refresh_from_db()
    assert battle.status == Battle.Status.READY and battle.decoy
    return battle


@pytest.fixture
def shown_decoy(decoy_battle, voter, other_prompt):
    # The off-prompt output's own battle is in the pool too; the voter is given the decoy.
    Battle.objects.exclude(id=decoy_battle.id).update(status=Battle.Status.FAILED)
    battle = battle_assign_next(voter=voter)
    assert battle.pk == decoy_battle.pk
    return battle


def _off_prompt_side(battle: Battle) -> str:
    return "right" if battle.left_is_a else "left"


def _on_prompt_side(battle: Battle) -> str:
    return "left" if battle.left_is_a else "right"


def test_refill_makes_decoys_at_the_decoy_rate(
    category, ready_battle, other_prompt, off_prompt_output, generators, settings, seeded
):
    # Both prompts have finished outputs of both generators: every draw can be a decoy.
    settings.ARENA_DECOY_RATE = 0.3
    Battle.objects.all().delete()
    made = 300
    assert battles_refill(category_id=category.id, buffer=made) == made
    decoys = Battle.objects.filter(decoy=True).count()
    # Binomial(300, 0.3): mean 90, standard deviation 7.9; four of them either side.
    assert 58 <= decoys <= 122
    for battle in Battle.objects.filter(decoy=True).select_related("generation_b"):
        assert battle.generation_b.prompt_id != battle.prompt_id
        assert battle.generation_b.prompt.category_id == battle.prompt.category_id
        assert battle.generation_b.generator_id == battle.generator_b_id
        assert battle.generator_a_id != battle.generator_b_id
        assert battle.generation_a.prompt_id == battle.prompt_id


def test_refill_makes_no_decoy_at_rate_zero(
    category, prompt, other_prompt, off_prompt_output, settings, seeded
):
    settings.ARENA_DECOY_RATE = 0.0
    battles_refill(category_id=category.id, buffer=40)
    assert not Battle.objects.filter(decoy=True).exists()


def test_no_decoy_is_made_in_a_category_with_one_prompt(
    category, prompt, generators, settings, seeded, django_capture_on_commit_callbacks
):
    settings.ARENA_DECOY_RATE = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        assert battles_refill(category_id=category.id, buffer=3) == 3
    assert Battle.objects.count() == 3
    assert not Battle.objects.filter(decoy=True).exists()
    assert Battle.objects.filter(status=Battle.Status.READY).count() == 3


def test_an_edit_decoy_is_another_instruction_on_the_same_source(
    edit_category, editors, settings, seeded, django_capture_on_commit_callbacks
):
    beach = edit_prompt_create(text="Make it a beach", category=edit_category, image=source_png())
    snow = edit_prompt_create(text="Make it snow", category=edit_category, image=source_png())
    elsewhere = edit_prompt_create(
        text="Make it a beach", category=edit_category, image=source_png(colour="#303030")
    )
    settings.ARENA_DECOY_RATE = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        for prompt in (snow, elsewhere):
            battle_create(prompt=prompt, generator_a=editors[0], generator_b=editors[1])
    settings.ARENA_DECOY_RATE = 1.0
    Prompt.objects.exclude(id=beach.id).update(active=False)
    Prompt.objects.filter(id=snow.id).update(active=True)
    battles_refill(category_id=edit_category.id, buffer=8)
    decoys = Battle.objects.filter(decoy=True, prompt=beach).select_related("generation_b")
    assert decoys.exists()
    assert {d.generation_b.prompt_id for d in decoys} == {snow.id}


def test_no_edit_decoy_without_another_instruction_on_the_source(
    edit_category, editors, settings, seeded, django_capture_on_commit_callbacks
):
    beach = edit_prompt_create(text="Make it a beach", category=edit_category, image=source_png())
    other = edit_prompt_create(
        text="Make it snow", category=edit_category, image=source_png(colour="#303030")
    )
    with django_capture_on_commit_callbacks(execute=True):
        battle_create(prompt=other, generator_a=editors[0], generator_b=editors[1])
    settings.ARENA_DECOY_RATE = 1.0
    with django_capture_on_commit_callbacks(execute=True):
        battle_create(prompt=beach, generator_a=editors[0], generator_b=editors[1])
    Battle.objects.update(status=Battle.Status.FAILED)
    # Each source has one instruction: outputs of the other source are never a decoy's.
    assert battles_refill(category_id=edit_category.id, buffer=6) == 6
    assert not Battle.objects.filter(decoy=True).exists()


def test_a_decoys_vote_records_a_decoy_check_and_no_vote(shown_decoy, voter):
    sent = []

    def receive(**kwargs):
        sent.append(kwargs)

    vote_recorded.connect(receive)
    try:
        cast = vote_cast(
            voter=voter, battle_token=shown_decoy.token, choice=_on_prompt_side(shown_decoy)
        )
    finally:
        vote_recorded.disconnect(receive)
    assert cast.created
    assert not Vote.objects.exists()
    assert not sent
    check = DecoyCheck.objects.get()
    assert (check.battle_id, check.voter_id, check.passed) == (shown_decoy.id, voter.id, True)
    assert check.time_to_vote_ms is not None
    shown_decoy.refresh_from_db()
    assert shown_decoy.status == Battle.Status.VOTED
    assert cast.reveal["decoy"] is True and cast.reveal["decoy_passed"] is True


def test_a_decoys_vote_counts_once_and_refuses_another_choice(shown_decoy, voter):
    first = vote_cast(voter=voter, battle_token=shown_decoy.token, choice="both_bad")
    again = vote_cast(voter=voter, battle_token=shown_decoy.token, choice="both_bad")
    assert first.created and not again.created
    assert again.vote.pk == first.vote.pk
    with pytest.raises(VoteConflict):
        vote_cast(voter=voter, battle_token=shown_decoy.token, choice="tie")
    assert DecoyCheck.objects.count() == 1 and not Vote.objects.exists()


@pytest.mark.parametrize(
    ("left_is_a", "choice", "passed"),
    [
        (True, "left", True),  # the prompt's own output, on the left
        (True, "right", False),  # the off-prompt output
        (False, "right", True),
        (False, "left", False),
        (True, "tie", False),
        (False, "tie", False),
        (True, "both_bad", True),
        (False, "both_bad", True),
    ],
)
def test_a_decoy_passes_unless_the_off_prompt_side_or_a_tie_is_chosen(left_is_a, choice, passed):
    assert decoy_passed(choice=choice, left_is_a=left_is_a) is passed


def test_a_decoy_chosen_off_prompt_fails(shown_decoy, voter):
    vote_cast(voter=voter, battle_token=shown_decoy.token, choice=_off_prompt_side(shown_decoy))
    assert DecoyCheck.objects.get().passed is False


def test_the_reveal_says_it_was_an_attention_check(shown_decoy, voter_client):
    url = f"/vote/{shown_decoy.token}/"
    off = _off_prompt_side(shown_decoy)
    answer = voter_client.post(
        url, {"choice": off, "images_loaded": "1"}, HTTP_ACCEPT="application/json"
    )
    assert answer.status_code == 200
    reveal = answer.json()["reveal"]
    assert reveal["decoy"] is True and reveal["decoy_passed"] is False
    assert reveal["decoy_side"] == off
    assert reveal["decoy_message"].startswith(
        f"This was an attention check: the output by {reveal[off]} was made for another prompt"
    )
    assert "Not passed" in reveal["decoy_message"]
    assert reveal["left"] and reveal["right"]  # both models are named, as after any vote
    page = voter_client.get(url).content.decode()
    assert "This was an attention check" in page
    assert 'id="decoy-note" role="status">' in page  # shown, not hidden


def test_a_normal_battles_reveal_says_nothing_of_decoys(shown_battle, voter_client):
    url = f"/vote/{shown_battle.token}/"
    answer = voter_client.post(url, {"choice": "left"}, HTTP_ACCEPT="application/json")
    assert "decoy" not in answer.json()["reveal"]
    assert Vote.objects.count() == 1 and not DecoyCheck.objects.exists()
    page = voter_client.get(url).content.decode()
    assert 'id="decoy-note" role="status" hidden>' in page


def test_a_decoy_never_shows_an_output_the_voter_has_seen(
    decoy_battle, voter, other_prompt, django_capture_on_commit_callbacks
):
    # The voter judges the off-prompt output's own battle first: the decoy is never theirs.
    own = Battle.objects.exclude(id=decoy_battle.id).get()
    Battle.objects.filter(id=decoy_battle.id).update(status=Battle.Status.PENDING)
    assert battle_assign_next(voter=voter).pk == own.pk
    vote_cast(voter=voter, battle_token=own.token, choice="left")
    Battle.objects.filter(id=decoy_battle.id).update(status=Battle.Status.READY)
    with django_capture_on_commit_callbacks(execute=False):
        given = battle_assign_next(voter=voter)
    assert given is None or given.pk != decoy_battle.pk
    assert Battle.objects.get(id=decoy_battle.id).voter_id is None


def test_a_normal_vote_pays_no_query_for_decoys(shown_battle, voter):
    with CaptureQueriesContext(connection) as queries:
        vote_cast(voter=voter, battle_token=shown_battle.token, choice="left")
    statements = [q["sql"].lower() for q in queries.captured_queries]
    assert not any("decoycheck" in sql for sql in statements)
    # The voter's lock, the one read of the battle, the close, the insert.
    assert len([s for s in statements if not s.startswith(("savepoint", "release"))]) == 4


def test_a_new_voter_is_given_a_decoy_made_for_their_claim(
    ready_battle, other_prompt, off_prompt_output, voter, settings, seeded
):
    # The pool holds two plain battles; at a new voter's rate of 1 the claim makes a decoy.
    settings.ARENA_DECOY_RATE_NEW = 1.0
    given = battle_assign_next(voter=voter)
    assert given.decoy and given.voter_id == voter.id and given.shown_at is not None
    assert given.generation_a.prompt_id == given.prompt_id
    assert given.generation_b.prompt_id != given.prompt_id
    assert given.generation_b.prompt.category_id == given.prompt.category_id
    assert given.generation_a.generator_id == given.generator_a_id != given.generator_b_id
    # Nothing was generated for it: both outputs existed, and the voter had seen neither.
    assert Generation.objects.count() == 4
    seen = SeenOutput.objects.filter(voter=voter, battle=given)
    assert seen.count() == 2


def test_no_decoy_is_made_for_a_claim_without_a_second_prompt(
    ready_battle, voter, settings, seeded
):
    settings.ARENA_DECOY_RATE_NEW = 1.0
    given = battle_assign_next(voter=voter)
    assert given.pk == ready_battle.pk and not given.decoy
    assert Battle.objects.count() == 1


def test_a_voters_decoy_rate_is_higher_while_new_and_while_in_doubt(shown_decoy, voter, settings):
    settings.ARENA_DECOY_RATE = 0.03
    settings.ARENA_DECOY_RATE_NEW, settings.ARENA_DECOY_NEW_VOTES = 0.25, 1
    settings.ARENA_DECOY_RATE_DOUBT = 0.6
    assert decoy_rate(voter) == 0.25  # no vote yet
    assert decoy_extra_chance(voter) == pytest.approx((0.25 - 0.03) / 0.97)
    vote_cast(voter=voter, battle_token=shown_decoy.token, choice=_off_prompt_side(shown_decoy))
    # A decoy is no vote; one failed of one is above what an attentive voter fails.
    assert decoy_rate(voter) == 0.6
    DecoyCheck.objects.update(passed=True)
    assert decoy_rate(voter) == 0.25
    settings.ARENA_DECOY_NEW_VOTES = 0
    assert decoy_rate(voter) == 0.03
    settings.ARENA_DECOY_RATE_NEW = settings.ARENA_DECOY_RATE_DOUBT = 0.0
    assert decoy_extra_chance(voter) == 0.0


def test_a_voter_suspected_of_promoting_gets_decoys_against_that_generator(
    ready_battle, other_prompt, off_prompt_output, voter, generators, settings, seeded
):
    settings.ARENA_DECOY_RATE_DOUBT = 1.0
    assert decoy_rate(voter) == 0.0
    VoterStanding.objects.create(voter=voter, suspect=generators[0])
    assert decoy_rate(voter) == 1.0
    given = battle_assign_next(voter=voter)
    # The suspected generator's output is the one made for another prompt.
    assert given.decoy and given.generator_b_id == generators[0].id
    assert given.generation_b.prompt_id != given.prompt_id
