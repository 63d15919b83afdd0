"""Formerly created the PostgreSQL functions ``ratings_vote_cast`` and ``ratings_elo_delta``.

It does nothing now: the online Elo moves in Python (ratings.services.elo, with the formula
of ratings.engine.elo). Databases that ran it before lose the functions in
arena/migrations/0007_drop_vote_cast_functions.
"""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("ratings", "0002_apikey"),
        ("arena", "0004_vote_voter_time_index"),
    ]

    operations: list = []
