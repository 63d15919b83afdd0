"""Formerly created the PostgreSQL function ``arena_vote_cast``; now does nothing.

The vote's rules live once, in Python (arena.services.votes), on every database. Databases
that ran this migration before lose the function in 0007_drop_vote_cast_functions.
"""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0005_vote_fewer_indexes"),
        ("ratings", "0003_vote_cast_function"),
    ]

    operations: list = []
