from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from arena.models import Battle, Category, Prompt
from arena.selectors import battle_card, category_guess
from arena.services import (
    NoPairAvailable,
    PromptError,
    battle_create,
    battles_refill,
    edit_prompt_create,
    voter_battle_start,
)
from generation.models import Generation
from generation.services import params_hash, prompt_params_hash
from generation.sources import SOURCE_DIR, source_hash
from tests.conftest import make_generator, source_png


def stored_sources() -> list[str]:
    if not default_storage.exists(SOURCE_DIR):
        return []
    return default_storage.listdir(SOURCE_DIR)[1]


def test_an_edit_prompt_keeps_its_instruction_and_a_hash_named_source(edit_prompt):
    assert edit_prompt.kind == "edit"
    assert edit_prompt.source_image == f"sources/{source_hash(edit_prompt.source_image)}.png"
    assert edit_prompt.source_mask == ""


def test_an_edit_prompt_belongs_in_an_edit_category(category):
    with pytest.raises(PromptError, match="not an edit category"):
        edit_prompt_create(text="Make it blue", category=category, image=source_png())


def test_an_edit_battle_runs_the_editors_edit_with_their_edit_parameters(ready_edit_battle):
    careful, careless = ready_edit_battle.generation_a, ready_edit_battle.generation_b
    assert careful.parameters == {"size": 64, "layout": "centered", "fidelity": 1.0}
    assert careful.params_hash == prompt_params_hash(ready_edit_battle.prompt, careful.generator)
    assert careful.params_hash != params_hash(careful.generator)
    for generation in (careful, careless):
        assert generation.model_version == "builtin-edit-1"
        with default_storage.open(generation.file.name) as stored:
            assert Image.open(stored).size == (96, 64)  # the source's size, not ``size``


def test_the_same_prompt_text_as_an_edit_and_a_generation_never_share_an_output(
    edit_prompt, editors, category, django_capture_on_commit_callbacks
):
    plain = Prompt.objects.create(text=edit_prompt.text, category=category)
    with django_capture_on_commit_callbacks(execute=True):
        battle_create(prompt=plain, generator_a=editors[0], generator_b=make_generator("Plain"))
        battle_create(prompt=edit_prompt, generator_a=editors[0], generator_b=editors[1])
    outputs = Generation.objects.filter(generator=editors[0]).values_list("file", flat=True)
    assert len(set(outputs)) == 2


def test_a_battle_refuses_a_generator_that_cannot_do_its_kind(edit_prompt, editors, generators):
    with pytest.raises(ValueError, match="able to edit"):
        battle_create(prompt=edit_prompt, generator_a=editors[0], generator_b=generators[0])


