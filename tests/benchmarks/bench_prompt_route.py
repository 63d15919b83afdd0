"""The prompt route against the category route, from known truth; and its latency.

Run from the repository root:

    .venv/bin/python tests/benchmarks/bench_prompt_route.py [--sections 1,2]
        [--categories 6] [--votes 5000] [--tests 300]
        [--latency-votes 100000] [--latency-prompts 20000] [--requests 500]

Section 1 (quality, no database): ``--categories`` seeded categories per gap, each made of
three hidden sub-kinds of generated prompts (tests/benchmarks/prompt_route_simulation.py)
whose winners differ by 0, 30 or 60 points, ``--votes`` votes each. For ``--tests`` new
prompts per category it prints how often the prompt route's pick differs from the category
route's, the prompt pick's win rate in 20 simulated battles per such prompt against the
category pick (Wilson 95% interval), the true gain over the category route and the oracle's
(which knows the sub-kind), and the share of the oracle's gain recovered: over all the
categories, and per category (mean, lowest, highest). Last, how many prompts were answered
confidently on the prompt basis, and of those how many picked a generator more than the
tolerance below the best of the prompt's true sub-kind (what "confident" must rule out).

Section 2 (latency, a fresh SQLite file under var/): one category of ``--latency-votes``
votes over ``--latency-prompts`` distinct prompts, recomputed twice (wall and CPU time, and
the index build's wall time, of each: the second reuses the prompts' features), then
``--requests`` POST /api/v1/route/ with new prompts through Django's test client, pinned
to one core; prints p50, p95 and p99 with the category given and guessed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from django_script import django_setup

DATABASE = django_setup("bench-prompt-route.sqlite3")

import numpy as np  # noqa: E402

from tests.benchmarks import prompt_route_simulation as sim  # noqa: E402

BATTLES = 20


def quality(args) -> None:
    from django.conf import settings

    from ratings.prompt_route import rule_for

    rule = rule_for(tolerance=settings.RATINGS_ROUTE_TOLERANCE)
    print(f"## Quality: {args.categories} categories per gap, {args.votes} votes each, "
          f"{args.tests} new prompts per category")  # fmt: skip
    print("gap | prompts | picks differ | prompt pick won (95%) | gain | oracle gain | share "
          "| share per category: mean (lowest-highest) | confident | of which wrong")  # fmt: skip
    for gap in (0.0, 30.0, 60.0):
        outs = [
            sim.run(gap, args.votes, seed=1000 * int(gap) + seed, tests=args.tests,
                    battles=BATTLES, rule=rule)
            for seed in range(args.categories)
        ]  # fmt: skip
        print(f"{gap:g} | {sim.quality_row(outs)}", flush=True)


def latency(args) -> None:
    from django.core.management import call_command

    from arena.models import Category
    from ratings.api_keys import api_key_create
    from ratings.models import PromptRouteIndex
    from ratings.services.recompute import leaderboard_recompute

    vocab = sim.vocabulary(np.random.default_rng(11))
    if not (args.reuse and DATABASE.exists()):
        DATABASE.parent.mkdir(exist_ok=True)
        for path in (
            DATABASE,
            *(DATABASE.with_name(DATABASE.name + end) for end in ("-wal", "-shm")),
        ):
            path.unlink(missing_ok=True)  # a journal left behind would break the fresh file
        call_command("migrate", verbosity=0)
        _seed(args.latency_votes, args.latency_prompts)
        # Twice: the second recompute reads again only the prompts new since the first (none).
        for run in ("first", "second"):
            started, cpu = time.monotonic(), time.process_time()
            leaderboard_recompute(category=Category.objects.get())
            built = PromptRouteIndex.objects.latest("id").duration_ms
            wall, cpu = time.monotonic() - started, time.process_time() - cpu
            print(f"{run} recompute {wall:.1f} s ({cpu:.1f} s CPU), of which the prompt index "
                  f"{built / 1000:.1f} s; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    category = Category.objects.get()
    index = PromptRouteIndex.objects.latest("id")
    print(f"## Latency: {index.votes} votes, {index.prompts} prompts; the index built in "
          f"{index.duration_ms} ms, {len(index.data) / 1e6:.1f} MB")  # fmt: skip
    key = api_key_create(name=f"bench-{time.time_ns()}")[1]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = np.random.default_rng(7)
    for given in (True, False):
        times, cpu = _timed(key, vocab, rng, args.requests, category.slug if given else None)
        q, c = np.percentile(times, [50, 95, 99]), np.percentile(cpu, [50, 95, 99])
        print(f"category {'given' if given else 'guessed'}: wall p50 {q[0]:.1f} ms, p95 "
              f"{q[1]:.1f} ms, p99 {q[2]:.1f} ms; CPU p50 {c[0]:.1f} ms, p95 {c[1]:.1f} ms, "
              f"p99 {c[2]:.1f} ms over {len(times)} requests; load average "
              f"{os.getloadavg()[0]:.2f}")  # fmt: skip


def _timed(key: str, vocab, rng, requests: int, slug: str | None) -> tuple[list, list]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    times, cpu = [], []
    for i in range(requests + 20):
        body = {"prompt": vocab.prompt(rng, i % sim.SUBKINDS)}
        if slug:
            body["category"] = slug
        started, used = time.perf_counter(), time.process_time()
        response = client.post("/api/v1/route/", body, content_type="application/json",
                               secure=True)  # fmt: skip
        spent = (time.perf_counter() - started) * 1000
        used = (time.process_time() - used) * 1000
        if response.status_code != 200:
            sys.exit(f"POST /api/v1/route/ answered {response.status_code}: {response.content}")
        if i >= 20:  # the first requests read the index and warm the caches
            times.append(spent)
            cpu.append(used)
    return times, cpu


def _seed(votes: int, prompts: int):
    from django.contrib.auth import get_user_model

    from arena.models import Category, Prompt
    from tests.conftest import make_generator
    from tests.ratings.prompt_votes import seed_prompt_votes

    rng = np.random.default_rng(11)
    vocab = sim.vocabulary(rng)
    category = Category.objects.create(slug="logos", name="Logos", description="logos")
    models = [make_generator(f"Model {i}") for i in range(sim.MODELS)]
    voter = get_user_model().objects.create_user("bench-voter")
    subkind = rng.integers(sim.SUBKINDS, size=prompts)
    texts = [vocab.prompt(rng, s) for s in subkind]
    prompt = rng.integers(prompts, size=votes)
    rows = np.column_stack([prompt, *sim.battles(rng, sim.truth(60.0), subkind[prompt])])
    # Typed by voters, as a team's many prompts are: the category guess reads the curated ones.
    seed_prompt_votes(category=category, generators=models, texts=texts, rows=rows, voter=voter,
                      source=Prompt.Source.VOTER)  # fmt: skip
    return category, vocab


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sections", default="1,2")
    parser.add_argument("--categories", type=int, default=6)
    parser.add_argument("--votes", type=int, default=5000)
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--latency-votes", type=int, default=100_000)
    parser.add_argument("--latency-prompts", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    args = parser.parse_args()
    sections = {int(s) for s in args.sections.split(",")}
    print(f"load average {os.getloadavg()[0]:.2f}")
    if 1 in sections:
        quality(args)
    if 2 in sections:
        latency(args)


if __name__ == "__main__":
    main()
