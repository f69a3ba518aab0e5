"""Importing the target directory from CSV: check everything first, then write all or nothing.

One row is one office and, optionally, the person holding it since a date. Rows are matched
by ``office_key`` (and the person by ``holder_key``), so importing the same file twice
changes nothing. The file is read as a stream twice (once to check, once to write, in one
transaction), so a 50,000-row file needs no more memory than the set of its keys.

The columns are classes in ``columns.py`` (each checks its cells and puts their values on
the model) and are documented in ``docs/target-import.md``; ``template_csv()`` gives a file
to start from.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outcry.core.audit import audit_record
from outcry.targets.columns import (
    Column,
    Part,
    TranslatedColumn,
    default_language,
    import_columns,
)
from outcry.targets.models import Office, Target, Tenure
from outcry.targets.services import directory_changed

CHUNK = 1000
MAX_ERRORS_SHOWN = 200


def column_names() -> list[str]:
    """Every column a file may have, in the template's order."""
    return [column.name for column in import_columns()]


def required_column_names() -> list[str]:
    return [column.name for column in import_columns() if column.required]


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
    """A checked row: each column in the file with its cleaned value."""

    line: int
    office_key: str
    office: list[tuple[Column, Any]]
    # Empty when the row names no holder (then ``holder_key`` and ``holder_name`` are too).
    holder: list[tuple[Column, Any]]
    holder_key: str
    holder_name: str
    since: date | None


def _text_stream(binary: BinaryIO) -> io.TextIOWrapper:
    binary.seek(0)
    # utf-8-sig reads UTF-8 with or without the byte-order mark spreadsheets add.
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="strict", newline="")


def _reader(binary: BinaryIO, columns: list[Column]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, cells by column) for each data row; checks the header first."""
    names = {column.name for column in columns}
    required = [column.name for column in columns if column.required]
    text = _text_stream(binary)
    try:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        header = [name.strip().lower() for name in header]
        unknown = [name for name in header if name not in names]
        missing = [name for name in required if name not in header]
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


def _check(
    line: int, cells: dict[str, str], columns: list[Column], report: ImportReport
) -> Row | None:
    """The row's cells cleaned by their columns, or None (its errors go to ``report``)."""
    if "__width__" in cells:
        report.add_error(line, "", cells["__width__"])
        return None
    errors_before = report.error_count
    cleaned: list[tuple[Column, Any]] = []
    for column in columns:
        if column.name not in cells:
            continue  # a column left out of the file leaves its field as it is
        try:
            cleaned.append((column, column.clean(cells[column.name])))
        except ValidationError as exc:
            report.add_error(line, column.name, exc.messages[0])
    holder_given = any(cells.get(column.name) for column in columns if column.part != Part.OFFICE)
    if holder_given:
        for name in ("holder_key", "holder_name"):
            if not cells.get(name):
                report.add_error(line, name, _("Needed when the row names a holder."))
    if report.error_count > errors_before:
        return None
    by_name = {column.name: value for column, value in cleaned}
    return Row(
        line=line,
        office_key=by_name["office_key"],
        office=[cell for cell in cleaned if cell[0].part == Part.OFFICE],
        holder=[cell for cell in cleaned if cell[0].part == Part.HOLDER] if holder_given else [],
        holder_key=by_name.get("holder_key", ""),
        holder_name=by_name.get("holder_name", ""),
        since=by_name.get("holder_since") or None,
    )


