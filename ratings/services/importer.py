"""Importing battles files: check every line first, then write in one transaction."""

from __future__ import annotations

import uuid
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from arena.models import Category, Vote
from generation.models import Generator
from ratings.battles_io import BattleLine, BattleLineError, parse_line

BATCH = 5000


class BattlesFileError(ValueError):
    """A file that cannot be imported; the message names the line."""


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    created: int
    generators_created: list[str]
    categories_created: list[str]
    categories_touched: list[int]


def _lines(stream: TextIO) -> Iterator[tuple[int, BattleLine]]:
    for number, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            yield number, parse_line(text)
        except BattleLineError as exc:
            raise BattlesFileError(f"line {number}: {exc}") from None


@dataclass(frozen=True)
class CheckedFile:
    """What the check learned: lines, names to create, and each line's occurrence number."""

    count: int
    # Each model's kinds of battle, and each category's one kind (generate or edit).
    models: dict[str, set[str]]
    categories: dict[str, str]
    occurrences: np.ndarray


def battles_check(stream: TextIO, progress: Callable[[int], None] | None = None) -> CheckedFile:
    """Read the whole file once; every line the write could not store is reported here (the
    arena rates edits apart from generations, by their categories' kind)."""
    models: dict[str, set[str]] = {}
    categories: dict[str, str] = {}
    hashes = array("Q")  # 8 bytes a line: a million lines need 8 MB
    for number, line in _lines(stream):
        if line.kind == "edit" and not line.category:
            # Without one its kind would be lost here, and it would count as a generation.
            raise BattlesFileError(f"line {number}: an edit battle needs its 'category'")
        for model in (line.model_a, line.model_b):
            models.setdefault(model, set()).add(line.kind)
        if line.category and categories.setdefault(line.category, line.kind) != line.kind:
            raise BattlesFileError(
                f"line {number}: category {line.category!r} has both generation and edit battles"
            )
        hashes.append(line.content_hash)
        if progress and len(hashes) % 10000 == 0:
            progress(10000)
    if progress:
        progress(len(hashes) % 10000)
    occurrences = occurrence_numbers(np.frombuffer(hashes, dtype=np.uint64))
    return CheckedFile(len(hashes), models, categories, occurrences)


def occurrence_numbers(hashes: np.ndarray) -> np.ndarray:
    """For each line, how many identical lines came before it in the file (0, 1, 2, ...)."""
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.array([], bool)
    group_start = np.maximum.accumulate(np.where(starts, np.arange(len(ordered)), 0))
    occurrences = np.empty(len(hashes), dtype=np.int64)
    occurrences[order] = np.arange(len(ordered)) - group_start
    return occurrences


def _unique_slug(model, name: str) -> str:
    # Room for a "-N" suffix within the column: a name may be longer than its slug may be.
    limit = model._meta.get_field("slug").max_length
    base = slugify(name)[: limit - 6].strip("-") or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _ensure_generators(kinds: dict[str, set[str]]) -> tuple[dict[str, int], list[str]]:
    existing = dict(Generator.objects.filter(name__in=list(kinds)).values_list("name", "id"))
    created = []
    for name in sorted(set(kinds) - set(existing)):
        generator = Generator.objects.create(
            name=name,
            slug=_unique_slug(Generator, name),
            provider="external",
            model_id=name,
            capabilities=_capabilities(kinds[name]),
            enabled=False,
            disabled_reason="Imported from a battles file; it has no API configured.",
        )
        existing[name] = generator.id
        created.append(name)
    return existing, created


def _capabilities(kinds: set[str]) -> str:
    """What a generator known only from a file evidently can do: what it was judged on."""
    if kinds == {"edit"}:
        return Generator.Capability.EDIT
    return Generator.Capability.BOTH if "edit" in kinds else Generator.Capability.GENERATE


def _ensure_categories(kinds: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    names = list(kinds)
    existing = Category.objects.filter(Q(name__in=names) | Q(slug__in=names))
    by_name, by_slug = {}, {}
    for category in existing:
        by_name[category.name] = by_slug[category.slug] = category
    found = {name: by_name.get(name) or by_slug.get(name) for name in names}
    for name, category in found.items():
        if category is not None and category.kind != kinds[name]:
            raise BattlesFileError(
                f"category {name!r} holds {category.kind} battles here, the file has "
                f"{kinds[name]} battles for it"
            )
    found = {name: category.id if category else None for name, category in found.items()}
    created = []
    for name in sorted(n for n, cid in found.items() if cid is None):
        category = Category.objects.create(
            name=name, slug=_unique_slug(Category, name), kind=kinds[name]
        )
        found[name] = category.id
        created.append(name)
    return found, created


def _vote(line: BattleLine, occurrence: int, generators: dict, categories: dict) -> Vote:
    return Vote(
        category_id=categories.get(line.category),
        choice=line.choice,
        shown_left_id=generators[line.model_a],
        shown_right_id=generators[line.model_b],
        created_at=line.tstamp or timezone.now(),
        judge=line.judge,
        question_id=line.question_id,
        import_key=line.import_key(int(occurrence)),
    )


def _cast_here(ids: list[str]) -> set[str]:
    """The ids that name votes cast in this arena (their battles' tokens, see the export)."""
    tokens = set()
    for value in ids:
        try:
            token = uuid.UUID(value)
        except ValueError:
            continue
        if str(token) == value:  # as exported; another spelling is some other file's id
            tokens.add(token)
    voted = Vote.objects.filter(battle__token__in=tokens).values_list("battle__token", flat=True)
    return {str(token) for token in voted} if tokens else set()


@transaction.atomic
def battles_import(
    stream: TextIO, *, checked: CheckedFile, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Write a checked file's votes; votes already here are skipped by their id or key."""
    generator_ids, generators_created = _ensure_generators(checked.models)
    category_ids, categories_created = _ensure_categories(checked.categories)
    before = Vote.objects.count()
    lines = _lines(stream)
    total = 0
    while batch := list(islice(lines, BATCH)):
        occurrences = checked.occurrences[total : total + len(batch)]
        cast_here = _cast_here([line.id for _, line in batch])
        votes = [
            _vote(line, n, generator_ids, category_ids)
            for (_, line), n in zip(batch, occurrences, strict=True)
            if line.id not in cast_here
        ]
        # A key already stored (imported before) is skipped by its unique index.
        Vote.objects.bulk_create(votes, ignore_conflicts=True)
        total += len(batch)
        if progress:
            progress(len(batch))
    return ImportSummary(
        lines=total,
        created=Vote.objects.count() - before,
        generators_created=generators_created,
        categories_created=categories_created,
        categories_touched=sorted(set(category_ids.values())),
    )
