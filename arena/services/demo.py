"""Simulated votes for the demo, from voters who follow the demo's hidden truth (demo_data).

Each vote judges a finished battle: a curated prompt of its category (an edit of the prompt's
source image in an edit category) and two stored outputs of it, made once per (prompt,
generator) and shared by every vote and battle that shows them. The demo voters are accounts
of their own: they never mark an output seen for anyone, so real voters still get battles.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from arena.demo_data import GENERATORS, VOTED_PROMPT_STEP, judged_strength, look_bonus
from arena.models import Battle, Category, Kind, Prompt, Vote
from arena.services.battles import prompts_of_kind
from arena.services.demo_outputs import demo_outputs_make
from generation.models import Generator, OutputStyle

KEY_PREFIX = "demo:"
VOTERS = 5
# Log-odds between quality 0 and quality 1: the best demo generator beats the worst ~95%.
STRENGTH_SCALE = 4.0
TIE_SHARE = 0.12  # of close pairs; fewer when one side is clearly better
BOTH_BAD_BELOW = 0.5  # both sides judged under this strength: sometimes both bad
SPREAD_DAYS = 14
_SLUGS = [spec["slug"] for spec in GENERATORS]


@dataclass(frozen=True)
class Plan:
    """One simulated vote, drawn from its own seeded stream: the same ``i``, the same vote."""

    i: int
    prompt: Prompt
    a: Generator
    b: Generator
    left_is_a: bool
    draws: tuple[float, float, float]  # the verdict's chances, drawn before the outputs exist
    voter_index: int
    age: timedelta
    time_to_vote_ms: int
    choice: str = ""  # judged once the two outputs and their looks are known


def demo_votes_cast(*, count: int, seed: int = 0, categories: list[str] | None = None) -> int:
    """Make sure ``count`` simulated demo votes of ``seed`` exist; returns how many were added.

    A seed is a stream of its own: running it again adds only the missing votes, so
    ``manage.py demo`` can run on every start. ``categories`` (slugs) keeps them to those.
    """
    existing = Vote.objects.filter(import_key__startswith=f"{KEY_PREFIX}{seed}:").count()
    generators = list(Generator.objects.filter(slug__in=_SLUGS).order_by("slug"))
    pools = _pools(generators, categories)
    if count <= existing or not pools:
        return 0
    plans = [_plan(random.Random(f"{seed}:{i}"), i, pools) for i in range(existing, count)]
    outputs = demo_outputs_make(
        prompts={plan.prompt.id: plan.prompt for plan in plans},
        generators={generator.id: generator for generator in generators},
        keys=[(plan.prompt.id, g.id) for plan in plans for g in (plan.a, plan.b)],
    )
    plans = [p for p in plans if {(p.prompt.id, p.a.id), (p.prompt.id, p.b.id)} <= outputs.keys()]
    looks = _looks(outputs.values())
    plans = [replace(plan, choice=_verdict(plan, outputs, looks)) for plan in plans]
    _write(plans, outputs, _voters(), seed=seed)
    return len(plans)


def _pools(
    generators: list[Generator], slugs: list[str] | None = None
) -> list[tuple[list[Prompt], list[Generator]]]:
    """Per category (in slug order; only ``slugs`` when given): its voted curated prompts and
    the demo generators of its kind."""
    pools = []
    categories = Category.objects.order_by("slug")
    if slugs is not None:
        categories = categories.filter(slug__in=slugs)
    for category in categories:
        prompts = voted_prompts(
            Prompt.objects.filter(category=category, active=True, source=Prompt.Source.CURATED)
            .filter(prompts_of_kind(category.kind))
            .select_related("category")
            .order_by("text")
        )
        able = [g for g in generators if g.enabled and g.can(category.kind)]
        if prompts and len(able) >= 2:
            pools.append((prompts, able))
    return pools


def voted_prompts(prompts) -> list:
    """The prompts of one category that simulated votes are drawn over: in text order (by
    code point, whatever the database's collation), every ``VOTED_PROMPT_STEP``-th."""
    return sorted(prompts, key=lambda prompt: prompt.text)[::VOTED_PROMPT_STEP]


def _plan(rng: random.Random, i: int, pools) -> Plan:
    prompts, generators = rng.choice(pools)
    prompt = rng.choice(prompts)
    a, b = rng.sample(generators, 2)
    return Plan(
        i=i,
        prompt=prompt,
        a=a,
        b=b,
        left_is_a=rng.random() < 0.5,
        draws=(rng.random(), rng.random(), rng.random()),
        voter_index=rng.randrange(VOTERS),
        age=timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400)),
        time_to_vote_ms=rng.randint(1500, 12000),
    )


