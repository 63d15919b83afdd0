"""Writes for generations: create or reuse one, run it once, record the outcome."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from generation.models import Generation, Generator
from generation.outputs import reencode_image, store_output
from generation.providers import Output, ProviderError, get_provider_class

logger = logging.getLogger(__name__)


class TransientGenerationError(Exception):
    """The provider may succeed if asked again later."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


def params_hash(generator: Generator) -> str:
    """Fingerprint of everything that shapes an output besides the prompt."""
    key = {
        "provider": generator.provider,
        "model": generator.model_id,
        "params": generator.parameters,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def generation_get_or_create(*, prompt, generator: Generator) -> tuple[Generation, bool]:
    """Reuse a live generation for the same prompt, generator and parameters, or create one."""
    fields = {"prompt": prompt, "generator": generator, "params_hash": params_hash(generator)}
    if not settings.ARENA_REUSE_GENERATIONS:
        return Generation.objects.create(
            **fields, parameters=generator.parameters, reusable=False
        ), True
    live = Generation.objects.filter(**fields, reusable=True).exclude(
        status=Generation.Status.FAILED
    )
    existing = live.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Generation.objects.create(**fields, parameters=generator.parameters), True
    except IntegrityError:
        # Another request created it between our read and our insert: use theirs.
        return live.get(), False


def generation_claim(*, generation_id: int, claim: str) -> bool:
    """Mark a generation running for this task; False if another run owns it or it is done.

    A redelivered task keeps its id, so a run cut short by a dead worker is picked up again;
    a run that went silent for longer than the stale limit may be taken over by anyone.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.ARENA_GENERATION_STALE_SECONDS)
    claimable = Q(status=Generation.Status.PENDING) | Q(status=Generation.Status.RUNNING) & (
        Q(claimed_by=claim) | Q(started_at__lt=stale)
    )
    updated = Generation.objects.filter(claimable, id=generation_id).update(
        status=Generation.Status.RUNNING,
        claimed_by=claim,
        started_at=now,
        attempts=F("attempts") + 1,
    )
    return updated == 1


def generation_run(*, generation_id: int, claim: str) -> Generation | None:
    """Call the provider for a claimed generation and store the outcome.

    Returns the finished generation, or None when another run owns it. Raises
    ``TransientGenerationError`` when the caller should retry later.
    """
    if not generation_claim(generation_id=generation_id, claim=claim):
        return None
    generation = Generation.objects.select_related("generator", "prompt").get(id=generation_id)
    started = time.monotonic()
    try:
        output = _call_provider(generation)
        content, media_type = _blind_content(output)
    except ProviderError as exc:
        if not exc.permanent:
            raise TransientGenerationError(str(exc), retry_after=exc.retry_after) from exc
        generation_fail(generation_id=generation_id, claim=claim, error=str(exc))
        return Generation.objects.get(id=generation_id)
    latency_ms = round((time.monotonic() - started) * 1000)
    _record_success(generation, claim, output, content, media_type, latency_ms)
    return Generation.objects.get(id=generation_id)


def _call_provider(generation: Generation) -> Output:
    generator = generation.generator
    provider_class = get_provider_class(generator.provider)
    api_key = ""
    if generator.api_key_env:
        api_key = os.environ.get(generator.api_key_env, "")
        if not api_key:
            raise ProviderError(
                f"environment variable {generator.api_key_env} is not set", permanent=True
            )
    elif provider_class.needs_key:
        raise ProviderError("the generator names no API key variable", permanent=True)
    provider = provider_class(
        model_id=generator.model_id, api_key=api_key, base_url=generator.base_url
    )
    return provider.generate(generation.prompt.text, dict(generation.parameters))


def _blind_content(output: Output) -> tuple[bytes | None, str]:
    if output.content is not None:
        return reencode_image(output.content)
    if output.text is None:
        raise ProviderError("provider returned neither an image nor text", permanent=True)
    return None, "text/plain"


def _record_success(generation, claim, output, content, media_type, latency_ms) -> None:
    name = store_output(content, media_type) if content is not None else ""
    cost = (
        output.cost if output.cost is not None else Decimal(generation.generator.price_per_output)
    )
    Generation.objects.filter(
        id=generation.id, status=Generation.Status.RUNNING, claimed_by=claim
    ).update(
        status=Generation.Status.SUCCEEDED,
        file=name,
        text=output.text or "",
        media_type=media_type,
        latency_ms=latency_ms,
        cost=cost,
        model_version=output.model_version[:200],
        error="",
        finished_at=timezone.now(),
    )


def generation_fail(*, generation_id: int, claim: str | None, error: str) -> bool:
    """Mark a generation failed with its reason; only the run that owns it may."""
    running = Generation.objects.filter(id=generation_id).exclude(
        status__in=[Generation.Status.SUCCEEDED, Generation.Status.FAILED]
    )
    if claim is not None:
        running = running.filter(claimed_by=claim)
    updated = running.update(
        status=Generation.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    if updated:
        logger.info("generation %s failed: %s", generation_id, error)
    return updated == 1
