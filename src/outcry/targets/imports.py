"""Importing the target directory from CSV: check everything first, then write all or nothing.

One row is one office and, optionally, the person holding it since a date. Rows are matched
by ``office_key`` (and the person by ``holder_key``), so importing the same file twice
changes nothing. The file is read as a stream twice (once to check, once to write, in one
transaction), so a 50,000-row file needs no more memory than the set of its keys.

The columns are documented in ``docs/target-import.md``; ``template_csv()`` gives a file to
start from.
"""

import csv
import io
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email, validate_slug
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from outcry.targets.models import Office, Target, Tenure

CHUNK = 1000
MAX_ERRORS_SHOWN = 200

OFFICE_COLUMNS = {
    # column: (model field, required)
    "office_key": ("key", True),
    "office_title_en": ("title_en", True),
    "office_title_fr": ("title_fr", False),
    "organisation_en": ("organisation_en", False),
    "organisation_fr": ("organisation_fr", False),
    "address": ("address", False),
    "country": ("country", False),
    "phone": ("phone", False),
    "fax": ("fax", False),
    "email": ("email", False),
    "contact_url": ("contact_url", False),
    "timezone": ("timezone", False),
    "office_hours_en": ("office_hours_en", False),
    "office_hours_fr": ("office_hours_fr", False),
    "office_languages": ("languages", False),
    "office_notes": ("notes", False),
}
HOLDER_COLUMNS = {
    "holder_key": ("key", False),
    "holder_name": ("name", False),
    "honorific_en": ("honorific_en", False),
    "honorific_fr": ("honorific_fr", False),
    "salutation_en": ("salutation_en", False),
    "salutation_fr": ("salutation_fr", False),
    "holder_languages": ("languages", False),
}
COLUMNS = [*OFFICE_COLUMNS, *HOLDER_COLUMNS, "holder_since"]
REQUIRED = [name for name, (_f, required) in OFFICE_COLUMNS.items() if required]

# Field lengths, checked here so that a long cell is a row error, not a database error.
MAX_LENGTHS = {
    "office_key": 100,
    "holder_key": 100,
    "office_title_en": 300,
    "office_title_fr": 300,
    "organisation_en": 300,
    "organisation_fr": 300,
    "phone": 50,
    "fax": 50,
    "email": 254,
    "contact_url": 200,
    "timezone": 64,
    "office_hours_en": 200,
    "office_hours_fr": 200,
    "office_languages": 100,
    "holder_name": 200,
    "honorific_en": 100,
    "honorific_fr": 100,
    "salutation_en": 200,
    "salutation_fr": 200,
    "holder_languages": 100,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, columns): nothing was imported."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    rows: int = 0
    offices_new: int = 0
    offices_changed: int = 0
    people_new: int = 0
    people_changed: int = 0
    holders_changed: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # Keys of people first seen in this file (so a later chunk does not count them again).
    people_seen: set[str] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(RowError(line=line, column=column, message=message))


@dataclass(frozen=True)
class Row:
    line: int
    office: dict[str, str]
    holder: dict[str, str]
    since: date | None


def _text_stream(binary: BinaryIO) -> io.TextIOWrapper:
    binary.seek(0)
    # utf-8-sig reads UTF-8 with or without the byte-order mark spreadsheets add.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def _reader(binary: BinaryIO) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells by column) for each data row; checks the header first."""
    text = _text_stream(binary)
    try:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        header = [name.strip().lower() for name in header]
        unknown = [name for name in header if name not in COLUMNS]
        missing = [name for name in REQUIRED if name not in header]
        repeated = sorted({name for name in header if header.count(name) > 1})
        problems = []
        if missing:
            problems.append(_("missing column(s): %s") % ", ".join(missing))
        if unknown:
            problems.append(_("unknown column(s): %s") % ", ".join(unknown))
        if repeated:
            problems.append(_("column(s) given twice: %s") % ", ".join(repeated))
        if problems:
            raise ImportFileError(
                _("The first line must name the columns (see the template): %s.")
                % "; ".join(problems)
            )
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                yield (
                    reader.line_num,
                    {
                        "__width__": _("this row has %(found)s cells, the header %(wanted)s")
                        % {"found": len(cells), "wanted": len(header)}
                    },
                )
                continue
            yield (
                reader.line_num,
                {name: cell.strip() for name, cell in zip(header, cells, strict=True)},
            )
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _(
                "The file is not UTF-8 text (byte %(position)s). Save it from your spreadsheet "
                "as “CSV UTF-8” and upload it again."
            )
            % {"position": exc.start}
        ) from None
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a readable CSV file: %s") % exc) from None
    finally:
        text.detach()


