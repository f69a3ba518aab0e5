from django.core.management.color import no_style
from django.db import migrations
from django.utils.text import slugify


def _unique_slug(value: str, taken: set[str], fallback: str) -> str:
    base = slugify(value)[:90] or fallback
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def split_targets(apps, schema_editor):
    """Each old target row becomes a person (same pk), an office (same pk, so actions can
    follow ``office_id = target_id``) built from its office and contact fields, and an open
    tenure of unknown start."""
    Target = apps.get_model("targets", "Target")
    Office = apps.get_model("targets", "Office")
    Tenure = apps.get_model("targets", "Tenure")
    person_keys: set[str] = set()
    office_keys: set[str] = set()
    for target in Target.objects.order_by("pk"):
        office = Office.objects.create(
            pk=target.pk,
            key=_unique_slug(target.office_en or target.office, office_keys, f"office-{target.pk}"),
            title=target.office,
            title_en=target.office_en,
            title_fr=target.office_fr,
            organisation=target.organisation,
            organisation_en=target.organisation_en,
            organisation_fr=target.organisation_fr,
            address=target.postal_address,
            country=target.country,
            phone=target.phone,
            fax=target.fax,
            email=target.email,
            languages=target.languages,
            notes=target.notes,
        )
        Tenure.objects.create(office=office, target=target, started_on=None, ended_on=None)
        target.key = _unique_slug(target.name, person_keys, f"target-{target.pk}")
        target.save(update_fields=["key"])
    # Offices were given explicit ids: move PostgreSQL's sequence past them.
    for sql in schema_editor.connection.ops.sequence_reset_sql(no_style(), [Office]):
        schema_editor.execute(sql)


def join_back(apps, schema_editor):
    Target = apps.get_model("targets", "Target")
    Tenure = apps.get_model("targets", "Tenure")
    for target in Target.objects.all():
        tenure = (
            Tenure.objects.filter(target=target).select_related("office")
            .order_by("ended_on", "-started_on").first()
        )
        if tenure is None:
            continue
        office = tenure.office
        target.office, target.office_en, target.office_fr = office.title, office.title_en, office.title_fr
        target.organisation = office.organisation
        target.organisation_en, target.organisation_fr = office.organisation_en, office.organisation_fr
        target.postal_address, target.country = office.address, office.country
        target.phone, target.fax, target.email = office.phone, office.fax, office.email
        target.save()


class Migration(migrations.Migration):
    """Step 2 of 3: copy the data."""

    dependencies = [
        ("targets", "0002_office_tenure"),
    ]

    operations = [
        migrations.RunPython(split_targets, join_back),
    ]
