"""Celery tasks of the generation app: thin, take ids, idempotent."""

from __future__ import annotations

import random
import sys

from celery import shared_task

from generation.models import Generation
from generation.signals import generation_finished

MAX_RETRIES = 5
# Celery counts every retry, slot waits included; the limit that matters is on attempts.
UNCOUNTED = sys.maxsize
# Seconds before a task that found its generator's slots all taken asks again.
BUSY_COUNTDOWN = (0.5, 2.0)


def retry_delay(retries: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never sooner than the provider asked."""
    backoff = random.uniform(0, min(2.0**retries, 60.0))
    return max(backoff, retry_after or 0.0)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def generate(self, generation_id: int) -> str:
    """Produce one generation, then settle the battles that wait on it.

    Retries are counted by the generation's attempts (provider calls, across redeliveries),
    not by Celery: waiting for a concurrency slot calls nothing, so it uses up no retry. A
    generation that is gone, finished or owned by another run is skipped.
    """
    from generation.concurrency import GeneratorBusy
    from generation.services import TransientGenerationError, generation_fail, generation_run

    claim = self.request.id or f"inline-{generation_id}"
    try:
        generation = generation_run(generation_id=generation_id, claim=claim)
    except GeneratorBusy as exc:
        raise self.retry(countdown=random.uniform(*BUSY_COUNTDOWN), max_retries=UNCOUNTED) from exc
    except TransientGenerationError as exc:
        if exc.attempts > self.max_retries:
            generation_fail(generation_id=generation_id, claim=claim, error=f"gave up: {exc}")
        else:
            delay = retry_delay(exc.attempts - 1, exc.retry_after)
            raise self.retry(countdown=delay, max_retries=UNCOUNTED) from exc
        generation = None
    generation_finished.send(sender=Generation, generation_id=generation_id)
    return generation.status if generation else "skipped"
