"""Writes for generations: create or reuse one, run it once, record the outcome."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from generation.concurrency import GeneratorBusy, generator_slot
from generation.models import Generation, Generator
from generation.outputs import output_digest, reencode_image, store_output
from generation.providers import Output, ProviderError, get_provider_class
from generation.safety import allowed_hosts, key_host_problem, key_hosts, key_variable_problem
from generation.signals import generation_finished
from generation.sources import conform, image_size, read_source
from generation.style import output_style_record

logger = logging.getLogger(__name__)
# A battle's kind has the same names as a generator's capabilities.
GENERATE, EDIT = Generator.Capability.GENERATE.value, Generator.Capability.EDIT.value


class TransientGenerationError(Exception):
    """The provider may succeed if asked again later; ``attempts`` calls were made so far."""

    def __init__(self, message: str, retry_after: float | None = None, attempts: int = 1):
        super().__init__(message)
        self.retry_after = retry_after
        self.attempts = attempts


def params_hash(generator: Generator, kind: str = GENERATE, sources: str = "") -> str:
    """Fingerprint of everything that shapes an output besides the prompt's text.

    ``sources``: an edit's source image and mask, so that a prompt given another picture
    never reuses an edit of the old one.
    """
    key = {
        "provider": generator.provider,
        "model": generator.model_id,
        "params": generator.parameters_for(kind),
    }
    if kind != GENERATE:  # generation keeps its old fingerprints, so reuse carries on
        key["kind"], key["sources"] = kind, sources
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def prompt_kind(prompt) -> str:
    """``edit`` for a prompt with a source image, else ``generate`` (read, not imported)."""
    return EDIT if getattr(prompt, "source_image", "") else GENERATE


def prompt_params_hash(prompt, generator: Generator) -> str:
    kind = prompt_kind(prompt)
    sources = f"{prompt.source_image}|{prompt.source_mask}" if kind == EDIT else ""
    return params_hash(generator, kind, sources)


def fresh_parameters(parameters: dict, generator: Generator) -> dict:
    """``parameters`` with a new random seed, when the generator's provider takes one."""
    parameters = dict(parameters)
    try:
        seed_parameter = get_provider_class(generator.provider).seed_parameter
    except LookupError:
        seed_parameter = ""
    if seed_parameter:
        parameters[seed_parameter] = secrets.randbelow(2**31)
    return parameters


def generation_get_or_create(
    *, prompt, generator: Generator, fresh: bool = False, variant: int = 0
) -> tuple[Generation, bool]:
    """Reuse a live generation for the same prompt, generator and parameters, or create one.

    ``fresh``: always a new output, never reused later (with a new seed where the provider
    takes one; one without seeds simply generates again).
    ``variant``: which reusable output; above 0 it is drawn with a seed of its own, for voters
    who have seen the ones before it.
    """
    kind = prompt_kind(prompt)
    parameters = generator.parameters_for(kind)
    fields = {
        "prompt": prompt,
        "generator": generator,
        "params_hash": prompt_params_hash(prompt, generator),
    }
    if fresh or variant:
        parameters = fresh_parameters(parameters, generator)
    if fresh or not settings.ARENA_REUSE_GENERATIONS:
        return Generation.objects.create(**fields, parameters=parameters, reusable=False), True
    fields["variant"] = variant
    live = Generation.objects.filter(**fields, reusable=True).exclude(
        status=Generation.Status.FAILED
    )
    existing = live.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Generation.objects.create(**fields, parameters=parameters), True
    except IntegrityError:
        # Another request created it between our read and our insert: use theirs.
        return live.get(), False


def _claimable(claim: str) -> Q:
    stale = timezone.now() - timedelta(seconds=settings.ARENA_GENERATION_STALE_SECONDS)
    return Q(status=Generation.Status.PENDING) | Q(status=Generation.Status.RUNNING) & (
        Q(claimed_by=claim) | Q(started_at__lt=stale)
    )


