"""manage.py category_guess_eval [--labelled FILE]: how often the arena files a typed prompt
in the right category, measured on prompts it did not learn from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from arena.blindness import wilson
from arena.classify import MARGIN
from arena.models import Category, Prompt
from arena.selectors import category_ranking

DEMO_SET = Path(__file__).resolve().parents[2] / "demo_labelled_prompts.jsonl"
Z95 = 1.96


@dataclass
class Tally:
    prompts: int = 0
    right: int = 0
    filed: int = 0
    filed_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, *, right: bool, sure: bool, miss: str) -> None:
        self.prompts += 1
        self.right += right
        self.filed += sure
        self.filed_right += right and sure
        if not right:
            self.misses.append(miss)


class Command(BaseCommand):
    help = (
        "Measure the category guess of typed prompts: each curated prompt against the others "
        "(left out of the fit), and a labelled file of prompts the guess never saw. Prints, "
        "per category, how often the nearest category is right, how many the arena would file "
        "alone (clear of the runner-up) and how often those are right; the rest it asks about."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--labelled",
            default=str(DEMO_SET),
            help='JSON lines, each {"category": SLUG, "text": PROMPT} (default: the demo\'s '
            "set, 40 prompts for each demo category). Use '' for curated prompts only.",
        )
        parser.add_argument("--misses", action="store_true", help="List every wrong guess.")

    def handle(self, *args, **options):
        categories = {category.slug: category for category in Category.objects.all()}
        tallies: dict[str, Tally] = {slug: Tally() for slug in sorted(categories)}
        for prompt in Prompt.objects.filter(
            source=Prompt.Source.CURATED, category__isnull=False
        ).select_related("category"):
            self._score(tallies, prompt.category, prompt.text, leave_out=prompt.id)
        skipped = 0
        for slug, text in self._labelled(options["labelled"]):
            if slug not in categories:
                skipped += 1
                continue
            self._score(tallies, categories[slug], text)
        self._print(tallies, misses=options["misses"])
        if skipped:
            self.stdout.write(f"{skipped} labelled prompts name a category this arena lacks.")

    def _score(self, tallies, category: Category, text: str, leave_out: int | None = None):
        guessed = category_ranking(text, kind=category.kind, leave_out=leave_out)
        right = guessed.category is not None and guessed.category.id == category.id
        named = guessed.category.slug if guessed.category else "none"
        tallies[category.slug].add(right=right, sure=guessed.sure, miss=f"{named}: {text}")

    def _labelled(self, path: str):
        if not path:
            return []
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        rows = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                rows.append((str(row["category"]), str(row["text"])))
            except (ValueError, KeyError, TypeError):
                raise CommandError(
                    f'{path}, line {number}: expected {{"category": ..., "text": ...}}'
                ) from None
        return rows

    def _print(self, tallies: dict[str, Tally], *, misses: bool) -> None:
        header = f"{'category':<22}{'prompts':>8}{'right':>8}{'filed':>8}{'right when filed':>18}"
        self.stdout.write(header)
        total = Tally()
        for slug, tally in tallies.items():
            if not tally.prompts:
                continue
            self.stdout.write(self._row(slug, tally))
            total.prompts += tally.prompts
            total.right += tally.right
            total.filed += tally.filed
            total.filed_right += tally.filed_right
        self.stdout.write(self._row("all", total))
        for label, hits, n in (
            ("right", total.right, total.prompts),
            ("right when filed", total.filed_right, total.filed),
        ):
            low, high = wilson(hits, n, Z95)
            self.stdout.write(f"{label}: {_share(hits, n)}, 95% interval {low:.1%} to {high:.1%}")
        self.stdout.write(
            f"Filed alone when the runner-up is more than {MARGIN} (cosine) behind; "
            "otherwise the page asks the voter to pick."
        )
        if misses:
            for slug, tally in tallies.items():
                for miss in tally.misses:
                    self.stdout.write(f"  {slug} -> {miss}")

    @staticmethod
    def _row(slug: str, tally: Tally) -> str:
        return (
            f"{slug:<22}{tally.prompts:>8}{_share(tally.right, tally.prompts):>8}"
            f"{_share(tally.filed, tally.prompts):>8}"
            f"{_share(tally.filed_right, tally.filed):>18}"
        )


def _share(hits: int, n: int) -> str:
    return f"{hits / n:.0%}" if n else "-"
