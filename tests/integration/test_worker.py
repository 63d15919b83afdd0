"""A real Celery worker over Redis generates outputs and refills the battle buffer."""

from __future__ import annotations

from django.conf import settings

from arena.models import Battle
from arena.tasks import battles_refill
from generation.models import Generation
from generation.services import generation_get_or_create
from generation.tasks import generate


def test_a_real_worker_refills_the_battle_buffer(worker, category, prompt, generators):
    battles_refill.apply_async(kwargs={"category_id": category.id}, queue=worker.queue)
    buffer = settings.ARENA_BATTLE_BUFFER

    def buffer_ready():
        return Battle.objects.filter(status=Battle.Status.READY).count() >= buffer

    worker.wait_for(buffer_ready, what=f"{buffer} ready battles")
    for battle in Battle.objects.all():
        for generation in (battle.generation_a, battle.generation_b):
            assert generation.status == Generation.Status.SUCCEEDED
            # Claimed by a task id from the broker, not by an in-process call.
            assert generation.claimed_by and not generation.claimed_by.startswith("inline-")
            assert generation.file.storage.exists(generation.file.name)


def test_a_real_worker_runs_one_generation(worker, prompt, generators):
    generation, _ = generation_get_or_create(prompt=prompt, generator=generators[0])
    result = generate.apply_async(args=[generation.id], queue=worker.queue)

    def finished():
        generation.refresh_from_db()
        return generation.status in (Generation.Status.SUCCEEDED, Generation.Status.FAILED)

    worker.wait_for(finished, what="the generation")
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.claimed_by == result.id
    assert generation.latency_ms is not None
