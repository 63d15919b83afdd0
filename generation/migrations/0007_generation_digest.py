"""Each output's content hash, so that what a voter has seen is judged by its pixels."""

import hashlib
import re

from django.core.files.storage import default_storage
from django.db import migrations, models

# Outputs are stored under their SHA-256 (generation.outputs.store_output).
_NAMED = re.compile(r"^outputs/([0-9a-f]{64})\.\w+$")


def _digest(generation) -> str:
    name = generation.file.name if generation.file else ""
    if not name:
        return hashlib.sha256(generation.text.encode()).hexdigest()
    if match := _NAMED.match(name):
        return match.group(1)
    try:
        with default_storage.open(name, "rb") as stored:
            return hashlib.sha256(stored.read()).hexdigest()
    except OSError:  # a file gone missing: a key of its own, equal to no other output's
        return hashlib.sha256(f"missing:{name}".encode()).hexdigest()


def fill_digests(apps, schema_editor):
    Generation = apps.get_model("generation", "Generation")
    done = Generation.objects.filter(status="succeeded", digest="").only("id", "file", "text")
    batch = []
    for generation in done.iterator(chunk_size=2000):
        generation.digest = _digest(generation)
        batch.append(generation)
        if len(batch) == 2000:
            Generation.objects.bulk_update(batch, ["digest"])
            batch = []
    Generation.objects.bulk_update(batch, ["digest"])


class Migration(migrations.Migration):
    dependencies = [
        ("generation", "0006_generator_test_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="digest",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="SHA-256 of the output as stored (its file's bytes, or its text): what "
                "a voter is shown, whichever generation made it.",
                max_length=64,
            ),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="generation",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "succeeded"), _negated=True)
                | models.Q(("digest", ""), _negated=True),
                name="generation_success_has_digest",
            ),
        ),
    ]
