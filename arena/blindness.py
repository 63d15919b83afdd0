"""Attacking voters for the blindness audit (docs/blindness.md): they note what the browser gets
for each side, learn each reveal, and guess who made what.

A leak is what the notes add over the same attacker without them (category frequencies only):
among the sides where exactly one of the two guessed right, the one with notes must not be
right more often than a fair coin allows.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from PIL import Image
from scipy.stats import binomtest, norm

from arena.file_structure import file_features


@dataclass(frozen=True)
class Seen:
    """What a voter's browser got for one side before the vote."""

    address: str
    size: int
    dims: tuple[int, int]
    byte_hash: str
    pixel_hash: str
    category: str = ""  # what the page says of the battle, for every voter to read
    # What a parser reads in the file besides its pixels (see arena.file_structure).
    structure: tuple[tuple[str, float], ...] = ()


def seen_of(address: str, body: bytes, category: str = "") -> Seen:
    with Image.open(io.BytesIO(body)) as image:
        dims = image.size
        pixels = hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()
    structure = tuple(sorted(file_features(body).items()))
    byte_hash = hashlib.sha256(body).hexdigest()
    return Seen(address, len(body), dims, byte_hash, pixels, category, structure)


class Attacker:
    """Guesses generators from its notes (``notes=False``: from what every voter knows)."""

    def __init__(self, *, notes: bool = True):
        self.notes = notes
        self.exact: dict[str, str] = {}  # address, byte hash or pixel hash -> generator
        self.counts: Counter[str] = Counter()
        self.in_category: dict[str, Counter] = defaultdict(Counter)
        self.log_sizes: dict[str, list[float]] = defaultdict(list)
        self.dims: dict[str, Counter] = defaultdict(Counter)

    def learn(self, seen: Seen, generator: str) -> None:
        self.counts[generator] += 1
        self.in_category[seen.category][generator] += 1
        if self.notes:
            for key in (seen.address, seen.byte_hash, seen.pixel_hash):
                self.exact[key] = generator
            self.log_sizes[generator].append(math.log(seen.size))
            self.dims[generator][seen.dims] += 1

    def knows(self, seen: Seen) -> bool:
        """Whether its notes name this side already (its address, bytes or pixels came up)."""
        return self.notes and any(
            key in self.exact for key in (seen.address, seen.byte_hash, seen.pixel_hash)
        )

    def guess(self, left: Seen, right: Seen) -> tuple[str | None, str | None]:
        """The most likely (left, right) pair of two different generators."""
        names = sorted(self.counts)
        if len(names) < 2:
            return (names[0] if names else None), None
        scores = [{name: self._score(seen, name) for name in names} for seen in (left, right)]
        return max(
            ((a, b) for a in names for b in names if a != b),
            key=lambda pair: scores[0][pair[0]] + scores[1][pair[1]],
        )

    def _score(self, seen: Seen, name: str) -> float:
        # The prior: how often the generator came up in this category, shrunk towards how
        # often it came up at all while the category has few reveals.
        here, total = self.in_category[seen.category], sum(self.counts.values())
        overall = (self.counts[name] + 1) / (total + len(self.counts))
        score = math.log((here[name] + 2 * overall) / (sum(here.values()) + 2))
        if not self.notes:
            return score
        for key in (seen.address, seen.byte_hash, seen.pixel_hash):
            if key in self.exact:
                return 1e9 if self.exact[key] == name else -1e9
        return score + self._size_fit(seen, name) + self._dims_fit(seen, name)

    def _size_fit(self, seen: Seen, name: str) -> float:
        return _normal_fit(self.log_sizes, name, math.log(seen.size))

    def _dims_fit(self, seen: Seen, name: str) -> float:
        counts = self.dims[name]
        kinds = len({d for c in self.dims.values() for d in c}) + 1
        return math.log((counts[seen.dims] + 0.5) / (sum(counts.values()) + 0.5 * kinds))


class FileAttacker(Attacker):
    """The attacker with notes that also learns each file's structure (arena.file_structure)."""

    def __init__(self):
        super().__init__(notes=True)
        self.features: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def learn(self, seen: Seen, generator: str) -> None:
        super().learn(seen, generator)
        for key, value in seen.structure:
            self.features[key][generator].append(math.log1p(max(value, 0.0)))

    def _score(self, seen: Seen, name: str) -> float:
        score = super()._score(seen, name)
        if abs(score) >= 1e9:  # known exactly already
            return score
        for key, value in seen.structure:
            score += _normal_fit(self.features[key], name, math.log1p(max(value, 0.0)))
        return score


def _normal_fit(samples: dict[str, list[float]], name: str, x: float) -> float:
    """Log density of ``x`` under ``name``'s normal fit, its spread shrunk towards everyone's."""
    mine = samples.get(name, [])
    everyone = [v for values in samples.values() for v in values]
    if len(mine) < 2 or len(everyone) < 3:
        return 0.0
    mean = sum(mine) / len(mine)
    # Shrink a generator's own spread towards everyone's while it has few samples.
    weight = len(mine) / (len(mine) + 5)
    spread = max(weight * _variance(mine) + (1 - weight) * _variance(everyone), 1e-4)
    return float(norm.logpdf(x, mean, math.sqrt(spread)))


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((x - mean) ** 2 for x in values) / max(len(values) - 1, 1)


@dataclass(frozen=True)
class Verdict:
    guesses: int
    accuracy: float
    interval: tuple[float, float]  # of the attacker's accuracy, at ``confidence``
    baseline: float  # accuracy of the same attacker without notes, on the same sides
    chance: float  # naming the most frequent generator every time, known in hindsight
    p_value: float  # of the notes adding nothing (one-sided, paired)
    confidence: float

    @property
    def above_chance(self) -> bool:
        """The notes help beyond the sampling error: the attacker sees what it should not."""
        return self.p_value < 1 - self.confidence


def verdict(
    hits: list[bool], baseline_hits: list[bool], truths: list[str], confidence: float
) -> Verdict:
    """The attacker's accuracy against the attacker without notes, guessing the same sides.

    A sign test on the sides where one is right and the other wrong: without a leak, each such
    side is the attacker's with probability one half at most.
    """
    n = len(hits)
    z = float(norm.ppf(0.5 + confidence / 2))
    ahead = sum(h and not b for h, b in zip(hits, baseline_hits, strict=True))
    behind = sum(b and not h for h, b in zip(hits, baseline_hits, strict=True))
    p_value = (
        float(binomtest(ahead, ahead + behind, 0.5, alternative="greater").pvalue)
        if (ahead + behind)
        else 1.0
    )
    return Verdict(
        guesses=n,
        accuracy=sum(hits) / n,
        interval=wilson(sum(hits), n, z),
        baseline=sum(baseline_hits) / n,
        chance=max(Counter(truths).values()) / n,
        p_value=p_value,
        confidence=confidence,
    )


def wilson(hits: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)
