from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        from arena.hooks import vote_effect_register
        from arena.services.pairing import pair_policy_register
        from arena.signals import vote_voided
        from ratings.pairing import category_worth, pair_weights
        from ratings.receivers import vote_voided_rebuild
        from ratings.services.elo import elo_vote_effect

        # The arena imports nothing of ratings, so ratings hands over what the arena asks:
        # the online Elo joins each vote's transaction, a voided vote is taken out of the Elo
        # and the boards, and matchmaking asks for pairs and categories where votes decide.
        vote_effect_register(elo_vote_effect)
        vote_voided.connect(vote_voided_rebuild, dispatch_uid="ratings.vote_voided_rebuild")
        pair_policy_register(pairs=pair_weights, categories=category_worth)
