"""Importing the target directory from CSV: preview, row errors, all or nothing."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outcry.targets.imports import (
    ImportFileError,
    column_names,
    required_column_names,
    targets_import,
    targets_import_check,
    template_csv,
)
from outcry.targets.models import Office, Target, Tenure
from outcry.targets.selectors import addressee, office_holder
from tests import actors

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[dict], *, columns=None, encoding="utf-8") -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or column_names(), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return io.BytesIO(out.getvalue().encode(encoding))


def office_row(n: int, **overrides) -> dict:
    row = {
        "office_key": f"office-{n}",
        "office_title_en": f"Minister number {n}",
        "office_title_fr": f"Ministre numéro {n}",
        "address": f"Street {n} | 10000 Capital",
        "country": "FR",
        "email": f"minister{n}@gov.example",
        "timezone": "Europe/Paris",
        "holder_key": f"person-{n}",
        "holder_name": f"Person {n}",
        "salutation_en": "Dear Minister",
        "salutation_fr": "Madame la Ministre",
        "holder_since": "2022-05-20",
    }
    row.update(overrides)
    return row


def test_the_template_imports_and_importing_it_again_changes_nothing():
    """The downloadable template is a valid file: Lavrov's office, with his salutations;
    a second import of the same file finds nothing to do."""
    first = targets_import(file=io.BytesIO(template_csv().encode()))
    assert first.ok, first.errors
    assert (first.offices_new, first.people_new, first.holders_changed) == (1, 1, 1)
    office = Office.objects.get(key="ru-foreign-minister")
    french = addressee(office=office, language="fr")
    assert french.salutation == "Monsieur le Ministre"
    assert french.address_lines[-3:] == [
        "Smolenskaya-Sennaia pl. 32/34",
        "119200 Moscow",
        "Fédération de Russie",
    ]
    assert office_holder(office=office, on=date(2004, 3, 9)).name == "Sergei Lavrov"

    again = targets_import(file=io.BytesIO(template_csv().encode()))
    assert again.ok
    assert (again.offices_new, again.offices_changed, again.people_new) == (0, 0, 0)
    assert (again.people_changed, again.holders_changed) == (0, 0)
    assert Tenure.objects.count() == 1


def test_a_utf8_file_with_a_byte_order_mark_is_read():
    data = csv_bytes([office_row(1, office_title_en="Ministre délégué")], encoding="utf-8-sig")
    assert data.getvalue().startswith(b"\xef\xbb\xbf")
    report = targets_import(file=data)
    assert report.ok, report.errors
    assert Office.objects.get().title_en == "Ministre délégué"


def test_a_latin1_file_is_refused_with_a_clear_message_and_nothing_imported():
    data = csv_bytes([office_row(1, office_title_fr="Ministre délégué")], encoding="latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8.*CSV UTF-8"):
        targets_import(file=data)
    assert not Office.objects.exists()


def test_missing_and_unknown_columns_are_named():
    columns = [c for c in column_names() if c != "office_title_en"] + ["offce_notes"]
    data = csv_bytes([office_row(1)], columns=columns)
    with pytest.raises(ImportFileError) as error:
        targets_import_check(file=data)
    assert "missing column(s): office_title_en" in str(error.value)
    assert "unknown column(s): offce_notes" in str(error.value)


def test_row_errors_name_the_line_and_column_and_nothing_is_imported():
    """Three good rows and three bad ones: each bad cell is reported with its line, and not
    even the good rows are imported."""
    rows = [
        office_row(1),
        office_row(2, email="not-an-email"),
        office_row(3, country="Atlantis"),
        office_row(4),
        office_row(5, timezone="Moscow", holder_since="20/05/2022"),
        office_row(6),
    ]
    report = targets_import(file=csv_bytes(rows))
    assert not report.ok
    found = {(e.line, e.column) for e in report.errors}
    assert found == {(3, "email"), (4, "country"), (6, "timezone"), (6, "holder_since")}
    assert not Office.objects.exists() and not Target.objects.exists()


def test_duplicate_rows_are_errors():
    rows = [office_row(1), office_row(2), office_row(1, office_title_en="Again")]
    report = targets_import(file=csv_bytes(rows))
    assert [(e.line, e.column, e.message) for e in report.errors] == [
        (4, "office_key", "Same office as line 2.")
    ]
    assert not Office.objects.exists()


def test_one_person_given_two_names_is_an_error():
    rows = [office_row(1), office_row(2, holder_key="person-1", holder_name="Someone Else")]
    report = targets_import_check(file=csv_bytes(rows))
    assert [(e.line, e.column) for e in report.errors] == [(3, "holder_name")]


def test_a_new_holder_takes_the_office_and_the_history_stays():
    targets_import(file=csv_bytes([office_row(1)]))
    successor = office_row(
        1, holder_key="person-99", holder_name="Successor", holder_since="2025-01-10"
    )
    report = targets_import(file=csv_bytes([successor]))
    assert report.ok and report.holders_changed == 1
    office = Office.objects.get()
    assert office_holder(office=office, on=date(2024, 12, 31)).name == "Person 1"
    assert office_holder(office=office, on=date(2025, 1, 10)).name == "Successor"
    assert office.tenures.count() == 2


def test_a_new_holder_without_a_date_is_an_error():
    targets_import(file=csv_bytes([office_row(1)]))
    row = office_row(1, holder_key="person-99", holder_name="Successor", holder_since="")
    report = targets_import(file=csv_bytes([row]))
    assert [(e.line, e.column) for e in report.errors] == [(2, "holder_since")]
    assert office_holder(office=Office.objects.get()).name == "Person 1"


def test_fifty_thousand_rows_import_and_a_bad_last_row_stops_them_all():
    rows = [office_row(n) for n in range(50_000)]
    bad = csv_bytes([*rows[:-1], office_row(49_999, email="@@")])
    report = targets_import(file=bad)
    assert [(e.line, e.column) for e in report.errors] == [(50_001, "email")]
    assert not Office.objects.exists()

    report = targets_import(file=csv_bytes(rows))
    assert report.ok
    assert (report.rows, report.offices_new, report.people_new) == (50_000, 50_000, 50_000)
    assert Office.objects.count() == 50_000
    assert Tenure.objects.filter(ended_on__isnull=True).count() == 50_000
    assert office_holder(office=Office.objects.get(key="office-31337")).name == "Person 31337"


def test_campaigner_previews_then_confirms_an_import_in_the_admin(client):
    actors.logged_in(client, actors.campaigner())
    url = reverse("admin:targets_office_import")
    upload = SimpleUploadedFile("offices.csv", csv_bytes([office_row(1), office_row(2)]).read())
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200
    assert preview.context["report"].offices_new == 2
    assert not Office.objects.exists()  # a preview writes nothing

    confirmed = client.post(url, {"token": preview.context["token"]})
    assert confirmed.status_code == 302
    assert Office.objects.count() == 2
    # The stored upload is gone: confirming twice is impossible.
    assert client.post(url, {"token": preview.context["token"]}).status_code == 404


def test_admin_preview_lists_row_errors_and_offers_no_confirmation(client):
    actors.logged_in(client, actors.campaigner())
    upload = SimpleUploadedFile("offices.csv", csv_bytes([office_row(1, email="x@")]).read())
    response = client.post(reverse("admin:targets_office_import"), {"file": upload})
    page = response.content.decode()
    assert "1 error: nothing was imported" in page
    assert "is not an email address" in page
    assert 'name="token"' not in page


def test_admin_import_reports_an_encoding_problem(client):
    actors.logged_in(client, actors.campaigner())
    data = csv_bytes([office_row(1, office_title_fr="Délégué")], encoding="latin-1").read()
    response = client.post(
        reverse("admin:targets_office_import"), {"file": SimpleUploadedFile("x.csv", data)}
    )
    assert "not UTF-8" in response.content.decode()
    assert not Office.objects.exists()


def test_moderators_cannot_import_targets(client):
    actors.logged_in(client, actors.moderator())
    assert client.get(reverse("admin:targets_office_import")).status_code == 403


def test_importing_a_new_email_for_a_bounced_office_clears_the_bounce():
    from outcry.targets.services import office_mark_email_bounced

    targets_import(file=csv_bytes([office_row(1)]))
    office = Office.objects.get()
    office_mark_email_bounced(office_id=office.pk, email=office.email, reason="550 gone")
    targets_import(file=csv_bytes([office_row(1)]))  # same address: still bounced
    office.refresh_from_db()
    assert office.email_bounced_at is not None
    targets_import(file=csv_bytes([office_row(1, email="new@gov.example")]))
    office.refresh_from_db()
    assert office.email_bounced_at is None and office.email_bounce_reason == ""


def test_a_preview_never_confirmed_is_forgotten_after_a_day(client):
    import os
    import time

    from django.core.files.storage import storages

    actors.logged_in(client, actors.campaigner())
    url = reverse("admin:targets_office_import")
    upload = SimpleUploadedFile("offices.csv", csv_bytes([office_row(1)]).read())
    token = client.post(url, {"file": upload}).context["token"]
    path = storages["private"].path(f"target-imports/{token}.csv")
    client.get(url)
    assert os.path.exists(path)
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))
    client.get(url)
    assert not os.path.exists(path)
    assert client.post(url, {"token": token}).status_code == 404


GERMAN = [("en", "English"), ("fr", "French"), ("de", "German")]


def test_a_language_added_to_languages_gets_its_columns():
    """Translated columns come from LANGUAGES: adding German adds a German title,
    organisation, office hours, honorific and salutation, in the template and in the
    accepted header; only the default language's title is required."""
    from django.test import override_settings

    with override_settings(LANGUAGES=GERMAN):
        columns = column_names()
        for name in [
            "office_title_de",
            "organisation_de",
            "office_hours_de",
            "honorific_de",
            "salutation_de",
        ]:
            assert name in columns, name
        assert columns.index("office_title_de") == columns.index("office_title_fr") + 1
        assert template_csv().splitlines()[0].split(",") == columns
        assert required_column_names() == ["office_key", "office_title_en"]
        report = targets_import_check(
            file=csv_bytes([office_row(1, office_title_de="Minister Nummer 1")])
        )
        assert report.ok, report.errors
        assert report.offices_new == 1


