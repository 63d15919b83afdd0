"""Receivers of the generation app (connected in GenerationConfig.ready)."""

from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from generation.models import Generator


@receiver(pre_save, sender=Generator, dispatch_uid="generation.generator_fingerprint_mark")
def generator_fingerprint_mark(sender, instance: Generator, raw=False, update_fields=None, **kw):
    """Every save of a generator stores its fingerprint and marks ``changed_at`` on a change.

    A receiver, not a service, so that no save path can miss it (the admin, a shell, a
    command). The change is judged against the stored row (its fingerprint, or its fields
    when it has none yet), so a name, price or key edit is no change. A save limited to some
    fields writes the two columns itself. ``QuerySet.update()`` sends no signal: the next save
    of the generator sees the difference against its stored fingerprint and marks it then.
    """
    if raw:  # loaddata: rows are stored as given
        return
    fingerprint = instance.behaviour_fingerprint()
    stored = Generator.objects.filter(pk=instance.pk).first() if instance.pk else None
    previous = stored and (stored.fingerprint or stored.behaviour_fingerprint())
    instance.fingerprint = fingerprint
    if stored is None:
        return
    instance.changed_at = timezone.now() if previous != fingerprint else stored.changed_at
    if update_fields is not None and (stored.fingerprint, stored.changed_at) != (
        instance.fingerprint,
        instance.changed_at,
    ):
        Generator.objects.filter(pk=instance.pk).update(
            fingerprint=instance.fingerprint, changed_at=instance.changed_at
        )
