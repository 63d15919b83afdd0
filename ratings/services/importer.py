"""Importing battles files: check every line first, then write in one transaction."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

import numpy as np
from django.db import transaction
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
    models: set[str]
    categories: set[str]
    occurrences: np.ndarray


def battles_check(stream: TextIO, progress: Callable[[int], None] | None = None) -> CheckedFile:
    """Read the whole file once; every line the write could not store is reported here."""
    models: set[str] = set()
    categories: set[str] = set()
    hashes = array("Q")  # 8 bytes a line: a million lines need 8 MB
    for _, line in _lines(stream):
        models.update((line.model_a, line.model_b))
        if line.category:
            categories.add(line.category)
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


def _ensure_generators(names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    existing = dict(Generator.objects.filter(name__in=names).values_list("name", "id"))
    created = []
    for name in sorted(set(names) - set(existing)):
        generator = Generator.objects.create(
            name=name,
            slug=_unique_slug(Generator, name),
            provider="external",
            model_id=name,
            enabled=False,
            disabled_reason="Imported from a battles file; it has no API configured.",
        )
        existing[name] = generator.id
        created.append(name)
    return existing, created


def _ensure_categories(names: Iterable[str]) -> tuple[dict[str, int], list[str]]:
    by_name = dict(Category.objects.filter(name__in=names).values_list("name", "id"))
    by_slug = dict(Category.objects.filter(slug__in=names).values_list("slug", "id"))
    found = {name: by_name.get(name) or by_slug.get(name) for name in names}
    created = []
    for name in sorted(n for n, cid in found.items() if cid is None):
        category = Category.objects.create(name=name, slug=_unique_slug(Category, name))
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


@transaction.atomic
def battles_import(
    stream: TextIO, *, checked: CheckedFile, progress: Callable[[int], None] | None = None
) -> ImportSummary:
    """Write a checked file's votes; votes already imported are skipped by their key."""
    generator_ids, generators_created = _ensure_generators(checked.models)
    category_ids, categories_created = _ensure_categories(checked.categories)
    before = Vote.objects.count()
    lines = _lines(stream)
    total = 0
    while batch := list(islice(lines, BATCH)):
        occurrences = checked.occurrences[total : total + len(batch)]
        votes = [
            _vote(line, n, generator_ids, category_ids)
            for (_, line), n in zip(batch, occurrences, strict=True)
        ]
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
