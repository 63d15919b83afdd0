from __future__ import annotations

import io
import itertools

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from arena.demo_data import (
    CATEGORIES,
    GENERATORS,
    LETTERING_PROMPTS,
    LOOK_SCALE,
    VOTED_PROMPT_STEP,
    judged_strength,
    look_bonus,
)
from arena.models import Battle, Category, Kind, Prompt, SeenOutput, Vote
from arena.services import battle_assign_next
from arena.services.demo import demo_votes_cast
from generation.models import Generation, Generator, OutputStyle
from ratings.models import Snapshot
from ratings.selectors import snapshot_latest


def _run_demo(**options) -> str:
    """The demo command; without the logo team's votes unless asked (tests/ratings has them)."""
    out = io.StringIO()
    call_command("demo", stdout=out, **{"logo_votes": 0, **options})
    return out.getvalue()


@pytest.fixture
def small(demo_drawn_small):
    """The demo's pictures drawn small: the simulated votes' outputs are real generations."""


# Only the tests of the simulated votes (below) seed them: 3000 votes and a recompute take seconds.
def test_demo_seeds_categories_prompts_generators_logins_and_ready_battles(transactional_db):
    output = _run_demo(battles=1, votes=0)
    assert Category.objects.count() >= 4
    assert Prompt.objects.filter(source=Prompt.Source.CURATED).count() >= 40
    assert Generator.objects.filter(provider="builtin", enabled=True).count() >= 4
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="demo", password="demo-arena") is not None
    assert "demo / demo-arena" in output
    for category in Category.objects.all():
        assert Battle.objects.filter(prompt__category=category, status=Battle.Status.READY).exists()


def test_demo_is_idempotent(transactional_db):
    _run_demo(battles=1, votes=0)
    counts = (Category.objects.count(), Prompt.objects.count(), Generator.objects.count())
    battles = Battle.objects.count()
    output = _run_demo(battles=1, votes=0)
    assert (Category.objects.count(), Prompt.objects.count(), Generator.objects.count()) == counts
    assert Battle.objects.count() == battles
    assert "0 new" in output


def test_demo_brings_an_older_demos_fixed_look_generators_to_the_blind_ones(transactional_db):
    Generator.objects.create(
        name="Aurora", slug="aurora", provider="builtin", model_id="builtin-aurora",
        parameters={"layout": "centered", "palette": "sunset"},
    )  # fmt: skip
    call_command("demo", battles=0, votes=0, stdout=io.StringIO())
    assert "layout" not in Generator.objects.get(slug="aurora").parameters
    assert "faithfulness" in Generator.objects.get(slug="aurora").parameters


def _ratings(category=None, kind="generate", control="none") -> dict[str, float]:
    board = snapshot_latest(category=category, kind=kind, control=control)
    return {row.generator.slug: row.rating for row in board.rows.all()}


def _looks() -> dict[str, float]:
    """Each generator's mean look bonus over its outputs of generation prompts."""
    styles = OutputStyle.objects.filter(generation__prompt__source_image="")
    looks: dict[str, list[float]] = {}
    for style in styles.select_related("generation__generator"):
        bonus = look_bonus(colourfulness=style.colourfulness, saturation=style.saturation)
        looks.setdefault(style.generation.generator.slug, []).append(bonus)
    return {slug: sum(values) / len(values) for slug, values in looks.items()}


