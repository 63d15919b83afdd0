"""An attacking voter, for the blindness audit: it keeps notes and guesses who made what.

Before each vote it notes everything its browser is given for each side: the address, the
byte size, the image's width and height, a hash of the bytes and a hash of the decoded
pixels. After each vote the reveal tells it which generator made each side, and it learns.
It then guesses the generator behind every new side before voting: by exact match when an
address or output comes back, else by the generator whose sizes and dimensions fit best
(a naive Bayes over log byte size and dimensions, with the generators' frequencies as the
prior). Chance is the accuracy of the best guess made without notes: always naming the
generator that turned out most frequent among the guessed sides (for five generators paired
uniformly, a little over 20%).
"""

from __future__ import annotations

import hashlib
import io
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from PIL import Image
from scipy.stats import norm


@dataclass(frozen=True)
class Seen:
    """What a voter's browser got for one side before the vote."""

    address: str
    size: int
    dims: tuple[int, int]
    byte_hash: str
    pixel_hash: str


def seen_of(address: str, body: bytes) -> Seen:
    with Image.open(io.BytesIO(body)) as image:
        dims = image.size
        pixels = hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()
    return Seen(address, len(body), dims, hashlib.sha256(body).hexdigest(), pixels)


class Attacker:
    """Guesses generators from its notes."""

    def __init__(self):
        self.exact: dict[str, str] = {}  # address, byte hash or pixel hash -> generator
        self.counts: Counter[str] = Counter()
        self.log_sizes: dict[str, list[float]] = defaultdict(list)
        self.dims: dict[str, Counter] = defaultdict(Counter)

    def learn(self, seen: Seen, generator: str) -> None:
        for key in (seen.address, seen.byte_hash, seen.pixel_hash):
            self.exact[key] = generator
        self.counts[generator] += 1
        self.log_sizes[generator].append(math.log(seen.size))
        self.dims[generator][seen.dims] += 1

    def guess(self, left: Seen, right: Seen) -> tuple[str | None, str | None]:
        """The most likely (left, right) pair of two different generators."""
        names = sorted(self.counts)
        if len(names) < 2:
            return (names[0] if names else None), None
        scores = [{name: self._score(seen, name) for name in names} for seen in (left, right)]
        best = max(
            ((a, b) for a in names for b in names if a != b),
            key=lambda pair: scores[0][pair[0]] + scores[1][pair[1]],
        )
        return best

    def _score(self, seen: Seen, name: str) -> float:
        total = sum(self.counts.values())
        score = math.log((self.counts[name] + 1) / (total + len(self.counts)))
        for key in (seen.address, seen.byte_hash, seen.pixel_hash):
            if key in self.exact:
                return 1e9 if self.exact[key] == name else -1e9
        return score + self._size_fit(seen, name) + self._dims_fit(seen, name)

    def _size_fit(self, seen: Seen, name: str) -> float:
        mine = self.log_sizes[name]
        everyone = [x for sizes in self.log_sizes.values() for x in sizes]
        if len(mine) < 2 or len(everyone) < 3:
            return 0.0
        mean = sum(mine) / len(mine)
        pooled = _variance(everyone)
        # Shrink a generator's own spread towards everyone's while it has few samples.
        weight = len(mine) / (len(mine) + 5)
        spread = max(weight * _variance(mine) + (1 - weight) * pooled, 1e-4)
        return float(norm.logpdf(math.log(seen.size), mean, math.sqrt(spread)))

    def _dims_fit(self, seen: Seen, name: str) -> float:
        counts = self.dims[name]
        kinds = len({d for c in self.dims.values() for d in c}) + 1
        return math.log((counts[seen.dims] + 0.5) / (sum(counts.values()) + 0.5 * kinds))


def _variance(values: list[float]) -> float:
    mean = sum(values) / len(values)
    return sum((x - mean) ** 2 for x in values) / max(len(values) - 1, 1)


@dataclass(frozen=True)
class Verdict:
    guesses: int
    accuracy: float
    interval: tuple[float, float]  # of the attacker's accuracy, at ``confidence``
    chance: float
    confidence: float

    @property
    def above_chance(self) -> bool:
        """The attacker beats chance by more than the sampling error."""
        return self.interval[0] > self.chance


def verdict(hits: list[bool], truths: list[str], confidence: float) -> Verdict:
    """The attacker's accuracy, with a Wilson interval, against chance on the same sides.

    Chance is the share of the most frequent true generator: what naming that one every
    time would score, knowing the answer's frequencies in hindsight and nothing else. It errs
    on the high side, so a blind arena is not called leaky by a lucky run.
    """
    n = len(hits)
    z = float(norm.ppf(0.5 + confidence / 2))
    chance = max(Counter(truths).values()) / n
    return Verdict(n, sum(hits) / n, wilson(sum(hits), n, z), chance, confidence)


def wilson(hits: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)
