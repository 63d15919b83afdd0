"""How generation treats its generator's concurrency cap (the Redis slots themselves are
tested against a real Redis in tests/integration/test_slots.py)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from generation import services
from generation.concurrency import GeneratorBusy, generator_slot
from generation.models import Generation
from generation.services import generation_get_or_create, generation_run, generation_run_now
from generation.tasks import generate
from tests.conftest import make_generator
from tests.generation.test_services import eager_retries  # noqa: F401


@pytest.fixture
def capped(db):
    generator = make_generator("Capped", layout="grid")
    generator.max_concurrency = 1
    generator.save()
    return generator


@pytest.fixture
def busy_slots(monkeypatch):
    """Slots that are all taken for the first ``times`` tries, then free."""
    state = {"times": 0, "tries": 0}

    @contextmanager
    def slot(*, generator_id, limit, token):
        state["tries"] += 1
        if state["tries"] <= state["times"]:
            raise GeneratorBusy(f"all {limit} slots are taken")
        yield

    monkeypatch.setattr(services, "generator_slot", slot)
    return state


def test_a_busy_generator_leaves_the_generation_unclaimed(prompt, capped, busy_slots):
    busy_slots["times"] = 1
    generation, _ = generation_get_or_create(prompt=prompt, generator=capped)

    with pytest.raises(GeneratorBusy):
        generation_run(generation_id=generation.id, claim="task-1")

    generation.refresh_from_db()
    assert generation.status == Generation.Status.PENDING
    assert generation.attempts == 0 and generation.claimed_by == ""


@pytest.mark.usefixtures("eager_retries")
def test_waiting_for_a_slot_uses_up_no_retry_and_no_attempt(prompt, capped, busy_slots):
    # More busy rounds than the task may retry provider failures: waiting is not failing.
    busy_slots["times"] = generate.max_retries + 3
    generation, _ = generation_get_or_create(prompt=prompt, generator=capped)

    generate.apply(args=[generation.id])

    generation.refresh_from_db()
    assert generation.status == Generation.Status.SUCCEEDED
    assert generation.attempts == 1
    assert busy_slots["tries"] == generate.max_retries + 4


def test_without_redis_a_cap_has_nothing_to_share_and_does_not_block(settings, prompt, capped):
    settings.ARENA_CONCURRENCY_REDIS_URL = ""
    generation, _ = generation_get_or_create(prompt=prompt, generator=capped)

    with generator_slot(generator_id=capped.id, limit=1, token="holder"):
        done = generation_run(generation_id=generation.id, claim="task-1")

    assert done.status == Generation.Status.SUCCEEDED


def test_a_finished_generation_does_not_wait_for_a_slot(prompt, capped, busy_slots):
    generation, _ = generation_get_or_create(prompt=prompt, generator=capped)
    generation_run(generation_id=generation.id, claim="task-1")
    busy_slots["times"] = busy_slots["tries"] + 10

    assert generation_run(generation_id=generation.id, claim="task-2") is None
    assert generate.apply(args=[generation.id]).get() == "skipped"


def test_running_now_when_busy_records_nothing(prompt, capped, busy_slots):
    busy_slots["times"] = 1

    with pytest.raises(GeneratorBusy):
        generation_run_now(generator=capped, prompt=prompt)

    assert not Generation.objects.filter(generator=capped).exists()


def test_running_now_makes_a_fresh_output_that_battles_never_reuse(prompt, capped):
    cached, _ = generation_get_or_create(prompt=prompt, generator=capped)
    generation_run(generation_id=cached.id, claim="task-1")

    fresh = generation_run_now(generator=capped, prompt=prompt)

    assert fresh.id != cached.id and fresh.status == Generation.Status.SUCCEEDED
    assert not fresh.reusable
    assert generation_get_or_create(prompt=prompt, generator=capped) == (cached, False)


def test_an_unreachable_redis_counts_as_busy_not_as_no_cap(settings):
    settings.ARENA_CONCURRENCY_REDIS_URL = "redis://127.0.0.1:1/0"
    with (
        pytest.raises(GeneratorBusy, match="unreachable"),
        generator_slot(generator_id=1, limit=1, token="run"),
    ):
        pytest.fail("the provider must not be called without its cap")
