"""Drop the PostgreSQL functions that once repeated the vote's rules in SQL (see 0006)."""

from __future__ import annotations

from django.db import migrations

FUNCTIONS = ("arena_vote_cast", "ratings_vote_cast", "ratings_elo_delta")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in FUNCTIONS:
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0006_vote_cast_function"),
        ("ratings", "0003_vote_cast_function"),
    ]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
