"""What the arena does when a room below it reports something (see generation.signals)."""

from __future__ import annotations

from django.dispatch import receiver

from arena.services.battles import battles_settle
from generation.signals import generation_finished


@receiver(generation_finished, dispatch_uid="arena.battles_settle")
def battles_settle_on_generation(sender, *, generation_id: int, **kwargs) -> None:
    battles_settle(generation_id=generation_id)
