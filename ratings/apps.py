from __future__ import annotations

from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "Ratings"

    def ready(self) -> None:
        # The arena asks these when it makes a battle and when it picks a voter's next
        # category; it cannot import ratings, so ratings hands them over here.
        from arena.services.pairing import pair_policy_register
        from ratings.pairing import category_worth, pair_weights

        pair_policy_register(pairs=pair_weights, categories=category_worth)