def test_a_language_removed_from_languages_loses_its_columns():
    from django.test import override_settings

    with override_settings(LANGUAGES=[("en", "English")]):
        assert not [name for name in column_names() if name.endswith("_fr")]
        columns = [*column_names(), "office_title_fr"]
        with pytest.raises(ImportFileError, match="unknown column.*office_title_fr"):
            targets_import_check(file=csv_bytes([office_row(1)], columns=columns))


def test_every_translated_field_has_a_column_in_every_language():
    """A field newly registered for translation is importable in every language (or this
    fails until it gets its column)."""
    from django.conf import settings
    from modeltranslation.translator import translator
    from modeltranslation.utils import build_localized_fieldname

    from outcry.targets.columns import import_columns

    filled = {(column.model, column.field) for column in import_columns()}
    for model in (Office, Target):
        for name in translator.get_options_for_model(model).fields:
            for code, _name in settings.LANGUAGES:
                assert (model, build_localized_fieldname(name, code)) in filled, (model, name)


def test_translated_columns_fill_their_language_and_the_default_fills_the_base_field():
    """office_title_fr fills the French title only; office_title_en also the untranslated
    column, which raw SQL and exports read."""
    targets_import(file=csv_bytes([office_row(1)]))
    changed = office_row(1, office_title_en="Renamed", office_title_fr="Renommé")
    report = targets_import(file=csv_bytes([changed]))
    assert report.ok and report.offices_changed == 1
    values = Office.objects.values("title", "title_en", "title_fr").get()
    assert values == {"title": "Renamed", "title_en": "Renamed", "title_fr": "Renommé"}


def test_a_file_without_the_address_column_leaves_the_address_as_it_is():
    targets_import(file=csv_bytes([office_row(1)]))
    columns = [name for name in column_names() if name != "address"]
    report = targets_import(file=csv_bytes([office_row(1, phone="+33 1 23")], columns=columns))
    assert report.ok and report.offices_changed == 1
    office = Office.objects.get()
    assert (office.address, office.phone) == ("Street 1\n10000 Capital", "+33 1 23")