def _rows(binary: BinaryIO, report: ImportReport) -> Iterator[Row]:
    """Checked rows; errors (including duplicates) go to ``report``."""
    columns = import_columns()
    office_lines: dict[str, int] = {}
    holder_names: dict[str, tuple[str, int]] = {}
    for line, cells in _reader(binary, columns):
        report.rows += 1
        row = _check(line, cells, columns, report)
        if row is None:
            continue
        key = row.office_key
        if key in office_lines:
            report.add_error(line, "office_key", _("Same office as line %s.") % office_lines[key])
            continue
        office_lines[key] = line
        if row.holder:
            seen = holder_names.setdefault(row.holder_key, (row.holder_name, line))
            if seen[0] != row.holder_name:
                report.add_error(
                    line,
                    "holder_name",
                    _("Line %(line)s gives another name for %(key)s.")
                    % {"line": seen[1], "key": row.holder_key},
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
    # Saving reads an untranslated field (``title``) through modeltranslation, which gives
    # the active language's value: under the default language it is that language's.
    with translation.override(default_language()):
        for chunk in _chunks(_rows(file, report)):
            _apply(chunk, report, write=False)
    return report


def targets_import(
    *, file: BinaryIO, actor: AbstractBaseUser | AnonymousUser | None = None
) -> ImportReport:
    """Import the file in one transaction, or nothing at all if any row is wrong; audited
    with what it did (an office's new address is then held until an administrator
    confirms it, itself audited)."""
    report = targets_import_check(file=file)
    if not report.ok:
        return report
    applied = ImportReport()
    with transaction.atomic(), translation.override(default_language()):
        for chunk in _chunks(_rows(file, applied)):
            _apply(chunk, applied, write=True)
        if not applied.ok:  # the file changed between the two reads: write nothing
            transaction.set_rollback(True)
        else:
            audit_record(
                actor=actor,
                event="targets.office.imported",
                extra={
                    "rows": applied.rows,
                    "offices_new": applied.offices_new,
                    "offices_changed": applied.offices_changed,
                    "people_new": applied.people_new,
                    "people_changed": applied.people_changed,
                    "holders_changed": applied.holders_changed,
                },
            )
            directory_changed()
    return applied


@dataclass(frozen=True)
class _New:
    """An office or person a check would create (the check builds no model instance)."""

    key: str
    pk: None = None


def _assign(cells: list[tuple[Column, Any]], obj: Office | Target) -> set[str]:
    """Each column's value put on ``obj``; the names of the fields that changed."""
    changed: set[str] = set()
    for column, value in cells:
        changed |= column.assign(value, obj)
    return changed


def _apply(chunk: list[Row], report: ImportReport, *, write: bool) -> None:
    offices = {o.key: o for o in Office.objects.filter(key__in=[r.office_key for r in chunk])}
    holder_keys = [r.holder_key for r in chunk if r.holder]
    people = {t.key: t for t in Target.objects.filter(key__in=holder_keys)}
    new_offices, changed_offices, new_people, changed_people = [], [], [], []
    office_fields: set[str] = set()
    person_fields: set[str] = set()
    for row in chunk:
        office = offices.get(row.office_key)
        if office is None and not write:
            # A check only counts: building model instances is most of its time.
            office = offices[row.office_key] = _New(key=row.office_key)
            new_offices.append(office)
        elif office is None:
            office = Office()
            _assign(row.office, office)
            offices[office.key] = office
            new_offices.append(office)
        else:
            changed = _assign(row.office, office)
            if changed:
                office_fields |= changed
                if "email" in changed:
                    # A corrected address is worth trying again, once an administrator
                    # confirms it: letters waiting for the office are held until then.
                    office.email_bounced_at, office.email_bounce_reason = None, ""
                    office.email_held_since = timezone.now() if office.email else None
                    office_fields |= {"email_bounced_at", "email_bounce_reason", "email_held_since"}
                changed_offices.append(office)
        if row.holder:
            person = people.get(row.holder_key)
            if person is None and not write:
                person = people[row.holder_key] = _New(key=row.holder_key)
                new_people.append(person)
            elif person is None:
                person = Target()
                _assign(row.holder, person)
                people[person.key] = person
                new_people.append(person)
            elif person not in changed_people:
                # A person changed by an earlier row keeps that row's values.
                changed = _assign(row.holder, person)
                if changed:
                    person_fields |= changed
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


def _apply_holders(chunk, offices, people, report: ImportReport, *, write: bool) -> None:
    """A row's holder takes the office from ``holder_since`` unless they hold it already."""
    rows = [r for r in chunk if r.holder]
    office_ids = [offices[r.office_key].pk for r in rows if offices[r.office_key].pk]
    current = {
        t.office_id: t
        for t in Tenure.objects.filter(office_id__in=office_ids, ended_on__isnull=True)
    }
    to_close, to_open = [], []
    for row in rows:
        office, person = offices[row.office_key], people[row.holder_key]
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


# The template's example row: Minister Lavrov's office.
EXAMPLE = {
    "office_key": "ru-foreign-minister",
    "address": "Smolenskaya-Sennaia pl. 32/34 | 119200 Moscow",
    "country": "RU",
    "phone": "+7 495 644 2203",
    "timezone": "Europe/Moscow",
    "office_languages": "ru, en",
    "holder_key": "sergei-lavrov",
    "holder_name": "Sergei Lavrov",
    "holder_languages": "ru, en, fr",
    "holder_since": "2004-03-09",
}
# Its translated cells, by column prefix and language; a language without one is left
# empty (it falls back to the default language).
EXAMPLE_TRANSLATED = {
    "office_title": {
        "en": "Minister of Foreign Affairs of the Russian Federation",
        "fr": "Ministre des Affaires étrangères de la Fédération de Russie",
    },
    "organisation": {
        "en": "Ministry of Foreign Affairs",
        "fr": "Ministère des Affaires étrangères",
    },
    "office_hours": {"en": "Mon–Fri 09:00–18:00"},
    "honorific": {"en": "Minister", "fr": "Ministre"},
    "salutation": {"en": "Your Excellency", "fr": "Monsieur le Ministre"},
}


def _example(column: Column) -> str:
    if not isinstance(column, TranslatedColumn):
        return EXAMPLE.get(column.name, "")
    texts = EXAMPLE_TRANSLATED.get(column.prefix, {})
    # A required column is never left empty: the template must import as it is.
    return texts.get(column.language) or (texts.get("en", "") if column.required else "")


def template_csv() -> str:
    """The column header and one example row, to start a file from."""
    columns = import_columns()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.name for column in columns])
    writer.writerow([_example(column) for column in columns])
    return out.getvalue()
