"""The columns of the target directory's CSV import: one class per kind of cell.

Modelled on pretix's ``base/modelimport.py``: a column knows its header name, the model
field it fills, how to check a cell (``clean``: the value for the model, or a
``ValidationError`` whose message is shown with the line and column) and how to put that
value on an office or a person (``assign``). Translated fields (modeltranslation's
``title_en``, ``title_fr``…) get one column per language of ``settings.LANGUAGES``, so
adding a language adds its columns; nothing here names a language.
"""

import functools
import zoneinfo
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import models
from django.utils.translation import gettext as _
from django_countries import countries
from modeltranslation.utils import build_localized_fieldname

from outcry.targets.models import Office, Target


class Part:
    """What a column describes: the office, its holder, or the holder's tenure."""

    OFFICE = "office"
    HOLDER = "holder"
    TENURE = "tenure"


class Column:
    """A plain text cell copied to one model field; empty clears the field."""

    def __init__(
        self,
        name: str,
        field: str = "",
        *,
        model: type[models.Model] | None = None,
        required: bool = False,
        part: str = Part.OFFICE,
    ) -> None:
        self.name = name
        self.field = field
        self.model = model
        self.required = required
        self.part = part
        # The field's own limit, checked here so that a long cell is a row error, not a
        # database error.
        self.max_length = model._meta.get_field(self.limit_field).max_length if model else None

    @property
    def limit_field(self) -> str:
        """The model field whose ``max_length`` a cell must keep to."""
        return self.field

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    def clean(self, value: str) -> Any:
        """The cell's value for the model; ``ValidationError`` says what is wrong with it."""
        if not value:
            if self.required:
                raise ValidationError(_("This column must not be empty."))
            return value
        if self.max_length is not None and len(value) > self.max_length:
            raise ValidationError(_("Longer than %s characters.") % self.max_length)
        return self.convert(value)

    def convert(self, value: str) -> Any:
        """A non-empty cell of the right length, checked and converted for the model."""
        return value

    def assign(self, value: Any, obj: models.Model) -> set[str]:
        """Put ``value`` on ``obj``; the names of the fields that changed (none if equal)."""
        if (getattr(obj, self.field) or "") == value:
            return set()
        setattr(obj, self.field, value)
        return {self.field}


class TranslatedColumn(Column):
    """One language's column of a translated field (``office_title_fr`` → ``title_fr``)."""

    def __init__(
        self,
        prefix: str,
        field: str,
        language: str,
        *,
        model: type[models.Model],
        required: bool = False,
        part: str = Part.OFFICE,
    ) -> None:
        default = language == default_language()
        self.translated_field = field
        super().__init__(
            build_localized_fieldname(prefix, language),
            build_localized_fieldname(field, language),
            model=model,
            # Only the default language is needed: the others fall back to it.
            required=required and default,
            part=part,
        )
        self.prefix, self.language = prefix, language
        self.base = field if default else ""

    @property
    def limit_field(self) -> str:
        # The untranslated field: every language's copy shares its limit, and a copy exists
        # only for the languages modeltranslation was started with.
        return self.translated_field

    def assign(self, value: Any, obj: models.Model) -> set[str]:
        changed = super().assign(value, obj)
        if changed and self.base:
            # Keep the untranslated column equal to the default language's (modeltranslation
            # reads the language columns; the base one is what raw SQL and exports see).
            obj.__dict__[self.base] = value
            changed.add(self.base)
        return changed


class KeyColumn(Column):
    """A stable short name that rows are matched by."""

    def convert(self, value: str) -> str:
        try:
            validate_slug(value)
        except ValidationError:
            raise ValidationError(_("Use only letters, digits, hyphens and underscores.")) from None
        return value


class EmailColumn(Column):
    def convert(self, value: str) -> str:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError(_("“%s” is not an email address.") % value) from None
        return value


class UrlColumn(Column):
    validator = URLValidator()

    def convert(self, value: str) -> str:
        try:
            self.validator(value)
        except ValidationError:
            raise ValidationError(_("Not a web address (https://…).")) from None
        return value


class CountryColumn(Column):
    """An ISO code or an English name, stored as the code."""

    def __init__(self, name: str, field: str, **kwargs) -> None:
        super().__init__(name, field, **kwargs)
        self.max_length = None  # a name is longer than the two-letter code it becomes

    def convert(self, value: str) -> str:
        code = countries.alpha2(value) or countries.by_name(value)
        if not code:
            raise ValidationError(_("“%s” is not a country (use a code such as RU).") % value)
        return code


@functools.cache
def _timezones() -> frozenset[str]:
    # Read from disk on every call: once is enough for a 50,000-row file.
    return frozenset(zoneinfo.available_timezones())


class TimezoneColumn(Column):
    def convert(self, value: str) -> str:
        if value not in _timezones():
            raise ValidationError(_("Not a time zone name such as Europe/Moscow."))
        return value


class AddressColumn(Column):
    """Envelope lines, separated by line breaks or ``|`` (a spreadsheet cell is one line)."""

    def convert(self, value: str) -> str:
        return "\n".join(part.strip() for part in value.replace("|", "\n").splitlines())


class DateColumn(Column):
    """A day written ``YYYY-MM-DD``; read by the import itself, assigned to no field."""

    def convert(self, value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError(_("Write the date as YYYY-MM-DD.")) from None


def default_language() -> str:
    """The language modeltranslation falls back to (its untranslated column's language)."""
    return getattr(settings, "MODELTRANSLATION_DEFAULT_LANGUAGE", None) or settings.LANGUAGES[0][0]


def _translated(
    prefix: str, field: str, *, model: type[models.Model], **kwargs
) -> list[TranslatedColumn]:
    return [
        TranslatedColumn(prefix, field, code, model=model, **kwargs)
        for code, _name in settings.LANGUAGES
    ]


def import_columns() -> list[Column]:
    """Every column a file may have, in the template's order (read from the settings on each
    call: no settings are read at import time)."""
    office, holder = {"model": Office}, {"model": Target, "part": Part.HOLDER}
    return [
        KeyColumn("office_key", "key", required=True, **office),
        *_translated("office_title", "title", required=True, **office),
        *_translated("organisation", "organisation", **office),
        AddressColumn("address", "address", **office),
        CountryColumn("country", "country", **office),
        Column("phone", "phone", **office),
        Column("fax", "fax", **office),
        EmailColumn("email", "email", **office),
        UrlColumn("contact_url", "contact_url", **office),
        TimezoneColumn("timezone", "timezone", **office),
        *_translated("office_hours", "office_hours", **office),
        Column("office_languages", "languages", **office),
        Column("office_notes", "notes", **office),
        KeyColumn("holder_key", "key", **holder),
        Column("holder_name", "name", **holder),
        *_translated("honorific", "honorific", **holder),
        *_translated("salutation", "salutation", **holder),
        Column("holder_languages", "languages", **holder),
        DateColumn("holder_since", part=Part.TENURE),
    ]
