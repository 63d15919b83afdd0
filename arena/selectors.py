"""Reads of the arena app."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from arena.addresses import output_address
from arena.models import Battle, Category, DecoyCheck, Kind, Prompt, Vote
from generation.models import Generation


@dataclass(frozen=True)
class Side:
    """What a voter sees of one output: never the generator."""

    url: str
    text: str
    is_image: bool


def _battle_with_outputs(token, **scope) -> Battle | None:
    try:
        token = uuid.UUID(str(token))
    except ValueError:
        return None
    return (
        Battle.objects.select_related(
            "prompt__category", "generation_a__generator", "generation_b__generator"
        )
        .filter(token=token, **scope)
        .first()
    )


def battle_of_voter(*, voter, token) -> Battle | None:
    """The voter's own battle with this token, or None; other voters' battles stay hidden."""
    return _battle_with_outputs(token, voter=voter)


def battle_requested_by(*, voter, token) -> Battle | None:
    """A battle this voter asked for with their own prompt, or None."""
    return _battle_with_outputs(token, requested_by=voter)


def _side(battle: Battle, generation: Generation, side: str) -> Side:
    # The address belongs to this battle and side, never to the stored file (see addresses).
    is_image = bool(generation.file)
    url = output_address(battle, side) if is_image else ""
    return Side(url=url, text=generation.text, is_image=is_image)


def battle_sides(battle: Battle) -> tuple[Side, Side]:
    """(left, right) as drawn for this battle."""
    left, right = battle.as_shown(battle.generation_a, battle.generation_b)
    return _side(battle, left, "left"), _side(battle, right, "right")


def battle_output(*, user, token, side: str) -> Generation | None:
    """The output on one side of a battle, for the voter who holds it or for staff."""
    battles = Battle.objects.select_related("generation_a", "generation_b")
    if not user.is_staff:
        battles = battles.filter(voter=user)
    battle = battles.filter(token=token).first()
    if battle is None:
        return None
    left, right = battle.as_shown(battle.generation_a, battle.generation_b)
    generation = left if side == "left" else right
    return generation if generation.file else None


def battle_card(battle: Battle) -> dict:
    """What a browser needs to show a battle before the vote: nothing that names a model."""
    left, right = battle_sides(battle)
    category = battle.prompt.category
    return {
        "token": str(battle.token),
        "prompt": battle.prompt.text,
        "category": category.name if category is not None else "",
        "kind": battle.prompt.kind,
        "source": source_url(battle.prompt),
        "left": asdict(left),
        "right": asdict(right),
    }


def source_url(prompt: Prompt) -> str:
    """Where a signed-in browser fetches an edit prompt's source image ("" for none); named by
    its content hash, the same for both sides, it tells nothing of a model."""
    if not prompt.source_image:
        return ""
    return reverse("source-file", args=[prompt.source_image.rsplit("/", 1)[-1]])


def source_readable(*, user, name: str) -> bool:
    """Whether ``user`` may see the stored source picture (or mask) ``name``.

    A curated prompt's pictures are for every signed-in voter. A voter's upload is only for
    them, staff, and the voters of battles that show it: anyone else is told it does not
    exist, so holding a picture never tests whether someone uploaded it.
    """
    if user.is_staff:
        return True
    prompts = Prompt.objects.filter(Q(source_image=name) | Q(source_mask=name))
    if prompts.filter(Q(source=Prompt.Source.CURATED) | Q(created_by=user)).exists():
        return True
    return Battle.objects.filter(prompt__source_image=name, voter=user).exists()


def battle_reveal(battle: Battle, answer: Vote | DecoyCheck | None = None) -> dict:
    """Who was on which side, how long each took and what it cost (for a decoy battle's
    DecoyCheck, also that it was an attention check): shown after the vote."""
    left, right = battle.as_shown(battle.generation_a, battle.generation_b)
    reveal = reveal_sides(
        (left.generator.name, left.latency_ms, left.cost),
        (right.generator.name, right.latency_ms, right.cost),
    )
    if isinstance(answer, DecoyCheck):
        return decoy_reveal(reveal, passed=answer.passed, left_is_a=battle.left_is_a)
    return reveal


def decoy_reveal(reveal: dict, *, passed: bool, left_is_a: bool) -> dict:
    """A decoy battle's reveal: who was on which side, that it was an attention check (naming
    the off-prompt output by its model: "left" is "top" on a phone) and its outcome."""
    off_side = "right" if left_is_a else "left"
    outcome = "Passed." if passed else "Not passed: it asks for the output made for this prompt."
    words = (
        f"This was an attention check: the output by {reveal[off_side]} was made for another "
        f"prompt, so this answer counts for no board. {outcome}"
    )
    decoy = {"decoy": True, "decoy_passed": passed, "decoy_side": off_side, "decoy_message": words}
    return {**reveal, **decoy}


def reveal_sides(left: tuple, right: tuple) -> dict:
    """The reveal from each side's (generator name, latency in ms, cost)."""
    reveal = {}
    for side, (name, latency_ms, cost) in (("left", left), ("right", right)):
        reveal[side] = name
        reveal[f"{side}_latency_ms"] = latency_ms
        reveal[f"{side}_cost"] = None if cost is None else str(cost)
        reveal[f"{side}_detail"] = " · ".join(
            part for part in (_duration(latency_ms), _money(cost)) if part
        )
    return reveal


