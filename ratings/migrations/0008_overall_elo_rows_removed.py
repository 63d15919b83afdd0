"""The overall boards keep no online Elo rows: each kind's is replayed at its recompute."""

from __future__ import annotations

from django.db import migrations


def remove_overall_rows(apps, schema_editor):
    apps.get_model("ratings", "EloRating").objects.filter(category__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("ratings", "0007_snapshot_kind")]

    operations = [migrations.RunPython(remove_overall_rows, migrations.RunPython.noop)]
