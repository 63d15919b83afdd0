"""Matchmaking's hooks in the arena: pair draws, category order, interleaving, no repeats."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from types import SimpleNamespace

import pytest
from django.utils import timezone
from scipy.stats import chisquare

from arena.models import Battle, Category, Prompt
from arena.services import battle_assign_next, battle_create, battles_refill
from arena.services import pairing as hooks
from arena.services.battles import pick_pairs
from tests.conftest import make_generator


@pytest.fixture
def policies():
    """Install test policies; the ratings app's own are put back afterwards."""
    saved = dict(hooks._policies)
    yield hooks.pair_policy_register
    hooks._policies.update(saved)


def _pool(n: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(id=i, modality="image") for i in range(1, n + 1)]


def _pair_counts(category_id, draws: int, n: int = 4) -> Counter:
    pairs = pick_pairs(_pool(n), category_id=category_id, count=draws)
    return Counter(tuple(sorted((a.id, b.id))) for a, b in pairs)


def test_uniform_mode_draws_every_pair_uniformly_whatever_the_policy(settings, policies):
    calls = []
    policies(pairs=lambda **kw: calls.append(kw) or {(1, 2): 1.0}, categories=None)
    settings.ARENA_PAIRING = "uniform"
    counts = _pair_counts(7, 3000)
    assert calls == []
    assert len(counts) == 6
    assert chisquare(list(counts.values())).pvalue > 0.001


def test_active_mode_draws_pairs_by_the_policys_weights(settings, policies):
    weights = {(1, 2): 0.7, (3, 4): 0.2, (1, 3): 0.1}
    policies(pairs=lambda **kw: weights, categories=None)
    settings.ARENA_PAIRING = "active"
    counts = _pair_counts(7, 4000)
    assert set(counts) == set(weights)
    for pair, weight in weights.items():
        assert counts[pair] / 4000 == pytest.approx(weight, abs=0.03)


def test_with_no_policy_or_no_weights_pairs_are_uniform(settings, policies):
    settings.ARENA_PAIRING = "active"
    policies(pairs=None, categories=None)
    assert chisquare(list(_pair_counts(7, 3000).values())).pvalue > 0.001
    policies(pairs=lambda **kw: {}, categories=None)
    assert chisquare(list(_pair_counts(7, 3000).values())).pvalue > 0.001


def test_a_settled_category_gets_only_its_exploration_share(settings, policies):
    settings.ARENA_PAIRING, settings.ARENA_PAIRING_EXPLORATION = "active", 0.1
    policies(pairs=None, categories=lambda **kw: {1: 0.0, 2: 1.0})
    rng = random.Random(3)
    first = Counter(hooks.categories_order([1, 2], rng=rng)[0] for _ in range(6000))
    # 0.1 / 2 of the votes; the binomial standard error is 0.003.
    assert first[1] / 6000 == pytest.approx(0.05, abs=0.012)


def test_undecided_categories_share_votes_by_routing_weight(settings, policies):
    settings.ARENA_PAIRING, settings.ARENA_PAIRING_EXPLORATION = "active", 0.0
    policies(pairs=None, categories=lambda **kw: {1: 3.0, 2: 1.0})
    rng = random.Random(4)
    first = Counter(hooks.categories_order([1, 2], rng=rng)[0] for _ in range(4000))
    assert first[1] / 4000 == pytest.approx(0.75, abs=0.025)


def test_uniform_mode_orders_categories_uniformly(settings, policies):
    settings.ARENA_PAIRING = "uniform"
    policies(pairs=None, categories=lambda **kw: {1: 1.0, 2: 0.0})
    rng = random.Random(5)
    first = Counter(hooks.categories_order([1, 2], rng=rng)[0] for _ in range(4000))
    assert first[1] / 4000 == pytest.approx(0.5, abs=0.025)


def test_the_buffer_is_refilled_with_the_policys_pairs(
    settings, policies, category, generators, django_capture_on_commit_callbacks
):
    third = make_generator("Cobalt")
    Prompt.objects.create(text="A teapot", category=category)
    favoured = tuple(sorted((generators[0].id, third.id)))
    policies(pairs=lambda **kw: {favoured: 1.0}, categories=None)
    settings.ARENA_PAIRING = "active"
    with django_capture_on_commit_callbacks(execute=False):
        battles_refill(category_id=category.id, buffer=6)
    made = {tuple(sorted(p)) for p in Battle.objects.values_list("generator_a", "generator_b")}
    assert made == {favoured}


