"""Importing battles files: check every line first, then write in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TextIO

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


def battles_check(stream: TextIO, progress: Callable[[int], None] | None = None):
    """Read the whole file once; return its line count, models and categories.

    Models map each name to the kinds of battle it was in; categories map each name to the
    kind of its battles (``generate`` or ``edit``): a category with both is a malformed file.
    """
    models: dict[str, set[str]] = {}
    categories: dict[str, str] = {}
    count = 0
    for number, line in _lines(stream):
        for model in (line.model_a, line.model_b):
            models.setdefault(model, set()).add(line.kind)
        if line.category and categories.setdefault(line.category, line.kind) != line.kind:
            raise BattlesFileError(
                f"line {number}: category {line.category!r} has both generation and edit battles"
            )
        count += 1
        if progress and count % 10000 == 0:
            progress(10000)
    if progress:
        progress(count % 10000)
    return count, models, categories


def _unique_slug(model, name: str) -> str:
    base = slugify(name)[:90] or "item"
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


def _vote(line: BattleLine, generators: dict, categories: dict) -> Vote:
    return Vote(
        category_id=categories.get(line.category),
        choice=line.choice,
        shown_left_id=generators[line.model_a],
        shown_right_id=generators[line.model_b],
        created_at=line.tstamp or timezone.now(),
        judge=line.judge,
        question_id=line.question_id,
        import_key=line.import_key,
    )


@transaction.atomic
def battles_import(
    stream: TextIO,
    *,
    models: dict[str, set[str]],
    categories: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write a checked file's votes; votes already imported are skipped by their key."""
    generator_ids, generators_created = _ensure_generators(models)
    category_ids, categories_created = _ensure_categories(categories)
    before = Vote.objects.count()
    lines = _lines(stream)
    total = 0
    while batch := list(islice(lines, BATCH)):
        Vote.objects.bulk_create(
            [_vote(line, generator_ids, category_ids) for _, line in batch],
            ignore_conflicts=True,
        )
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
