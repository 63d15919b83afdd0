"""Celery tasks of the generation app: thin, take ids, idempotent."""

from __future__ import annotations

import logging
import random

from celery import shared_task

from generation.models import Generation
from generation.services import TransientGenerationError, generation_fail, generation_run

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


def retry_delay(retries: int, retry_after: float | None) -> float:
    """Exponential backoff with full jitter, never sooner than the provider asked."""
    backoff = random.uniform(0, min(2.0**retries, 60.0))
    return max(backoff, retry_after or 0.0)


@shared_task(bind=True, max_retries=MAX_RETRIES)
def generate(self, generation_id: int) -> str:
    """Produce one generation, then settle the battles that wait on it."""
    from arena.services import battles_settle

    if not Generation.objects.filter(id=generation_id).exists():
        logger.warning("generation %s no longer exists; nothing to do", generation_id)
        return "missing"
    claim = self.request.id or f"inline-{generation_id}"
    try:
        generation = generation_run(generation_id=generation_id, claim=claim)
    except TransientGenerationError as exc:
        if self.request.retries >= self.max_retries:
            generation_fail(generation_id=generation_id, claim=claim, error=f"gave up: {exc}")
        else:
            raise self.retry(countdown=retry_delay(self.request.retries, exc.retry_after)) from exc
        generation = None
    battles_settle(generation_id=generation_id)
    return generation.status if generation else "skipped"
