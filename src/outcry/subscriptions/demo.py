"""Demo supporters subscribed to the Russian Federation, in English and in French, so a
campaigner can send the seed-000 alert to them in their languages."""

from django.db import transaction
from django.utils import timezone, translation
from django_countries.fields import Country

from outcry.subscriptions.forms import SUBSCRIBE_CONSENT, SUBSCRIBE_CONSENT_VERSION
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.supporters.services import consent_record, supporter_get_or_create

# Addresses on example domains (RFC 2606): nothing is ever delivered to a real person.
DEMO_SUBSCRIBERS = [
    {"email": "john.demo@example.org", "first_name": "John", "language": "en", "country": "CA"},
    {"email": "priya.demo@example.org", "first_name": "Priya", "language": "en", "country": "GB"},
    {"email": "amara.demo@example.net", "first_name": "", "language": "en", "country": "CA"},
    {"email": "claire.demo@example.fr", "first_name": "Claire", "language": "fr", "country": "FR"},
    {
        "email": "mathieu.demo@example.fr",
        "first_name": "Mathieu",
        "language": "fr",
        "country": "CA",
    },
]


def _consent_wording(language: str) -> str:
    """The box's sentence as a subscriber in ``language`` saw it on the country page."""
    with translation.override(language):
        return SUBSCRIBE_CONSENT % {"subject": Country(code="RU").name}


@transaction.atomic
def demo_load_subscribers() -> int:
    """Create the demo subscribers (confirmed, as if each had followed the link). Safe to
    run again: existing ones are left as they are. Returns how many there are."""
    now = timezone.now()
    for row in DEMO_SUBSCRIBERS:
        supporter, created = supporter_get_or_create(
            email=row["email"],
            first_name=row["first_name"],
            last_name="",
            country=row["country"],
            language=row["language"],
        )
        if created:
            Supporter.objects.filter(pk=supporter.pk).update(email_confirmed_at=now)
        _, created = Subscription.objects.get_or_create(
            supporter=supporter,
            kind=Subscription.Kind.COUNTRY,
            country="RU",
            defaults={"language": row["language"], "confirmed_at": now},
        )
        if created:
            consent_record(
                supporter=supporter,
                purpose=ConsentRecord.Purpose.SUBSCRIPTION,
                wording=_consent_wording(row["language"]),
                wording_version=SUBSCRIBE_CONSENT_VERSION,
                language=row["language"],
                given=True,
                source_url=f"/{row['language']}/countries/ru/ (demo)",
            )
    return len(DEMO_SUBSCRIBERS)