_url = URLValidator()
_timezones = zoneinfo.available_timezones()


def _check(line: int, cells: dict[str, str], report: ImportReport) -> Row | None:
    errors_before = report.error_count
    if "__width__" in cells:
        report.add_error(line, "", cells["__width__"])
        return None
    for column in REQUIRED:
        if not cells.get(column):
            report.add_error(line, column, _("This column must not be empty."))
    for column, limit in MAX_LENGTHS.items():
        if len(cells.get(column, "")) > limit:
            report.add_error(line, column, _("Longer than %s characters.") % limit)
    for column in ("office_key", "holder_key"):
        if cells.get(column):
            try:
                validate_slug(cells[column])
            except ValidationError:
                report.add_error(
                    line, column, _("Use only letters, digits, hyphens and underscores.")
                )
    if cells.get("email"):
        try:
            validate_email(cells["email"])
        except ValidationError:
            report.add_error(line, "email", _("“%s” is not an email address.") % cells["email"])
    if cells.get("contact_url"):
        try:
            _url(cells["contact_url"])
        except ValidationError:
            report.add_error(line, "contact_url", _("Not a web address (https://…)."))
    country = cells.get("country", "")
    if country:
        code = countries.alpha2(country) or countries.by_name(country)
        if not code:
            report.add_error(
                line, "country", _("“%s” is not a country (use a code such as RU).") % country
            )
        cells["country"] = code or ""
    if cells.get("timezone") and cells["timezone"] not in _timezones:
        report.add_error(line, "timezone", _("Not a time zone name such as Europe/Moscow."))
    holder_given = any(cells.get(column) for column in [*HOLDER_COLUMNS, "holder_since"])
    since = None
    if holder_given:
        for column in ("holder_key", "holder_name"):
            if not cells.get(column):
                report.add_error(line, column, _("Needed when the row names a holder."))
        if cells.get("holder_since"):
            try:
                since = date.fromisoformat(cells["holder_since"])
            except ValueError:
                report.add_error(line, "holder_since", _("Write the date as YYYY-MM-DD."))
    if report.error_count > errors_before:
        return None
    address = "\n".join(
        part.strip() for part in cells.get("address", "").replace("|", "\n").splitlines()
    )
    office = {
        model_field: (address if column == "address" else cells.get(column, ""))
        for column, (model_field, _required) in OFFICE_COLUMNS.items()
        if column in cells or column == "address"
    }
    holder = (
        {
            model_field: cells.get(column, "")
            for column, (model_field, _required) in HOLDER_COLUMNS.items()
            if column in cells
        }
        if holder_given
        else {}
    )
    return Row(line=line, office=office, holder=holder, since=since)


