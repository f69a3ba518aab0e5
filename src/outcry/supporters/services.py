"""Writes to supporters and their consents."""

from django.db import transaction

from outcry.core.crypto import email_hash, seal
from outcry.supporters.models import ConsentRecord, Supporter


def supporter_get_or_create(
    *, email: str, first_name: str, last_name: str, country: str, language: str
) -> tuple[Supporter, bool]:
    """The one supporter record for this address, created (and sealed) on first sight.

    An existing record is left as it is: whoever types an address is not yet proven to own
    it, so they must not be able to overwrite the owner's name.
    """
    hashed = email_hash(email)
    supporter = Supporter.objects.filter(email_hash=hashed).first()
    if supporter is not None:
        return supporter, False
    with transaction.atomic():
        return Supporter.objects.get_or_create(
            email_hash=hashed,
            defaults={
                "personal_data": seal(
                    {"email": email.strip(), "first_name": first_name, "last_name": last_name}
                ),
                "country": country,
                "language": language,
            },
        )


def consent_record(
    *,
    supporter: Supporter,
    purpose: str,
    wording: str,
    wording_version: str,
    language: str,
    given: bool,
    source_url: str,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        supporter=supporter,
        purpose=purpose,
        wording=wording,
        wording_version=wording_version,
        language=language,
        given=given,
        source_url=source_url[:500],
    )
