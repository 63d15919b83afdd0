from django.db import migrations, models

from generation.models import behaviour_fingerprint


def fill_fingerprints(apps, schema_editor):
    """Existing generators start from their fingerprint now; none counts as changed."""
    Generator = apps.get_model("generation", "Generator")
    for generator in Generator.objects.all():
        generator.fingerprint = behaviour_fingerprint(
            generator.provider,
            generator.model_id,
            generator.parameters,
            generator.edit_parameters,
        )
        generator.save(update_fields=["fingerprint"])


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0004_generator_capabilities_edit_parameters"),
    ]

    operations = [
        migrations.AddField(
            model_name="generator",
            name="changed_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When its provider, model id or parameters last changed (empty: never). Matchmaking places a changed generator again, as it does a new one.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="generator",
            name="fingerprint",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of its provider, model id and parameters, as last saved.",
                max_length=64,
            ),
        ),
        migrations.RunPython(fill_fingerprints, migrations.RunPython.noop),
    ]