def _rows(binary: BinaryIO, report: ImportReport) -> Iterator[Row]:
    """Checked rows; errors (including duplicates) go to ``report``."""
    office_lines: dict[str, int] = {}
    holder_names: dict[str, tuple[str, int]] = {}
    for line, cells in _reader(binary):
        report.rows += 1
        row = _check(line, cells, report)
        if row is None:
            continue
        key = row.office["key"]
        if key in office_lines:
            report.add_error(line, "office_key", _("Same office as line %s.") % office_lines[key])
            continue
        office_lines[key] = line
        if row.holder:
            seen = holder_names.setdefault(row.holder["key"], (row.holder["name"], line))
            if seen[0] != row.holder["name"]:
                report.add_error(
                    line,
                    "holder_name",
                    _("Line %(line)s gives another name for %(key)s.")
                    % {"line": seen[1], "key": row.holder["key"]},
                )
                continue
        yield row


def _chunks(rows: Iterator[Row]) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def targets_import_check(*, file: BinaryIO) -> ImportReport:
    """Read the whole file and say what importing it would do, with every row error."""
    report = ImportReport()
    with translation.override("en"):
        for chunk in _chunks(_rows(file, report)):
            _apply(chunk, report, write=False)
    return report


def targets_import(*, file: BinaryIO) -> ImportReport:
    """Import the file in one transaction, or nothing at all if any row is wrong."""
    report = targets_import_check(file=file)
    if not report.ok:
        return report
    applied = ImportReport()
    with transaction.atomic(), translation.override("en"):
        for chunk in _chunks(_rows(file, applied)):
            _apply(chunk, applied, write=True)
        if not applied.ok:  # the file changed between the two reads: write nothing
            transaction.set_rollback(True)
    return applied


@dataclass(frozen=True)
class _New:
    """An office or person a check would create (the check builds no model instance)."""

    key: str
    pk: None = None


def _apply(chunk: list[Row], report: ImportReport, *, write: bool) -> None:
    offices = {o.key: o for o in Office.objects.filter(key__in=[r.office["key"] for r in chunk])}
    holder_keys = [r.holder["key"] for r in chunk if r.holder]
    people = {t.key: t for t in Target.objects.filter(key__in=holder_keys)}
    new_offices, changed_offices, new_people, changed_people = [], [], [], []
    office_fields: set[str] = set()
    person_fields: set[str] = set()
    for row in chunk:
        office = offices.get(row.office["key"])
        if office is None and not write:
            # A check only counts: building model instances is most of its time.
            office = offices[row.office["key"]] = _New(key=row.office["key"])
            new_offices.append(office)
        elif office is None:
            office = Office(**row.office)
            office.title = row.office["title_en"]
            office.organisation = row.office.get("organisation_en", "")
            office.office_hours = row.office.get("office_hours_en", "")
            offices[office.key] = office
            new_offices.append(office)
        else:
            changed = {f for f, v in row.office.items() if (getattr(office, f) or "") != v}
            if changed:
                for f in changed:
                    setattr(office, f, row.office[f])
                office_fields |= changed | _sync_base(office, changed)
                if "email" in changed and office.email_bounced_at is not None:
                    # A corrected address is worth trying again.
                    office.email_bounced_at, office.email_bounce_reason = None, ""
                    office_fields |= {"email_bounced_at", "email_bounce_reason"}
                changed_offices.append(office)
        if row.holder:
            person = people.get(row.holder["key"])
            if person is None and not write:
                person = people[row.holder["key"]] = _New(key=row.holder["key"])
                new_people.append(person)
            elif person is None:
                person = Target(**row.holder)
                person.honorific = row.holder.get("honorific_en", "")
                person.salutation = row.holder.get("salutation_en", "")
                people[person.key] = person
                new_people.append(person)
            else:
                changed = {f for f, v in row.holder.items() if (getattr(person, f) or "") != v}
                if changed and person not in changed_people:
                    for f in changed:
                        setattr(person, f, row.holder[f])
                    person_fields |= changed | _sync_base(person, changed)
                    changed_people.append(person)
    report.offices_new += len(new_offices)
    report.offices_changed += len(changed_offices)
    # A check writes nothing, so a person new in an earlier chunk is new again here.
    report.people_new += len([p for p in new_people if p.key not in report.people_seen])
    report.people_seen.update(p.key for p in new_people)
    report.people_changed += len(changed_people)
    if write:
        Office.objects.bulk_create(new_offices, batch_size=CHUNK)
        Target.objects.bulk_create(new_people, batch_size=CHUNK)
        if changed_offices:
            Office.objects.bulk_update(changed_offices, sorted(office_fields), batch_size=CHUNK)
        if changed_people:
            Target.objects.bulk_update(changed_people, sorted(person_fields), batch_size=CHUNK)
        # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+, not everywhere.
        if any(o.pk is None for o in new_offices) or any(p.pk is None for p in new_people):
            offices = {o.key: o for o in Office.objects.filter(key__in=list(offices))}
            people = {t.key: t for t in Target.objects.filter(key__in=list(people))}
    _apply_holders(chunk, offices, people, report, write=write)