def generation_claim(*, generation_id: int, claim: str) -> bool:
    """Mark a generation running for this task; False if another run owns it or it is done.

    A redelivered task keeps its id, so a run cut short by a dead worker is picked up again;
    a run that went silent for longer than the stale limit may be taken over by anyone.
    """
    updated = Generation.objects.filter(_claimable(claim), id=generation_id).update(
        status=Generation.Status.RUNNING,
        claimed_by=claim,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    return updated == 1


def generation_run(*, generation_id: int, claim: str) -> Generation | None:
    """Call the provider for a generation, within its generator's concurrency cap.

    Returns the finished generation, or None when another run owns it or it is done. Raises
    ``GeneratorBusy`` when every slot stayed taken (nothing was claimed or called), and
    ``TransientGenerationError`` when the caller should retry later.
    """
    generation = (
        Generation.objects.filter(_claimable(claim), id=generation_id)
        .select_related("generator", "prompt")
        .first()
    )
    if generation is None:
        return None
    generator = generation.generator
    # The slot is taken before the claim, so waiting for one is never counted as an attempt.
    with generator_slot(generator_id=generator.id, limit=generator.max_concurrency, token=claim):
        if not generation_claim(generation_id=generation_id, claim=claim):
            return None
        _run_claimed(generation, claim)
    return Generation.objects.get(id=generation_id)


def _run_claimed(generation: Generation, claim: str) -> None:
    started = time.monotonic()
    try:
        output = _call_provider(generation)
        content, media_type = _blind_content(output, edit=prompt_kind(generation.prompt) == EDIT)
    except ProviderError as exc:
        _record_failure(generation, claim, exc)
        return
    latency_ms = round((time.monotonic() - started) * 1000)
    _record_success(generation, claim, output, content, media_type, latency_ms)


def _record_failure(generation: Generation, claim: str, exc: ProviderError) -> None:
    if not exc.permanent:
        attempts = Generation.objects.values_list("attempts", flat=True).get(id=generation.id)
        raise TransientGenerationError(
            str(exc), retry_after=exc.retry_after, attempts=attempts
        ) from exc
    generation_fail(generation_id=generation.id, claim=claim, error=str(exc))
    if exc.auth:
        generator_disable(
            generator_id=generation.generator_id, reason=f"The provider rejected the API key: {exc}"
        )


def _call_provider(generation: Generation) -> Output:
    generator = generation.generator
    provider_class = get_provider_class(generator.provider)
    api_key = ""
    if generator.api_key_env:
        problem = key_variable_problem(generator.api_key_env) or key_host_problem(
            generator.api_key_env, generator.provider, generator.base_url
        )
        if problem:
            raise ProviderError(problem, permanent=True)
        api_key = os.environ.get(generator.api_key_env, "")
        if not api_key:
            raise ProviderError(
                f"environment variable {generator.api_key_env} is not set", permanent=True
            )
    elif provider_class.needs_key:
        raise ProviderError("the generator names no API key variable", permanent=True)
    provider = provider_class(
        model_id=generator.model_id,
        api_key=api_key,
        base_url=generator.base_url,
        allowed_hosts=allowed_hosts(),
        key_hosts=key_hosts(generator.api_key_env),
    )
    prompt, params = generation.prompt, dict(generation.parameters)
    if prompt_kind(prompt) == EDIT:
        return _edit(provider, prompt, params)
    return provider.generate(prompt.text, params)


def _edit(provider, prompt, params: dict) -> Output:
    image, mask = read_source(prompt.source_image), read_source(prompt.source_mask)
    output = provider.edit(prompt.text, image, mask, params)
    if output.content is None:
        return output
    # Every edit comes out at its source's size, whatever size its provider answers.
    return replace(output, content=conform(output.content, image_size(image)))


def _blind_content(output: Output, *, edit: bool) -> tuple[bytes | None, str]:
    if output.content is not None:
        # An edit already has its source's size, the same for both sides of its battle: the
        # canonical box would only shrink or pad it away from the source it is compared with.
        return reencode_image(output.content, size=None) if edit else reencode_image(output.content)
    if output.text is None:
        raise ProviderError("provider returned neither an image nor text", permanent=True)
    return None, "text/plain"


def _record_success(generation, claim, output, content, media_type, latency_ms) -> None:
    name = store_output(content, media_type) if content is not None else ""
    cost = (
        output.cost if output.cost is not None else Decimal(generation.generator.price_per_output)
    )
    updated = Generation.objects.filter(
        id=generation.id, status=Generation.Status.RUNNING, claimed_by=claim
    ).update(
        status=Generation.Status.SUCCEEDED,
        file=name,
        text=output.text or "",
        digest=output_digest(content, output.text or ""),
        media_type=media_type,
        latency_ms=latency_ms,
        cost=cost,
        model_version=output.model_version[:200],
        error="",
        finished_at=timezone.now(),
    )
    if updated and content is not None:
        # Measured from the bytes as stored, once: style control compares what voters saw.
        output_style_record(generation_id=generation.id, content=content, prompt=generation.prompt)


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


def generator_disable(*, generator_id: int, reason: str) -> bool:
    """Turn a generator off with a reason shown in the admin; False if it was already off.

    Its generations still waiting to start fail at once with the reason, so their battles
    fail and the buffer is refilled with enabled generators instead.
    """
    updated = Generator.objects.filter(id=generator_id, enabled=True).update(
        enabled=False, disabled_reason=reason[:2000]
    )
    if not updated:
        return False
    logger.warning("generator %s disabled: %s", generator_id, reason)
    _fail_waiting(generator_id=generator_id, error=f"generator disabled: {reason}")
    return True


def _fail_waiting(*, generator_id: int, error: str) -> None:
    waiting = Generation.objects.filter(generator_id=generator_id, status=Generation.Status.PENDING)
    ids = list(waiting.values_list("id", flat=True))
    # One a worker claims meanwhile meets the same rejection and fails on its own.
    waiting.filter(id__in=ids).update(
        status=Generation.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )
    for generation_id in ids:
        generation_finished.send(sender=Generation, generation_id=generation_id)


def generation_run_now(*, generator: Generator, prompt) -> Generation:
    """Generate one fresh output in this process, for the command line and the admin's test.

    The output is never reused in battles. Raises ``GeneratorBusy`` (recording nothing) when
    the generator's concurrency cap stays full.
    """
    kind = prompt_kind(prompt)
    generation = Generation.objects.create(
        prompt=prompt,
        generator=generator,
        params_hash=prompt_params_hash(prompt, generator),
        parameters=generator.parameters_for(kind),
        reusable=False,
    )
    claim = f"now-{uuid.uuid4().hex}"
    try:
        generation_run(generation_id=generation.id, claim=claim)
    except GeneratorBusy:
        generation.delete()
        raise
    except TransientGenerationError as exc:
        generation_fail(generation_id=generation.id, claim=claim, error=str(exc))
    return Generation.objects.select_related("generator").get(id=generation.id)
