from __future__ import annotations

from decimal import Decimal

import pytest

from arena.project.celery import app as celery_app
from generation.models import Generation
from generation.services import (
    TransientGenerationError,
    generation_claim,
    generation_get_or_create,
    generation_run,
)
from generation.tasks import generate, retry_delay
from tests.conftest import make_generator


def _pending(prompt, generator) -> Generation:
    return generation_get_or_create(prompt=prompt, generator=generator)[0]


def test_a_generation_runs_once_and_stores_a_blind_file(prompt, generators):
    generation = _pending(prompt, generators[0])
    done = generation_run(generation_id=generation.id, claim="task-1")
    assert done.status == Generation.Status.SUCCEEDED
    assert done.file.name.startswith("outputs/") and done.media_type == "image/png"
    assert done.latency_ms is not None and done.cost == Decimal("0.01")
    assert done.model_version == "builtin-1"
    assert generation_run(generation_id=generation.id, claim="task-2") is None


def test_a_redelivered_task_takes_its_own_claim_back_but_nobody_elses(prompt, generators):
    generation = _pending(prompt, generators[0])
    assert generation_claim(generation_id=generation.id, claim="task-1")
    assert not generation_claim(generation_id=generation.id, claim="task-2")
    assert generation_claim(generation_id=generation.id, claim="task-1")
    generation.refresh_from_db()
    assert generation.attempts == 2


def test_a_stale_running_generation_can_be_taken_over(prompt, generators, settings):
    settings.ARENA_GENERATION_STALE_SECONDS = 0
    generation = _pending(prompt, generators[0])
    assert generation_claim(generation_id=generation.id, claim="task-1")
    assert generation_claim(generation_id=generation.id, claim="task-2")


def test_a_transient_error_asks_for_a_retry_and_keeps_the_generation_running(prompt):
    flaky = make_generator("Flaky", fail="transient")
    generation = _pending(prompt, flaky)
    with pytest.raises(TransientGenerationError):
        generation_run(generation_id=generation.id, claim="task-1")
    generation.refresh_from_db()
    assert generation.status == Generation.Status.RUNNING


@pytest.fixture
def eager_retries():
    # In-process retries run at once, each as a fresh apply that reads this setting.
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


def test_the_task_gives_up_after_its_retries_with_the_reason(prompt, eager_retries):
    flaky = make_generator("Flaky", fail="transient")
    generation = _pending(prompt, flaky)
    generate.apply(args=[generation.id])
    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED
    assert "gave up" in generation.error and "transient" in generation.error
    assert generation.attempts == 1 + generate.max_retries


def test_a_missing_api_key_fails_permanently_with_the_variable_named(prompt, monkeypatch):
    keyed = make_generator("Keyed")
    keyed.api_key_env = "ARENA_KEY_TEST_MISSING"
    keyed.save()
    monkeypatch.delenv("ARENA_KEY_TEST_MISSING", raising=False)
    generation = _pending(prompt, keyed)
    done = generation_run(generation_id=generation.id, claim="task-1")
    assert done.status == Generation.Status.FAILED
    assert "ARENA_KEY_TEST_MISSING" in done.error


def test_generations_are_not_reused_when_reuse_is_off(prompt, generators, settings):
    settings.ARENA_REUSE_GENERATIONS = False
    first, _ = generation_get_or_create(prompt=prompt, generator=generators[0])
    second, created = generation_get_or_create(prompt=prompt, generator=generators[0])
    assert created and first.pk != second.pk


def test_retry_delay_backs_off_and_honours_retry_after():
    assert 0 <= retry_delay(0, None) <= 1
    assert retry_delay(0, 30.0) == 30.0
    assert all(retry_delay(10, None) <= 60 for _ in range(100))
