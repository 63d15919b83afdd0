"""Whether the time to send a battle's side follows the size of the output it was made from.

Run from the repository root, on a database with battles (the demo, as the blindness audit
runs it; the same environment variables):

    .venv/bin/python tests/benchmarks/bench_serve_time.py [--battles 60] [--repeats 7]

Each side of up to ``--battles`` ready or voted battles is fetched through its per-battle
address, as staff may, ``--repeats`` times in turn (the first fetch of each is left out, it
warms the caches); the median time of each is set against the byte size of the stored output.
Prints the sizes' range, the times' range and Spearman's rank correlation with its p-value,
over all sides and within each picture size (which every voter sees, and which decides the
length of what is sent): a voter timing their own downloads learns the original size when
the correlation within one picture size is far from 0.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arena.project.settings")
os.environ.setdefault("SECRET_KEY", "benchmark")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from arena.addresses import output_address  # noqa: E402
from arena.models import Battle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--battles", type=int, default=60, help="battles to time (60)")
    parser.add_argument("--repeats", type=int, default=7, help="fetches of each side (7)")
    args = parser.parse_args()
    client = _staff_client()
    battles = Battle.objects.exclude(generation_a=None).exclude(generation_b=None)
    battles = [b for b in battles.select_related("generation_a", "generation_b") if _images(b)]
    battles = battles[: args.battles]
    if not battles:
        sys.exit("No battle with two image outputs: seed the demo first (manage.py demo).")
    sides = defaultdict(list)  # picture size -> (original size, time)
    for battle in battles:
        for side in ("left", "right"):
            generation = battle.as_shown(battle.generation_a, battle.generation_b)
            generation = generation[0 if side == "left" else 1]
            spent = _median_fetch(client, output_address(battle, side), args.repeats)
            sides[_dims(generation)].append((generation.file.size, spent))
    every = [pair for pairs in sides.values() for pair in pairs]
    sizes, times = zip(*every, strict=True)
    print(f"{len(every)} sides of {len(battles)} battles, {args.repeats} fetches each")
    print(f"original size: {min(sizes):,} to {max(sizes):,} bytes")
    print(f"median time to send: {min(times) * 1e3:.2f} to {max(times) * 1e3:.2f} ms")
    _correlation("all sides", every)
    for dims, pairs in sorted(sides.items()):
        _correlation(f"{dims[0]}x{dims[1]} sides", pairs)


def _correlation(label: str, pairs: list[tuple[int, float]]) -> None:
    if len(pairs) < 10:
        print(f"{label}: {len(pairs)}, too few to correlate")
        return
    rho, p_value = spearmanr(*zip(*pairs, strict=True))
    print(
        f"{label} ({len(pairs)}): Spearman rho (time vs original size) = {rho:+.3f}, "
        f"p = {p_value:.3g}"
    )


def _dims(generation) -> tuple[int, int]:
    with generation.file.open("rb") as stored, Image.open(stored) as image:
        return image.size


def _images(battle: Battle) -> bool:
    return bool(battle.generation_a.file) and bool(battle.generation_b.file)


def _staff_client() -> Client:
    user, _ = get_user_model().objects.get_or_create(
        username="bench-serve-time", defaults={"is_staff": True}
    )
    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"]
    client = Client(HTTP_HOST=hosts[0] if hosts else "localhost")
    client.force_login(user)
    return client


def _median_fetch(client: Client, address: str, repeats: int) -> float:
    spent = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        response = client.get(address, secure=settings.SECURE_SSL_REDIRECT)
        body = b"".join(response.streaming_content)
        spent.append(time.perf_counter() - started)
        if response.status_code != 200 or not body:
            sys.exit(f"{address} answered {response.status_code}")
    return statistics.median(spent[1:])


if __name__ == "__main__":
    main()
