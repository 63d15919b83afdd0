from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        from arena.hooks import vote_effect_register
        from ratings.services.elo import elo_vote_effect

        # The arena imports nothing of ratings: the online Elo joins each vote this way.
        vote_effect_register(elo_vote_effect)
