"""What the arena does when a room below it reports something (see generation.signals), and
when an account (django.contrib.auth, below every room) is about to be deleted."""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from arena.services.battles import battles_settle
from arena.services.claims import battles_release_account
from generation.signals import generation_finished


@receiver(generation_finished, dispatch_uid="arena.battles_settle")
def battles_settle_on_generation(sender, *, generation_id: int, **kwargs) -> None:
    battles_settle(generation_id=generation_id)


# Sent inside the deletion's transaction, before the account's battles lose their voter (which
# a held battle may not: see Battle's constraints), so a deletion that fails changes nothing.
@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="arena.battles_release")
def battles_release_on_account_delete(sender, *, instance, **kwargs) -> None:
    battles_release_account(user_id=instance.pk)
