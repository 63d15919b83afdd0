from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        from arena.signals import vote_voided
        from ratings.receivers import vote_voided_rebuild

        vote_voided.connect(vote_voided_rebuild, dispatch_uid="ratings.vote_voided_rebuild")