def _duration(ms: int | None) -> str:
    if ms is None:
        return ""
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    whole, _, cents = f"{amount.normalize():f}".partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


_PROGRESS = {
    Generation.Status.PENDING: "waiting",
    Generation.Status.RUNNING: "working",
    Generation.Status.SUCCEEDED: "done",
    Generation.Status.FAILED: "failed",
}


def battle_progress(battle: Battle) -> dict:
    """How far the two generations of a requested battle are, without naming either model."""
    outputs = [_PROGRESS[g.status] for g in (battle.generation_a, battle.generation_b)]
    done = outputs.count("done")
    if battle.status == Battle.Status.FAILED:
        state = "failed"
        message = (
            "One of the two models could not make an output for this prompt, so this pair "
            "cannot be compared. Try another pair."
        )
    elif battle.status == Battle.Status.PENDING:
        state, message = "generating", f"Generating: {done} of 2 outputs ready."
    else:
        state, message = "ready", "Both outputs are ready."
    return {"state": state, "done": done, "outputs": outputs, "message": message}


@dataclass(frozen=True)
class CategoryGuess:
    """The category nearest a prompt, the runner-up, and whether the arena may file it alone."""

    category: Category | None
    runner_up: Category | None
    sure: bool


def category_guess(text: str, *, kind: str = Kind.GENERATE) -> Category | None:
    """The category of this kind nearest to ``text`` by names, descriptions and curated
    prompts, or None."""
    return category_ranking(text, kind=kind).category


def category_ranking(
    text: str, *, kind: str = Kind.GENERATE, leave_out: int | None = None
) -> CategoryGuess:
    """The nearest category of this kind to ``text``, its runner-up, and whether the nearest
    is clear of it (``classify.MARGIN``). ``leave_out`` is a curated prompt's id to fit
    without, for measuring the guess on the arena's own prompts."""
    from arena import classify

    categories = list(Category.objects.filter(kind=kind).order_by("id"))
    if not categories:
        return CategoryGuess(None, None, False)
    position = {category.id: i for i, category in enumerate(categories)}
    documents = [f"{category.name}. {category.description}" for category in categories]
    labels = list(range(len(categories)))
    curated = Prompt.objects.filter(
        source=Prompt.Source.CURATED, category__isnull=False, category__kind=kind
    ).exclude(id=leave_out)
    for category_id, prompt_text in curated.values_list("category_id", "text"):
        documents.append(prompt_text)
        labels.append(position[category_id])
    found = classify.guess(classify.fit(documents, labels, len(categories)), text)
    pick = None if found.label is None else categories[found.label]
    second = None if found.runner_up is None else categories[found.runner_up]
    return CategoryGuess(pick, second, found.sure)


def day_start(now=None):
    """Local midnight before ``now`` (default: now): where a voter's day of votes begins."""
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def votes_today(*, voter) -> int:
    return Vote.objects.filter(voter=voter, created_at__gte=day_start()).count()


def vote_of(*, battle: Battle, voter) -> Vote | DecoyCheck | None:
    """The voter's answer to a battle: its Vote, or a decoy battle's DecoyCheck."""
    if battle.decoy:
        return DecoyCheck.objects.filter(battle=battle, voter=voter).first()
    return Vote.objects.filter(battle=battle, voter=voter).first()


def votes_of_kind(kind: str):
    """The votes of one kind of battle (``generate`` or ``edit``), for the boards of that kind.

    A vote's kind is its category's; without one, its battle's (an imported vote without a
    category is a generation: the import refuses edit lines without one).
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    categories = Category.objects.filter(kind=kind).values("id")
    edits = Q(battle_id__in=Battle.objects.exclude(prompt__source_image="").values("id"))
    uncategorised = Q(category__isnull=True) & (edits if kind == Kind.EDIT else ~edits)
    return Vote.objects.filter(Q(category_id__in=categories) | uncategorised)
