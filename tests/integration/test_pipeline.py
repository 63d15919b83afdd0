"""The generation pipeline on real workers: a generator's concurrency cap holds across pool
processes, and a worker killed mid-generation leaves no stuck battle and no duplicate output."""

from __future__ import annotations

import os
import signal
import time

import redis

from arena.models import Battle, Prompt
from arena.services import battle_create
from generation.concurrency import Slots
from generation.models import Generation, Generator
from generation.services import generation_get_or_create
from generation.tasks import generate
from tests.conftest import make_generator

CAP = 3
VISIBILITY_TIMEOUT = 1  # seconds before Redis hands out a dead worker's tasks again


def _generator(name: str, *, delay_ms: int = 0, cap: int = 0) -> Generator:
    generator = make_generator(name, delay_ms=delay_ms)
    Generator.objects.filter(id=generator.id).update(max_concurrency=cap)
    generator.refresh_from_db()
    return generator


def _most_at_once(intervals: list[tuple]) -> int:
    """The largest number of (start, end) intervals open at one instant."""
    # At equal times an end sorts before a start: touching intervals do not overlap.
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    running = most = 0
    for _, step in events:
        running += step
        most = max(most, running)
    return most


def _battle(category, text: str, a: Generator, b: Generator) -> Battle:
    prompt = Prompt.objects.create(text=text, category=category)
    return battle_create(prompt=prompt, generator_a=a, generator_b=b)  # queued on commit


def test_fifty_generations_on_six_pool_processes_never_exceed_a_cap_of_three(
    start_worker, broker_url, category
):
    worker = start_worker(concurrency=6)
    slow = _generator("Slow", delay_ms=300, cap=CAP)
    for i in range(50):
        prompt = Prompt.objects.create(text=f"Prompt number {i}", category=category)
        generate.delay(generation_get_or_create(prompt=prompt, generator=slow)[0].id)
    slots = Slots(redis.Redis.from_url(broker_url), generator_id=slow.id, limit=CAP, lease=1)
    held = []

    def all_finished() -> bool:
        held.append(slots.held())
        return not Generation.objects.exclude(status=Generation.Status.SUCCEEDED).exists()

    worker.wait_for(all_finished, timeout=180, what="50 generations")

    runs = list(Generation.objects.values_list("started_at", "finished_at", "attempts"))
    assert len(runs) == 50
    assert _most_at_once([(start, end) for start, end, _ in runs]) == CAP
    assert max(held) <= CAP
    assert {attempts for *_, attempts in runs} == {1}  # waiting for a slot is no attempt


def test_a_pool_process_killed_mid_generation_is_replaced_and_the_battle_gets_ready(
    start_worker, category
):
    worker = start_worker(concurrency=2)
    slow, fast = _generator("Slow", delay_ms=1500, cap=1), _generator("Fast")
    battle = _battle(category, "A lighthouse at dusk", slow, fast)
    running = Generation.objects.filter(id=battle.generation_a_id, status="running")
    worker.wait_for(running.exists, what="the slow generation to start")
    task_id = running.get().claimed_by

    os.kill(worker.pool_pid_running(task_id), signal.SIGKILL)

    worker.wait_for(
        lambda: Battle.objects.get(id=battle.id).status == Battle.Status.READY,
        timeout=30,
        what="the battle to be ready",
    )
    redone = Generation.objects.get(id=battle.generation_a_id)
    assert redone.status == Generation.Status.SUCCEEDED
    assert redone.claimed_by == task_id and redone.attempts == 2  # the same task, run again
    assert Generation.objects.filter(generator=slow).count() == 1
    assert "signal 9 (SIGKILL)" in worker.log.read_text()


def test_a_worker_killed_whole_mid_generation_is_recovered_by_the_next_one(start_worker, category):
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(concurrency=2, env=env)
    slow, fast = _generator("Slow", delay_ms=1000, cap=1), _generator("Fast")
    battles = [_battle(category, f"A lighthouse, take {i}", slow, fast) for i in range(2)]
    running = Generation.objects.filter(generator=slow, status="running")
    first.wait_for(running.exists, what="a slow generation to start")
    task_id = running.get().claimed_by

    first.kill()
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    second = start_worker(concurrency=2, env=env)

    second.wait_for(
        lambda: Battle.objects.filter(status=Battle.Status.READY).count() == 2,
        timeout=40,
        what="both battles to be ready",
    )
    assert Battle.objects.count() == 2 and {b.id for b in Battle.objects.all()} == {
        b.id for b in battles
    }
    assert Generation.objects.count() == 4
    assert set(Generation.objects.values_list("status", flat=True)) == {"succeeded"}
    redone = Generation.objects.get(claimed_by=task_id)
    assert redone.attempts == 2  # its slot was its own again: no wait for the lease to end
    assert task_id in second.log.read_text()