def test_refill_pairs_only_editors_for_an_edit_category_and_never_for_a_generation_one(
    edit_prompt, editors, generators, prompt, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        battles_refill(buffer=6)
    edit_battles = Battle.objects.filter(prompt__category=edit_prompt.category)
    plain_battles = Battle.objects.filter(prompt__category=prompt.category)
    assert edit_battles.count() == 6 and plain_battles.count() == 6
    editor_ids = {g.id for g in editors}
    for battle in edit_battles:
        assert {battle.generator_a_id, battle.generator_b_id} == editor_ids
        assert battle.prompt_id == edit_prompt.id
    careless = editors[1]  # edit only
    assert not plain_battles.filter(generator_a=careless).exists()
    assert not plain_battles.filter(generator_b=careless).exists()


def test_refill_skips_an_edit_category_with_one_editor_and_still_fills_the_others(
    edit_prompt, editors, generators, prompt, django_capture_on_commit_callbacks
):
    editors[1].enabled = False
    editors[1].save()
    with django_capture_on_commit_callbacks(execute=True):
        battles_refill(buffer=2)
    assert not Battle.objects.filter(prompt__category=edit_prompt.category).exists()
    assert Battle.objects.filter(prompt__category=prompt.category).count() == 2


def test_the_card_of_an_edit_battle_carries_the_source_address_and_nothing_of_a_model(
    ready_edit_battle, voter
):
    ready_edit_battle.left_is_a = True
    card = battle_card(ready_edit_battle)
    assert card["kind"] == "edit"
    assert (
        card["source"] == f"/media/sources/{source_hash(ready_edit_battle.prompt.source_image)}.png"
    )
    text = str(card).lower()
    for generator in (ready_edit_battle.generator_a, ready_edit_battle.generator_b):
        assert generator.name.lower() not in text and generator.slug not in text


def test_a_voters_edit_starts_a_battle_kept_for_them_in_the_nearest_edit_category(
    voter, editors, edit_category, category, django_capture_on_commit_callbacks
):
    Category.objects.create(slug="text-edit", name="Text edits", kind="edit",
                            description="Change the words on a label, sign or poster.")  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        battle = voter_battle_start(
            voter=voter, text="Swap the background for a studio backdrop",
            image=source_png(), mask=None, category=None,
        )  # fmt: skip
    prompt = battle.prompt
    assert prompt.category == edit_category
    assert (prompt.source, prompt.active, prompt.created_by) == ("voter", False, voter)
    assert battle.requested_by == voter
    assert Battle.objects.get(id=battle.id).status == Battle.Status.READY


def test_a_file_that_is_not_a_picture_stores_nothing_and_costs_no_allowance(
    voter, editors, edit_category, settings
):
    settings.ARENA_PROMPT_RATE_PER_HOUR = 1
    before = stored_sources()
    with pytest.raises(PromptError, match="could not be decoded"):
        voter_battle_start(
            voter=voter, text="x", image=b"GIF89a not really", mask=None, category=None
        )
    assert not Prompt.objects.exists() and not Battle.objects.exists()
    assert stored_sources() == before
    voter_battle_start(voter=voter, text="x", image=source_png(), mask=None, category=None)


def test_a_voters_edit_needs_two_editors_and_an_edit_category(voter, generators, category):
    with pytest.raises(NoPairAvailable, match="can edit"):
        voter_battle_start(voter=voter, text="x", image=source_png(), mask=None, category=None)
    with pytest.raises(PromptError, match="not an edit category"):
        voter_battle_start(voter=voter, text="x", image=source_png(), mask=None, category=category)


def test_a_mask_is_stored_beside_its_source(voter, editors, edit_category):
    mask = io.BytesIO()
    Image.new("L", (96, 64), 255).save(mask, format="PNG")
    battle = voter_battle_start(
        voter=voter, text="x", image=source_png(), mask=mask.getvalue(), category=edit_category
    )
    assert battle.prompt.source_mask.startswith("sources/")
    with default_storage.open(battle.prompt.source_mask) as stored:
        assert Image.open(stored).getchannel("A").getextrema() == (0, 0)


def test_typed_prompts_are_never_classified_into_an_edit_category(edit_category, prompt):
    category = prompt.category
    assert category_guess("Replace the background behind a handbag") == category
    assert category_guess("Replace the background", kind="edit") == edit_category


def test_every_edit_comes_out_at_the_sources_size_whatever_its_provider_answers(
    edit_prompt, editors, django_capture_on_commit_callbacks
):
    small = editors[1]
    small.edit_parameters = {**small.edit_parameters, "max_size": 64}  # answers 64 x 43
    small.save()
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(prompt=edit_prompt, generator_a=editors[0], generator_b=small)
    for generation in (battle.generation_a, battle.generation_b):
        generation.refresh_from_db()
        with default_storage.open(generation.file.name) as stored:
            assert Image.open(stored).size == (96, 64)


def test_a_prompt_given_another_picture_never_reuses_an_edit_of_the_old_one(
    ready_edit_battle, editors, django_capture_on_commit_callbacks
):
    prompt = ready_edit_battle.prompt
    old = ready_edit_battle.generation_a
    prompt.source_image = edit_prompt_create(
        text="another", category=prompt.category, image=source_png(colour="#204080")
    ).source_image
    prompt.save()
    with django_capture_on_commit_callbacks(execute=True):
        battle = battle_create(prompt=prompt, generator_a=editors[0], generator_b=editors[1])
    assert battle.generation_a_id != old.id
    battle.generation_a.refresh_from_db()
    assert battle.generation_a.file.name != old.file.name
