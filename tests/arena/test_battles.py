from __future__ import annotations

from collections import Counter

from arena.models import Battle, Prompt
from arena.services import battle_assign_next, battle_create, battles_refill
from generation.models import Generation
from tests.conftest import make_generator


def test_battles_refill_fills_each_category_to_the_buffer(
    category, prompt, generators, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = battles_refill(buffer=3)
    assert created == 3
    battles = Battle.objects.all()
    assert [b.status for b in battles] == [Battle.Status.READY] * 3
    for battle in battles:
        assert battle.generator_a != battle.generator_b
        assert battle.generation_a.generator == battle.generator_a
    with django_capture_on_commit_callbacks(execute=True):
        assert battles_refill(buffer=3) == 0


def test_battles_refill_needs_two_enabled_generators(category, prompt, generators):
    generators[1].enabled = False
    generators[1].save()
    assert battles_refill(buffer=2) == 0


def test_battles_refill_never_pairs_an_image_generator_with_a_text_one(
    category, prompt, generators
):
    generators[1].modality = "text"
    generators[1].save()
    assert battles_refill(buffer=2) == 0


def test_a_battle_reuses_outputs_that_already_exist(
    prompt, generators, django_capture_on_commit_callbacks
):
    third = make_generator("Cypress", layout="stripes")
    with django_capture_on_commit_callbacks(execute=True):
        first = battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
        second = battle_create(prompt=prompt, generator_a=generators[0], generator_b=third)
    assert second.generation_a_id == first.generation_a_id
    assert Generation.objects.count() == 3
    second.refresh_from_db()
    assert second.status == Battle.Status.READY


def test_a_failed_generation_fails_its_battle_and_never_reaches_a_voter(
    prompt, generators, voter, django_capture_on_commit_callbacks
):
    broken = make_generator("Broken", fail="permanent")
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(prompt=prompt, generator_a=generators[0], generator_b=broken)
    battle.refresh_from_db()
    assert battle.status == Battle.Status.FAILED
    assert "told to fail" in battle.failure
    # The failure queued a refill of the category with fresh pairs.
    assert Battle.objects.exclude(pk=battle.pk).exists()
    shown = battle_assign_next(voter=voter)
    while shown is not None:
        assert shown.pk != battle.pk
        assert shown.generation_a.status == shown.generation_b.status == Generation.Status.SUCCEEDED
        Battle.objects.filter(pk=shown.pk).update(status=Battle.Status.VOTED)
        shown = battle_assign_next(voter=voter)


def test_a_battle_is_shown_to_one_voter_only(ready_battle, voter, other_voter):
    assert battle_assign_next(voter=voter).pk == ready_battle.pk
    assert battle_assign_next(voter=other_voter) is None


def test_sides_are_drawn_at_random(
    prompt, generators, django_user_model, django_capture_on_commit_callbacks, settings
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 0  # one prompt, shown forty times
    sides = Counter()
    for i in range(40):
        with django_capture_on_commit_callbacks(execute=True):
            battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])
        # The same two outputs every time: a voter would see them only once.
        voter = django_user_model.objects.create_user(f"voter-{i}")
        battle = battle_assign_next(voter=voter)
        sides[battle.left_is_a] += 1
        Battle.objects.filter(pk=battle.pk).update(status=Battle.Status.FAILED)
    # 40 fair coin flips land all on one side with probability 2 * 2**-40.
    assert sides[True] > 0 and sides[False] > 0


def test_inactive_prompts_get_no_new_battles(category, prompt, generators):
    Prompt.objects.update(active=False)
    assert battles_refill(buffer=2) == 0