def _sync_base(obj, changed: set[str]) -> set[str]:
    """Keep the untranslated column equal to the English one (modeltranslation reads the
    language columns; the base one is what raw SQL and exports see)."""
    synced = set()
    for name in changed:
        if name.endswith("_en"):
            base = name.removesuffix("_en")
            obj.__dict__[base] = getattr(obj, name)
            synced.add(base)
    return synced


def _apply_holders(chunk, offices, people, report: ImportReport, *, write: bool) -> None:
    """A row's holder takes the office from ``holder_since`` unless they hold it already."""
    rows = [r for r in chunk if r.holder]
    office_ids = [offices[r.office["key"]].pk for r in rows if offices[r.office["key"]].pk]
    current = {
        t.office_id: t
        for t in Tenure.objects.filter(office_id__in=office_ids, ended_on__isnull=True)
    }
    to_close, to_open = [], []
    for row in rows:
        office, person = offices[row.office["key"]], people[row.holder["key"]]
        tenure = current.get(office.pk) if office.pk else None
        if tenure is not None and tenure.target_id == person.pk and person.pk is not None:
            continue
        if tenure is not None:
            if row.since is None or (tenure.started_on and row.since <= tenure.started_on):
                report.add_error(
                    row.line,
                    "holder_since",
                    _("The office has another holder: give the date this one took office."),
                )
                continue
            tenure.ended_on = row.since
            to_close.append(tenure)
        report.holders_changed += 1
        if write:
            to_open.append(Tenure(office=office, target=person, started_on=row.since))
    if write and (to_close or to_open):
        Tenure.objects.bulk_update(to_close, ["ended_on"], batch_size=CHUNK)
        # An earlier tenure of the same person may overlap: the office's history is the
        # campaigners' to fix in the admin, so only an open overlap is refused (constraint).
        Tenure.objects.bulk_create(to_open, batch_size=CHUNK)


def template_csv() -> str:
    """The column header and one example row, to start a file from."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    example = {
        "office_key": "ru-foreign-minister",
        "office_title_en": "Minister of Foreign Affairs of the Russian Federation",
        "office_title_fr": "Ministre des Affaires étrangères de la Fédération de Russie",
        "organisation_en": "Ministry of Foreign Affairs",
        "organisation_fr": "Ministère des Affaires étrangères",
        "address": "Smolenskaya-Sennaia pl. 32/34 | 119200 Moscow",
        "country": "RU",
        "phone": "+7 495 644 2203",
        "timezone": "Europe/Moscow",
        "office_hours_en": "Mon–Fri 09:00–18:00",
        "office_languages": "ru, en",
        "holder_key": "sergei-lavrov",
        "holder_name": "Sergei Lavrov",
        "honorific_en": "Minister",
        "honorific_fr": "Ministre",
        "salutation_en": "Your Excellency",
        "salutation_fr": "Monsieur le Ministre",
        "holder_languages": "ru, en, fr",
        "holder_since": "2004-03-09",
    }
    writer.writerow([example.get(column, "") for column in COLUMNS])
    return out.getvalue()
