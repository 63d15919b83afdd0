"""Matchmaking read from real snapshots: settled, deciding, placement, the vote plan."""

from __future__ import annotations

import io
import json
import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command

from arena.models import Category
from generation.models import Generator
from ratings import pairing
from ratings.pairing import category_worth, pair_plan, pair_weights
from ratings.route_decision import category_decision
from ratings.selectors import snapshot_latest
from ratings.services.recompute import leaderboard_recompute
from tests.conftest import make_generator
from tests.ratings.conftest import import_lines


def _ids(category: Category) -> list[int]:
    return [row.generator_id for row in snapshot_latest(category=category).rows.all()]


def _category(slug: str) -> Category:
    return Category.objects.get(slug=slug)


def _settled(category: Category) -> bool:
    """Settled as the matchmaker asks it: a vote there is worth nothing more."""
    return category_worth(category_ids=[category.id])[category.id] == 0.0


def _pair_chances(weights: dict) -> dict:
    total = sum(weights.values())
    return {pair: w / total for pair, w in weights.items()}


@pytest.mark.django_db
def test_a_clear_winner_settles_its_category_and_gets_uniform_pairs(boards):
    logos = _category("logos")
    assert _settled(logos)
    assert pair_weights(category_id=logos.id, generator_ids=_ids(logos)) == {}
    assert category_worth(category_ids=[logos.id])[logos.id] == 0.0


@pytest.mark.django_db
def test_a_thin_category_is_deciding_and_keeps_the_exploration_floor(boards, settings):
    settings.ARENA_PAIRING_EXPLORATION = 0.1
    thin = _category("thin")
    assert not _settled(thin)
    chances = _pair_chances(pair_weights(category_id=thin.id, generator_ids=_ids(thin)))
    assert len(chances) == 6
    assert min(chances.values()) >= 0.1 / 6 - 1e-9
    assert category_worth(category_ids=[thin.id])[thin.id] > 0.0


@pytest.mark.django_db
def test_a_category_with_no_snapshot_draws_uniformly_and_is_worth_its_weight(db, generators):
    fresh = Category.objects.create(slug="new", name="New", routing_weight=2.5)
    ids = [g.id for g in generators]
    assert pair_weights(category_id=fresh.id, generator_ids=ids) == {}
    assert category_worth(category_ids=[fresh.id]) == {fresh.id: 2.5}


@pytest.mark.django_db
def test_a_new_generator_gets_placement_battles_and_reopens_a_settled_category(boards, settings):
    settings.ARENA_PAIRING_EXPLORATION = 0.1
    logos = _category("logos")
    newcomer = make_generator("Newcomer")
    ids = [*_ids(logos), newcomer.id]
    assert category_worth(category_ids=[logos.id])[logos.id] > 0.0
    plan = pair_plan(pairing._latest_state(logos), ids)
    assert plan.placing == [newcomer.id]
    chances = _pair_chances(pair_weights(category_id=logos.id, generator_ids=ids))
    placing = sum(c for pair, c in chances.items() if newcomer.id in pair)
    # Half the steered votes place it, plus its share of exploration (4 of 10 pairs).
    assert placing == pytest.approx(0.9 * 0.5 + 0.1 * 4 / 10, abs=1e-6)


@pytest.mark.django_db
def test_placement_ends_once_the_newcomer_has_been_placed(boards):
    logos = _category("logos")
    leaderboard_recompute(category=logos)
    plan = pair_plan(pairing._latest_state(logos), _ids(logos))
    assert plan.placing == []


# The fixture's votes are one a second from this moment on, in each category.
FIRST_VOTE = datetime(2026, 1, 1, tzinfo=UTC)


def _changed(name: str, *, at: datetime | None = None) -> Generator:
    generator = Generator.objects.get(name=name)
    generator.model_id = f"{generator.model_id}-v2"
    generator.save()
    if at is not None:
        Generator.objects.filter(id=generator.id).update(changed_at=at)
    generator.refresh_from_db()
    return generator