def test_demo_votes_follow_the_hidden_truth_and_a_second_run_adds_none(transactional_db, small):
    output = _run_demo(battles=0, votes=2000)
    assert "Simulated votes cast: 2000" in output
    assert Vote.objects.filter(import_key__startswith="demo:").count() == 2000
    assert Vote.objects.values("voter").distinct().count() == 5
    edits = Snapshot.objects.filter(category=None, kind="edit").latest("computed_at")
    board = Snapshot.objects.filter(category=None, kind="generate").latest("computed_at")
    assert board.vote_count + edits.vote_count == 2000
    # What the voters judge, averaged over the generation prompts (each drawn as often), with
    # the look of each generator's pictures as measured.
    prompts = [text for spec in CATEGORIES for text in sorted(spec["prompts"])[::VOTED_PROMPT_STEP]]
    looks = _looks()
    judged = {
        spec["slug"]: sum(judged_strength(spec["slug"], text) for text in prompts) / len(prompts)
        + looks[spec["slug"]]
        for spec in GENERATORS
    }
    ratings = _ratings()
    # Strengths 0.1 apart are ~170 rating points, against 95% intervals of about +-50 points
    # at the ~1400 generation votes: the board finds the order of every such pair.
    for better, worse in itertools.permutations(judged, 2):
        if judged[better] - judged[worse] >= 0.1:
            assert ratings[better] > ratings[worse], (better, worse)
    # The vivid generator's pictures look best, which lifts it above one of truly better
    # quality; the style-controlled board takes the look out and puts it back below.
    assert max(looks, key=looks.get) == "cypress"
    quality = {spec["slug"]: spec["quality"] for spec in GENERATORS}
    assert quality["cypress"] < quality["basalt"] and ratings["cypress"] > ratings["basalt"]
    controlled = _ratings(control="style")
    assert controlled["cypress"] < controlled["basalt"]
    style = snapshot_latest(category=None, control="style").parameters["style"]
    effects = {effect["feature"]: effect for effect in style["features"]}
    assert any(effects[name]["lower"] > 0 for name in LOOK_SCALE)
    # Lettering prompts want the lettering generator; pictures do not.
    text_board = _ratings(Category.objects.get(slug="text-in-image"))
    assert max(text_board, key=text_board.get) == "dynamo"
    shots = _ratings(Category.objects.get(slug="product-shots"))
    assert sorted(shots, key=shots.get, reverse=True).index("dynamo") >= 2
    # Edits by quality alone, in its true order.
    edit_board = _ratings(kind="edit")
    assert sorted(edit_board, key=edit_board.get, reverse=True) == [
        "aurora", "basalt", "dynamo", "ember"
    ]  # fmt: skip

    again = _run_demo(battles=0, votes=2000)
    assert "Simulated votes cast" not in again
    assert Vote.objects.count() == 2000


def test_the_hidden_truth_is_quality_with_lettering_by_text_quality_and_a_look_bonus():
    picture = "A red leather handbag on a white marble table, soft window light"
    lettering = "A neon sign that reads OPEN LATE above a diner door"
    wordmark = "A tech startup wordmark 'Lumina' with a light-ray motif"
    symbol = "A minimal geometric fox logo in orange on white"
    assert judged_strength("basalt", picture) == pytest.approx(0.75)
    assert judged_strength("cypress", picture) == pytest.approx(0.6)
    # The look of a picture: its colourfulness and saturation, standardised.
    middle = {name: mean for name, (mean, _) in LOOK_SCALE.items()}
    vivid = {name: mean + sd for name, (mean, sd) in LOOK_SCALE.items()}
    assert look_bonus(**middle) == pytest.approx(0)
    assert look_bonus(**vivid) == pytest.approx(0.5)
    assert judged_strength("dynamo", lettering) == pytest.approx(0.85 * 1.0 + 0.15 * 0.45)
    assert judged_strength("aurora", lettering) == pytest.approx(0.85 * 0.75 + 0.15 * 0.9)
    assert judged_strength("cypress", picture, edit=True) == pytest.approx(0.6)
    # One category, two sub-kinds: the best generator differs by what the prompt asks.
    best = {
        text: max(GENERATORS, key=lambda spec: judged_strength(spec["slug"], text))["slug"]
        for text in (wordmark, symbol)
    }
    assert best == {wordmark: "dynamo", symbol: "aurora"}
    logos = next(spec for spec in CATEGORIES if spec["slug"] == "logos")["prompts"]
    assert {wordmark, symbol} <= set(logos) and wordmark in LETTERING_PROMPTS
    assert symbol not in LETTERING_PROMPTS


def test_demo_rejects_a_negative_vote_count(transactional_db):
    with pytest.raises(CommandError, match="--votes"):
        _run_demo(battles=0, votes=-1)


def _demo_votes():
    return Vote.objects.filter(import_key__startswith="demo:").select_related(
        "battle__prompt", "battle__generation_a", "battle__generation_b", "category"
    )


