import django.db.models.deletion
import django_countries.fields
from django.db import migrations, models

import outcry.targets.models


class Migration(migrations.Migration):
    """Step 1 of 3: offices and tenures beside the old one-table targets."""

    dependencies = [
        ("targets", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Office",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.SlugField(help_text="A short, stable name for imports and links, e.g. ru-prosecutor-general.", max_length=100, unique=True, verbose_name="key")),
                ("title", models.CharField(help_text='e.g. "Minister of Foreign Affairs"', max_length=300, verbose_name="title")),
                ("title_en", models.CharField(help_text='e.g. "Minister of Foreign Affairs"', max_length=300, null=True, verbose_name="title")),
                ("title_fr", models.CharField(help_text='e.g. "Minister of Foreign Affairs"', max_length=300, null=True, verbose_name="title")),
                ("organisation", models.CharField(blank=True, max_length=300, verbose_name="organisation")),
                ("organisation_en", models.CharField(blank=True, max_length=300, null=True, verbose_name="organisation")),
                ("organisation_fr", models.CharField(blank=True, max_length=300, null=True, verbose_name="organisation")),
                ("address", models.TextField(blank=True, help_text="One line per line of the envelope, without the country.", verbose_name="postal address")),
                ("country", django_countries.fields.CountryField(blank=True, max_length=2, verbose_name="country")),
                ("phone", models.CharField(blank=True, max_length=50, verbose_name="phone")),
                ("fax", models.CharField(blank=True, max_length=50, verbose_name="fax")),
                ("email", models.EmailField(blank=True, max_length=254, verbose_name="email")),
                ("contact_url", models.URLField(blank=True, verbose_name="web contact form")),
                ("timezone", models.CharField(blank=True, help_text="IANA name, e.g. Europe/Moscow: callers see the office hours in it.", max_length=64, validators=[outcry.targets.models.validate_timezone], verbose_name="time zone")),
                ("office_hours", models.CharField(blank=True, help_text="e.g. Mon–Fri 09:00–18:00", max_length=200, verbose_name="office hours")),
                ("office_hours_en", models.CharField(blank=True, help_text="e.g. Mon–Fri 09:00–18:00", max_length=200, null=True, verbose_name="office hours")),
                ("office_hours_fr", models.CharField(blank=True, help_text="e.g. Mon–Fri 09:00–18:00", max_length=200, null=True, verbose_name="office hours")),
                ("languages", models.CharField(blank=True, help_text="Language codes, comma separated: ru, en", max_length=100, verbose_name="languages read")),
                ("notes", models.TextField(blank=True, verbose_name="notes for campaigners")),
                ("email_bounced_at", models.DateTimeField(blank=True, null=True, verbose_name="email bounced")),
                ("email_bounce_reason", models.CharField(blank=True, max_length=500, verbose_name="why it bounced")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
            ],
            options={
                "verbose_name": "office",
                "verbose_name_plural": "offices",
                "ordering": ["title"],
            },
        ),
        migrations.AddField(
            model_name="target",
            name="key",
            field=models.SlugField(max_length=100, null=True, verbose_name="key"),
        ),
        migrations.CreateModel(
            name="Tenure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_on", models.DateField(blank=True, help_text="Empty when not known.", null=True, verbose_name="in office from")),
                ("ended_on", models.DateField(blank=True, help_text="Empty while in office.", null=True, verbose_name="left office on")),
                ("office", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="tenures", to="targets.office", verbose_name="office")),
                ("target", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="tenures", to="targets.target", verbose_name="holder")),
            ],
            options={
                "verbose_name": "tenure",
                "verbose_name_plural": "tenures",
                "ordering": ["office", "-started_on"],
            },
        ),
        migrations.AddConstraint(
            model_name="tenure",
            constraint=models.UniqueConstraint(condition=models.Q(("ended_on__isnull", True)), fields=("office",), name="one_current_holder_per_office", violation_error_message="This office already has a holder in office."),
        ),
        migrations.AddConstraint(
            model_name="tenure",
            constraint=models.CheckConstraint(condition=models.Q(("ended_on__isnull", True), ("started_on__isnull", True), ("ended_on__gt", models.F("started_on")), _connector="OR"), name="tenure_ends_after_it_starts", violation_error_message="A tenure must end after it starts."),
        ),
    ]