@pytest.mark.django_db
def test_a_changed_generator_gets_placement_battles_and_reopens_a_settled_category(
    boards, settings
):
    settings.ARENA_PAIRING_EXPLORATION = 0.1
    Generator.objects.update(enabled=True)  # imported ones start disabled
    logos = _category("logos")
    assert category_worth(category_ids=[logos.id])[logos.id] == 0.0
    changed = _changed("seedream-4")
    ids = _ids(logos)
    assert category_worth(category_ids=[logos.id])[logos.id] > 0.0
    chances = _pair_chances(pair_weights(category_id=logos.id, generator_ids=ids))
    placing = sum(c for pair, c in chances.items() if changed.id in pair)
    assert pair_plan(pairing._latest_state(logos), ids, {changed.id: 0}).placing == [changed.id]
    # Half the steered votes place it, plus its share of exploration (3 of 6 pairs), plus
    # whatever the decision rule gives its pairs.
    assert placing >= 0.9 * 0.5 + 0.1 * 3 / 6 - 1e-9


@pytest.mark.django_db
def test_a_change_long_before_most_votes_needs_no_placement(boards):
    Generator.objects.update(enabled=True)
    logos = _category("logos")
    _changed("seedream-4", at=FIRST_VOTE + timedelta(seconds=100))
    assert category_worth(category_ids=[logos.id])[logos.id] == 0.0
    assert pair_weights(category_id=logos.id, generator_ids=_ids(logos)) == {}


@pytest.mark.django_db
def test_the_vote_plan_shows_a_changed_generator_being_placed(boards):
    Generator.objects.update(enabled=True)
    _changed("seedream-4")
    out = io.StringIO()
    call_command("vote_plan", "--json", stdout=out)
    logos = next(p for p in json.loads(out.getvalue()) if p["category"] == "logos")
    assert logos["state"] == "deciding"
    assert logos["placing"] == ["seedream-4"]
    assert logos["reason"] == "changed since their votes here, being placed again: seedream-4"


@pytest.mark.django_db
def test_a_changed_generator_with_few_votes_since_is_still_being_placed(boards):
    logos = _category("logos")
    changed = _changed("seedream-4", at=FIRST_VOTE + timedelta(seconds=550))
    state = pairing._latest_state(logos)
    since = pairing.votes_since_change(
        snapshot=snapshot_latest(category=logos), changed={changed.id: changed.changed_at}
    )
    assert 0 < since[changed.id] < 50
    assert pair_plan(state, _ids(logos), since).placing == [changed.id]


@pytest.mark.django_db
def test_renaming_a_generator_is_no_change_to_matchmaking(boards):
    Generator.objects.update(enabled=True)
    logos = _category("logos")
    generator = Generator.objects.get(name="seedream-4")
    generator.name = "Seedream Four"
    generator.save()
    assert category_worth(category_ids=[logos.id])[logos.id] == 0.0


@pytest.mark.django_db
def test_a_deciding_category_favours_its_top_pair(boards, tmp_path):
    category = _close_board(tmp_path)
    assert not _settled(category)
    names = dict(Generator.objects.values_list("id", "name"))
    chances = _pair_chances(pair_weights(category_id=category.id, generator_ids=_ids(category)))
    top = max(chances, key=chances.get)
    assert {names[g] for g in top} == {"a", "b"}
    assert chances[top] > 0.5


def _close_board(tmp_path) -> Category:
    close = {"a": 0.4, "b": 0.3, "c": -1.0, "d": -1.5}
    lines = []
    rng = random.Random(3)
    for i in range(300):
        x, y = rng.sample(sorted(close), 2)
        p = 1 / (1 + math.exp(close[y] - close[x]))
        winner = "model_a" if rng.random() < p else "model_b"
        lines.append({"model_a": x, "model_b": y, "winner": winner, "category": "close",
                      "tstamp": 1767225600 + i, "question_id": f"close-{i}"})  # fmt: skip
    import_lines(tmp_path, lines)
    return _category("close")


@pytest.mark.django_db
def test_the_votes_short_agree_with_the_routes_own_rule(boards, tmp_path):
    for slug in ("logos", "people"):
        category = _category(slug)
        snapshot = snapshot_latest(category=category)
        state = pairing.board_state(category=category, snapshot=snapshot)
        decision = category_decision(snapshot)
        assert state.generator_ids[state.leader] == Generator.objects.get(slug=decision.leader).id
        assert (state.short == 0).all() == decision.confident
        assert pairing.votes_needed(state)[0] == 0.0
    close = _close_board(tmp_path)
    state = pairing._latest_state(close)
    names = dict(Generator.objects.values_list("id", "name"))
    needed, group = pairing.votes_needed(state)
    assert not category_decision(snapshot_latest(category=close)).confident
    assert needed > 0 and names[group[0]] in {"a", "b"} and len(group) >= 2


