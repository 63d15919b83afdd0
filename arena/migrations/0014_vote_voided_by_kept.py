"""Who voided a vote is kept: the account is protected, and the name it voided under stored."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def name_earlier_voids(apps, schema_editor):
    Vote = apps.get_model("arena", "Vote")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    name_field = get_user_model().USERNAME_FIELD
    names = User.objects.filter(pk=OuterRef("voided_by_id")).values(name_field)[:1]
    Vote.objects.filter(voided_by__isnull=False, voided_by_name="").update(
        voided_by_name=Subquery(names)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0013_vote_void_permission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="vote",
            name="voided_by_name",
            field=models.CharField(blank=True, db_default="", default="", max_length=150),
        ),
        migrations.AlterField(
            model_name="vote",
            name="voided_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(name_earlier_voids, migrations.RunPython.noop),
    ]
