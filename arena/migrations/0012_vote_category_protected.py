import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("arena", "0011_seen_outputs"),
    ]

    operations = [
        migrations.AlterField(
            model_name="vote",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="votes",
                to="arena.category",
            ),
        ),
    ]