@pytest.mark.django_db
def test_vote_plan_lists_each_category_with_its_state(boards):
    Generator.objects.update(enabled=True)  # imported ones start disabled; battles need them
    out = io.StringIO()
    call_command("vote_plan", "--json", stdout=out)
    plans = {p["category"]: p for p in json.loads(out.getvalue())}
    assert plans["logos"]["state"] == "settled"
    assert plans["thin"]["state"] == "deciding"
    assert len(plans["thin"]["pairs"]) == 5
    assert all(pair["why"] for pair in plans["thin"]["pairs"])
    assert plans["logos"]["pairs"][0]["why"].startswith("uniform")
    assert sum(p["vote_share"] for p in plans.values()) == pytest.approx(1.0, abs=0.01)
    text = io.StringIO()
    call_command("vote_plan", stdout=text)
    assert "logos: settled" in text.getvalue()


@pytest.mark.django_db
def test_an_enabled_generator_without_votes_keeps_a_category_deciding(boards, generators):
    out = io.StringIO()
    call_command("vote_plan", "--json", stdout=out)
    logos = next(p for p in json.loads(out.getvalue()) if p["category"] == "logos")
    assert logos["state"] == "deciding"
    assert set(logos["placing"]) == {g.name for g in generators}


@pytest.mark.django_db
def test_vote_plan_page_is_for_staff_only(boards, admin_client, client):
    page = admin_client.get("/admin/ratings/snapshot/vote-plan/")
    assert page.status_code == 200
    assert b"settled" in page.content and b"deciding" in page.content
    assert client.get("/admin/ratings/snapshot/vote-plan/").status_code == 302


@pytest.mark.django_db
def test_the_vote_plan_shows_each_categorys_tolerance_and_regret_bound(boards):
    from ratings.vote_plan import vote_plan

    plans = {plan["category"]: plan for plan in vote_plan()}
    logos = plans["logos"]
    assert logos["tolerance"] == 25.0 and logos["regret_bound"] is not None
    assert logos["state"] == "settled" and "(tolerance 25)" in logos["reason"]


@pytest.mark.django_db
def test_a_category_is_settled_once_its_pick_is_within_its_tolerance(db, tmp_path):
    from tests.ratings.test_route_tolerance import _twin_lines

    import_lines(tmp_path, _twin_lines())
    twins = _category("twins")
    Category.objects.filter(id=twins.id).update(route_tolerance=0.0)
    assert not _settled(twins)  # two level models: the exact rule never settles them
    assert pair_weights(category_id=twins.id, generator_ids=_ids(twins)) != {}
    Category.objects.filter(id=twins.id).update(route_tolerance=200.0)
    assert _settled(twins)
    assert pair_weights(category_id=twins.id, generator_ids=_ids(twins)) == {}


@pytest.mark.django_db
def test_where_prices_differ_votes_also_go_to_what_the_cheaper_pick_lacks(db, tmp_path):
    from tests.ratings.test_route_tolerance import _twin_lines

    import_lines(tmp_path, _twin_lines(votes=400))
    twins = _category("twins")
    names = dict(Generator.objects.values_list("id", "slug"))
    # A tolerance just past the estimated gap: the runner-up may be good enough, not yet shown.
    top = np.sort(pairing._latest_state(twins).rating)[-2:]
    Category.objects.filter(id=twins.id).update(route_tolerance=float(top[1] - top[0]) + 5.0)

    Generator.objects.update(price_per_output="0.10")
    state = pairing._latest_state(twins)
    assert state.cheaper is None  # one price: nothing cheaper to aim at
    leader = names[state.generator_ids[state.leader]]
    other = "basalt" if leader == "aurora" else "aurora"
    Generator.objects.filter(slug=other).update(price_per_output="0.01")
    cheaper = pairing._latest_state(twins)
    assert not cheaper.settled
    assert names[cheaper.generator_ids[cheaper.cheaper]] == other  # prices are read afresh
    assert cheaper.cheaper_short[cheaper.leader] > 0  # it must still be shown near the leader
    chances = _pair_chances(pair_weights(category_id=twins.id, generator_ids=_ids(twins)))
    assert sum(chances.values()) == pytest.approx(1.0)
