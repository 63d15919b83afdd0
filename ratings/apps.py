from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        from arena.hooks import vote_effect_register
        from arena.signals import vote_voided
        from ratings.receivers import vote_voided_rebuild
        from ratings.services.elo import elo_vote_effect

        # The arena imports nothing of ratings: the online Elo joins each vote this way, and
        # a voided vote is taken out of the Elo and the boards through the arena's signal.
        vote_effect_register(elo_vote_effect)
        vote_voided.connect(vote_voided_rebuild, dispatch_uid="ratings.vote_voided_rebuild")
