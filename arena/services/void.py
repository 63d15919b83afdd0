"""Voiding a vote: kept as cast, marked void with who, when and why, and out of every rating."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from arena.models import Vote
from arena.services.errors import VoteError
from arena.signals import vote_voided

REASON_MAX = Vote._meta.get_field("void_reason").max_length


@transaction.atomic
def vote_void(*, vote_id: int, by, reason: str) -> bool:
    """Void one vote; False when it was already void. The ratings it moved are rebuilt once
    the void has committed."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise VoteError("Give a reason for voiding the vote.")
    updated = Vote.objects.filter(id=vote_id, voided_at__isnull=True).update(
        voided_at=timezone.now(),
        voided_by=by,
        voided_by_name=by.get_username() if by is not None else "",
        void_reason=reason[:REASON_MAX],
    )
    if not updated:
        return False
    category_id = Vote.objects.values_list("category_id", flat=True).get(id=vote_id)
    transaction.on_commit(
        lambda: vote_voided.send(sender=Vote, vote_id=vote_id, category_id=category_id)
    )
    return True