def test_each_demo_vote_judges_a_voted_battle_of_two_stored_outputs_of_its_prompt(
    transactional_db, small
):
    _run_demo(battles=0, votes=300)
    votes = list(_demo_votes())
    assert len(votes) == 300
    for vote in votes:
        battle = vote.battle
        assert battle.status == Battle.Status.VOTED and battle.voter == vote.voter
        assert vote.voter.username.startswith("demo-voter-")
        assert battle.prompt.category == vote.category
        assert battle.prompt.source == Prompt.Source.CURATED
        assert battle.as_shown(battle.generator_a, battle.generator_b) == (
            vote.shown_left,
            vote.shown_right,
        )
        for generation, generator in (
            (battle.generation_a, battle.generator_a),
            (battle.generation_b, battle.generator_b),
        ):
            assert generation.status == Generation.Status.SUCCEEDED and generation.digest
            assert generation.generator == generator and generation.prompt == battle.prompt
        assert battle.created_at == battle.assigned_at < battle.shown_at < vote.created_at
    # Drawn over every second curated prompt of each category: fewer outputs to make.
    voted = {text for spec in CATEGORIES for text in sorted(spec["prompts"])[::VOTED_PROMPT_STEP]}
    assert {
        vote.battle.prompt.text for vote in votes if not vote.battle.prompt.source_image
    } <= voted
    # One output per (prompt, generator), shared by every vote that judged it.
    outputs = Generation.objects.filter(battles_as_a__votes__in=votes).distinct().count()
    keys = {(v.battle.prompt_id, g) for v in votes for g in (v.shown_left_id, v.shown_right_id)}
    assert Generation.objects.count() == len(keys) >= outputs


def test_edit_categories_get_demo_votes_on_edits_by_editors_only(transactional_db, small):
    _run_demo(battles=0, votes=300)
    edit_votes = _demo_votes().filter(category__kind=Kind.EDIT)
    assert edit_votes.exists()
    for vote in edit_votes:
        assert vote.battle.prompt.source_image
        assert vote.shown_left.can("edit") and vote.shown_right.can("edit")
    assert not _demo_votes().filter(
        category__kind=Kind.GENERATE, battle__prompt__source_image__gt=""
    )
    for category in Category.objects.all():
        board = Snapshot.objects.filter(category=category).latest("computed_at")
        assert board.vote_count > 0, category.slug


def test_demo_votes_are_the_same_for_a_seed_and_only_the_missing_ones_are_added(
    transactional_db, small
):
    _run_demo(battles=0, votes=0)

    def plan():
        return [
            (v.import_key, v.battle.prompt.text, v.shown_left.slug, v.shown_right.slug, v.choice)
            for v in _demo_votes().order_by("import_key")
        ]

    assert demo_votes_cast(count=120) == 120
    assert demo_votes_cast(count=200) == 80
    assert demo_votes_cast(count=200) == 0
    first = plan()
    Vote.objects.all().delete()
    Battle.objects.all().delete()
    assert demo_votes_cast(count=200) == 200  # in one go: the same votes
    assert plan() == first
    # Each seed is a stream of its own (the logo team's votes are seed 1), counted apart.
    assert demo_votes_cast(count=50, seed=1, categories=["logos"]) == 50
    assert demo_votes_cast(count=200) == 0
    assert {v.category.slug for v in _demo_votes().filter(import_key__startswith="demo:1:")} == {
        "logos"
    }


def test_demo_votes_mark_nothing_seen_and_the_demo_login_still_gets_battles(
    transactional_db, small
):
    _run_demo(battles=1, votes=300)
    assert not SeenOutput.objects.exists()
    demo = get_user_model().objects.get(username="demo")
    battle = battle_assign_next(voter=demo)
    assert battle is not None and battle.status == Battle.Status.ASSIGNED


def test_an_export_of_demo_votes_imports_back_into_another_arena(transactional_db, small, tmp_path):
    _run_demo(battles=0, votes=200)
    path = tmp_path / "demo.jsonl"
    call_command(
        "export_battles", "--output", str(path), stdout=io.StringIO(), stderr=io.StringIO()
    )
    lines = path.read_text().splitlines()
    assert len(lines) == 200
    assert any('"kind": "edit"' in line for line in lines)
    out = io.StringIO()
    call_command("import_battles", str(path), "--no-recompute", stdout=out, stderr=io.StringIO())
    assert "0 new votes" in out.getvalue()
    Vote.objects.all().delete()  # another arena: none of these votes, nor their battles
    out = io.StringIO()
    call_command("import_battles", str(path), "--no-recompute", stdout=out, stderr=io.StringIO())
    assert "200 new votes" in out.getvalue()
    assert Vote.objects.filter(category__kind=Kind.EDIT).exists()
