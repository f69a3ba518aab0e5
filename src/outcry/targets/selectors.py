"""Reads of the target directory: who holds an office on a day, and how to address them."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from outcry.targets.models import Office, Target, Tenure


@dataclass(frozen=True)
class Addressee:
    """Everything a letter, an email or a call needs, in one language (English fallback).

    ``name``, ``honorific`` and ``target_id`` are empty when the office is vacant on the
    day; ``salutation`` then falls back to a neutral greeting in the language.
    """

    office_id: int
    target_id: int | None
    language: str
    salutation: str
    honorific: str
    name: str
    office_title: str
    organisation: str
    # Envelope lines: the holder, the office, the organisation, the address, the country.
    address_lines: list[str]
    country: str
    email: str
    email_usable: bool
    phone: str
    fax: str
    contact_url: str
    timezone: str
    office_hours: str
    languages: tuple[str, ...]

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()


def tenure_on(*, office: Office, on: date | None = None) -> Tenure | None:
    """The tenure of ``office`` running on ``on`` (today when not given)."""
    on = on or timezone.localdate()
    return (
        Tenure.objects.filter(office=office)
        .filter(Q(started_on__isnull=True) | Q(started_on__lte=on))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
        .select_related("target")
        .order_by("-started_on")
        .first()
    )


def office_holder(*, office: Office, on: date | None = None) -> Target | None:
    """Who holds ``office`` on ``on`` (today when not given); None when it is vacant."""
    tenure = tenure_on(office=office, on=on)
    return tenure.target if tenure is not None else None


def _in(obj, field: str, language: str) -> str:
    """A translated field in ``language``, falling back to English, then to the base."""
    for code in (language, settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return value
    return getattr(obj, field, "") or ""


def _codes(value: str) -> tuple[str, ...]:
    return tuple(code.strip().lower() for code in value.split(",") if code.strip())


def addressee(*, office: Office, language: str, on: date | None = None) -> Addressee:
    """How to address ``office`` in ``language`` on ``on`` (today when not given)."""
    known = {code for code, _name in settings.LANGUAGES}
    language = language if language in known else settings.LANGUAGE_CODE
    holder = office_holder(office=office, on=on)
    with translation.override(language):
        country_name = str(office.country.name) if office.country else ""
        vacant_salutation = gettext("Dear Sir or Madam")
    office_title = _in(office, "title", language)
    organisation = _in(office, "organisation", language)
    name = holder.name if holder else ""
    honorific = _in(holder, "honorific", language) if holder else ""
    lines = [f"{honorific} {name}".strip()] if holder else []
    lines.append(office_title)
    if organisation and organisation != office_title:
        lines.append(organisation)
    lines += office.address_lines
    if country_name:
        lines.append(country_name)
    return Addressee(
        office_id=office.pk,
        target_id=holder.pk if holder else None,
        language=language,
        salutation=(_in(holder, "salutation", language) if holder else "") or vacant_salutation,
        honorific=honorific,
        name=name,
        office_title=office_title,
        organisation=organisation,
        address_lines=[line for line in lines if line],
        country=office.country.code if office.country else "",
        email=office.email,
        email_usable=office.email_usable,
        phone=office.phone,
        fax=office.fax,
        contact_url=office.contact_url,
        timezone=office.timezone,
        office_hours=_in(office, "office_hours", language),
        languages=_codes(holder.languages if holder and holder.languages else office.languages),
    )
