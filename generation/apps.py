from __future__ import annotations

from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from django.db.models.signals import pre_save

        from generation.models import Generator
        from generation.receivers import generator_fingerprint_mark

        pre_save.connect(
            generator_fingerprint_mark,
            sender=Generator,
            dispatch_uid="generation.generator_fingerprint_mark",
        )
