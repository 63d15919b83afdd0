"""Celery tasks of the arena app."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from arena.core.broker import broker_is_sqlalchemy, broker_sweep

REFILL_LOCK_SECONDS = 60


@shared_task
def battles_refill(category_id: int | None = None, voter_id: int | None = None) -> int:
    """Keep the buffer of ready battles full, and ``ARENA_BATTLES_AHEAD`` battles on their way
    that the voter who just took one has not seen; one refill per category, and one per
    voter, runs at a time."""
    from arena.services import battles_refill as battles_refill_service
    from arena.services import generations_requeue_stalled

    created = 0
    lock = f"arena:refill:{category_id or 'all'}"
    if cache.add(lock, 1, timeout=REFILL_LOCK_SECONDS):
        try:
            if category_id is None:
                generations_requeue_stalled()
            created += battles_refill_service(category_id=category_id)
        finally:
            cache.delete(lock)
    if voter_id is not None:
        created += battles_ahead(voter_id)
    return created


@shared_task
def battles_ahead(voter_id: int) -> int:
    """Keep ``ARENA_BATTLES_AHEAD`` open battles this voter has not seen on their way; one run
    per voter at a time."""
    from arena.services.unseen import battles_ahead as battles_ahead_service

    voter = get_user_model().objects.filter(id=voter_id).first()
    lock = f"arena:ahead:{voter_id}"
    if voter is None or not cache.add(lock, 1, timeout=REFILL_LOCK_SECONDS):
        return 0
    try:
        return battles_ahead_service(voter=voter, count=settings.ARENA_BATTLES_AHEAD)
    finally:
        cache.delete(lock)


@shared_task
def broker_messages_sweep() -> int:
    """Delete the messages the SQLite-file broker has delivered (it keeps them otherwise)."""
    if not broker_is_sqlalchemy(settings.CELERY_BROKER_URL):
        return 0
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    return broker_sweep(settings.CELERY_BROKER_URL, connect_args=options.get("connect_args"))
