from django.db import migrations, models


def kinds_of_category_boards(apps, schema_editor):
    """A category's snapshots are of its kind; overall ones were of every kind and count as
    generation until the next recompute replaces them with one board per kind."""
    Snapshot = apps.get_model("ratings", "Snapshot")
    Category = apps.get_model("arena", "Category")
    edits = Category.objects.filter(kind="edit").values("id")
    Snapshot.objects.filter(category_id__in=edits).update(kind="edit")


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0012_vote_category_protected"),
        ("ratings", "0006_apikey_export_scope"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="snapshot",
            name="ratings_sna_categor_f48726_idx",
        ),
        migrations.AddField(
            model_name="snapshot",
            name="kind",
            field=models.CharField(
                choices=[("generate", "Generate"), ("edit", "Edit")],
                default="generate",
                help_text="The kind of battles rated: the category's, or the overall board's.",
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="snapshot",
            index=models.Index(
                fields=["category", "kind", "-computed_at"], name="ratings_sna_categor_df0cb6_idx"
            ),
        ),
        migrations.RunPython(kinds_of_category_boards, migrations.RunPython.noop),
    ]
