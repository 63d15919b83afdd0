"""What a voter has seen is an output's content (its SHA-256), not the generation that made it."""

import hashlib

from django.db import migrations, models
from django.db.models import Count, Min, OuterRef, Subquery


def fill_digests(apps, schema_editor):
    SeenOutput = apps.get_model("arena", "SeenOutput")
    Generation = apps.get_model("generation", "Generation")
    digest = Generation.objects.filter(id=OuterRef("generation_id")).values("digest")[:1]
    SeenOutput.objects.update(digest=Subquery(digest))
    for seen in SeenOutput.objects.filter(models.Q(digest="") | models.Q(digest__isnull=True)):
        # Not an output yet (never the case for a shown battle): a key equal to no other's.
        seen.digest = hashlib.sha256(f"generation:{seen.generation_id}".encode()).hexdigest()
        seen.save(update_fields=["digest"])
    # Two generations of the same pixels seen by one voter: they were one output all along.
    twice = (
        SeenOutput.objects.values("voter_id", "digest")
        .annotate(rows=Count("id"), first=Min("id"))
        .filter(rows__gt=1)
    )
    for row in twice:
        SeenOutput.objects.filter(voter_id=row["voter_id"], digest=row["digest"]).exclude(
            id=row["first"]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0015_category_route_tolerance"),
        ("generation", "0007_generation_digest"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="seenoutput", name="seen_output_once"),
        migrations.AddField(
            model_name="seenoutput",
            name="digest",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="seenoutput",
            constraint=models.UniqueConstraint(
                fields=("voter", "digest"), name="seen_output_content_once"
            ),
        ),
    ]
