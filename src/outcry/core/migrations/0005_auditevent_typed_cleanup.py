# Step three: the old columns go; the actor is kept without a database constraint, so that
# deleting a staff account never cascades to, nor updates, an audit row.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_auditevent_typed_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # A default first, so that going back re-adds the column to rows that have one.
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(default="", max_length=100, verbose_name="action"),
        ),
        migrations.RemoveField(model_name="auditevent", name="action"),
        migrations.RemoveField(model_name="auditevent", name="detail"),
        migrations.AlterField(
            model_name="auditevent",
            name="event",
            field=models.CharField(db_index=True, max_length=100, verbose_name="event"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="who",
            ),
        ),
        migrations.AlterModelOptions(
            name="auditevent",
            options={
                "ordering": ["-created_at", "-pk"],
                "verbose_name": "audit event",
                "verbose_name_plural": "audit log",
            },
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx"),
        ),
    ]
