from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        from arena.services.pairing import pair_policy_register
        from arena.signals import vote_recorded, vote_voided
        from ratings.pairing import category_worth, pair_weights
        from ratings.receivers import vote_recorded_schedule, vote_voided_rebuild

        # The arena imports nothing of ratings, so ratings listens and hands over what the
        # arena asks: a new vote's board is recomputed (its online Elo with it), a voided vote
        # is taken out of the Elo and the boards, and matchmaking asks for pairs and
        # categories where votes decide.
        vote_recorded.connect(vote_recorded_schedule, dispatch_uid="ratings.vote_recorded_schedule")
        vote_voided.connect(vote_voided_rebuild, dispatch_uid="ratings.vote_voided_rebuild")
        pair_policy_register(pairs=pair_weights, categories=category_worth)