def _looks(generations) -> dict[int, float]:
    """What each output's measured look adds to its judged strength (see demo_data)."""
    styles = OutputStyle.objects.filter(generation_id__in=[g.id for g in generations])
    return {
        style.generation_id: look_bonus(
            colourfulness=style.colourfulness, saturation=style.saturation
        )
        for style in styles.only("generation_id", "colourfulness", "saturation")
    }


def _verdict(plan: Plan, outputs, looks: dict[int, float]) -> str:
    left, right = (plan.a, plan.b) if plan.left_is_a else (plan.b, plan.a)
    strengths = [
        _strength(generator, plan.prompt, outputs[(plan.prompt.id, generator.id)].id, looks)
        for generator in (left, right)
    ]
    return _judge(plan.draws, *strengths)


def _strength(generator: Generator, prompt: Prompt, output_id: int, looks) -> float:
    """The hidden truth for this prompt (quality, lettering) and, on a generation prompt, the
    look of the output shown (see demo_data); an output without a measured style adds none."""
    if prompt.category.kind == Kind.EDIT:
        return judged_strength(generator.slug, prompt.text, edit=True)
    return judged_strength(generator.slug, prompt.text) + looks.get(output_id, 0.0)


def _judge(draws: tuple[float, float, float], left: float, right: float) -> str:
    """One voter's verdict on a pair of the given strengths (Bradley-Terry, with ties)."""
    p_left = 1 / (1 + math.exp(-STRENGTH_SCALE * (left - right)))
    both_bad, tie, side = draws
    if max(left, right) < BOTH_BAD_BELOW and both_bad < 0.3:
        return Vote.Choice.BOTH_BAD
    if tie < TIE_SHARE * (1 - abs(2 * p_left - 1)):
        return Vote.Choice.TIE
    return Vote.Choice.LEFT if side < p_left else Vote.Choice.RIGHT


@transaction.atomic
def _write(plans: list[Plan], outputs, voters: list, *, seed: int) -> None:
    """The battles (voted, by a demo voter) and their votes, in bulk."""
    now = timezone.now()
    battles = [_battle(plan, outputs, voters[plan.voter_index], now - plan.age) for plan in plans]
    Battle.objects.bulk_create(battles, batch_size=500)
    # created_at is stamped on insert; the battle was made when its vote was, two weeks back.
    for battle in battles:
        battle.created_at = battle.assigned_at
    Battle.objects.bulk_update(battles, ["created_at"], batch_size=500)
    votes = [
        _vote(plan, battle, voters[plan.voter_index], now - plan.age, seed=seed)
        for plan, battle in zip(plans, battles, strict=True)
    ]
    Vote.objects.bulk_create(votes, batch_size=1000)


def _battle(plan: Plan, outputs, voter, voted_at: datetime) -> Battle:
    shown_at = voted_at - timedelta(milliseconds=plan.time_to_vote_ms)
    return Battle(
        prompt=plan.prompt,
        generator_a=plan.a,
        generator_b=plan.b,
        generation_a=outputs[(plan.prompt.id, plan.a.id)],
        generation_b=outputs[(plan.prompt.id, plan.b.id)],
        status=Battle.Status.VOTED,
        voter=voter,
        left_is_a=plan.left_is_a,
        assigned_at=shown_at - timedelta(seconds=2),
        shown_at=shown_at,
    )


def _vote(plan: Plan, battle: Battle, voter, voted_at: datetime, *, seed: int) -> Vote:
    left, right = battle.as_shown(plan.a, plan.b)
    return Vote(
        battle=battle,
        voter=voter,
        category=plan.prompt.category,
        choice=plan.choice,
        shown_left=left,
        shown_right=right,
        time_to_vote_ms=plan.time_to_vote_ms,
        created_at=voted_at,
        judge=voter.username,
        import_key=f"{KEY_PREFIX}{seed}:{plan.i}",
    )


def _voters() -> list:
    users = get_user_model()
    voters = []
    for n in range(1, VOTERS + 1):
        voter, created = users.objects.get_or_create(username=f"demo-voter-{n}")
        if created:
            voter.set_unusable_password()
            voter.save(update_fields=["password"])
        voters.append(voter)
    return voters