def _ready(category, generators, text: str, capture) -> Battle:
    prompt = Prompt.objects.create(text=text, category=category)
    with capture(execute=True):
        return battle_create(prompt=prompt, generator_a=generators[0], generator_b=generators[1])


def _done(battle: Battle) -> None:
    Battle.objects.filter(id=battle.id).update(status=Battle.Status.VOTED)


def test_categories_interleave_even_when_one_is_worth_far_more(
    settings, policies, voter, category, generators, django_capture_on_commit_callbacks
):
    other = Category.objects.create(slug="logos", name="Logos")
    for i in range(4):
        _ready(category, generators, f"shot {i}", django_capture_on_commit_callbacks)
        _ready(other, generators, f"logo {i}", django_capture_on_commit_callbacks)
    policies(pairs=None, categories=lambda **kw: {category.id: 1.0, other.id: 0.0})
    settings.ARENA_PAIRING, settings.ARENA_PAIRING_EXPLORATION = "active", 0.0
    seen = []
    for _ in range(8):
        battle = battle_assign_next(voter=voter)
        seen.append(battle.prompt.category_id)
        _done(battle)
    assert all(a != b for a, b in pairwise(seen))


def test_the_only_category_with_battles_is_served_again(
    voter, category, generators, django_capture_on_commit_callbacks
):
    for i in range(2):
        _ready(category, generators, f"shot {i}", django_capture_on_commit_callbacks)
    first = battle_assign_next(voter=voter)
    _done(first)
    assert battle_assign_next(voter=voter).prompt.category_id == category.id


def test_a_prompt_shown_within_the_window_comes_only_after_every_other(
    settings, voter, other_voter, prompt, generators, django_capture_on_commit_callbacks
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 24
    other = Prompt.objects.create(text="Another prompt", category=prompt.category)
    for each in (prompt, prompt, other):  # the other prompt's battle is the newest
        with django_capture_on_commit_callbacks(execute=True):
            battle_create(
                prompt=each, generator_a=generators[0], generator_b=generators[1], fresh=True
            )
    first = battle_assign_next(voter=voter)
    assert first.prompt_id == prompt.id
    _done(first)
    second = battle_assign_next(voter=voter)
    assert second.prompt_id == other.id  # before the older battle of the prompt just seen
    _done(second)
    # Only a recent prompt is left: better a repeat of the prompt than no battle at all.
    assert battle_assign_next(voter=voter).prompt_id == prompt.id
    # Another voter is not affected.
    assert battle_assign_next(voter=other_voter) is None  # every battle is held or voted


def test_a_prompt_comes_back_once_the_window_has_passed(
    settings, voter, prompt, generators, django_capture_on_commit_callbacks
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 24
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            battle_create(
                prompt=prompt, generator_a=generators[0], generator_b=generators[1], fresh=True
            )
    first = battle_assign_next(voter=voter)
    _done(first)
    Battle.objects.filter(id=first.id).update(assigned_at=timezone.now() - timedelta(hours=25))
    assert battle_assign_next(voter=voter).prompt_id == prompt.id


def test_a_window_of_zero_allows_repeats(
    settings, voter, prompt, generators, django_capture_on_commit_callbacks
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 0
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            battle_create(
                prompt=prompt, generator_a=generators[0], generator_b=generators[1], fresh=True
            )
    _done(battle_assign_next(voter=voter))
    assert battle_assign_next(voter=voter).prompt_id == prompt.id


def test_a_voters_own_prompt_is_shown_to_them_again(
    settings, voter, prompt, generators, django_capture_on_commit_callbacks
):
    settings.ARENA_PROMPT_REPEAT_HOURS = 24
    for requested_by in (None, voter):
        with django_capture_on_commit_callbacks(execute=True):
            battle_create(
                prompt=prompt,
                generator_a=generators[0],
                generator_b=generators[1],
                requested_by=requested_by,
            )
    first = battle_assign_next(voter=voter)
    assert first.requested_by_id == voter.id
    _done(first)
    # The shared battle on the same prompt is held back; the voter's own request was not.
    assert battle_assign_next(voter=voter) is None


def test_weights_for_generators_outside_the_pool_fall_back_to_uniform(settings, policies):
    settings.ARENA_PAIRING = "active"
    policies(pairs=lambda **kw: {(98, 99): 1.0, (1, 1): 1.0}, categories=None)
    assert chisquare(list(_pair_counts(7, 3000).values())).pvalue > 0.001
