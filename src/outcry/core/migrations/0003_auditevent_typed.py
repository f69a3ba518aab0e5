# Audit rows become typed: a dotted event, the kind of actor, a JSON ``extra``. Step one of
# three: the new columns beside the old ones (0004 converts the rows, 0005 drops the old).

import django.core.serializers.json
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ratelimit_counters_ip_hash_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="event",
            field=models.CharField(default="", max_length=100, verbose_name="event"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_kind",
            field=models.CharField(
                choices=[("staff", "Staff member"), ("api_key", "API key"), ("system", "System")],
                default="system",
                max_length=16,
                verbose_name="actor kind",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="extra",
            field=models.JSONField(
                blank=True,
                default=dict,
                encoder=django.core.serializers.json.DjangoJSONEncoder,
                verbose_name="details",
            ),
        ),
    ]
