"""The audit trail: typed rows from one registry of events, append-only in the database
itself, a page where data-protection staff answer "who saw this supporter's data" and
"what did this staff member open", and an audit row for every staff write.

Dana handles data protection; Mo moderates; Carla campaigns; Ada administers.
"""

import ast
import csv
import html
import importlib
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from outcry.actions import services as action_services
from outcry.actions.models import Letter, Signature
from outcry.core.audit import AUDIT_EVENTS, audit_record
from outcry.core.models import AuditEvent
from outcry.supporters.models import Supporter
from outcry.targets.imports import targets_import, template_csv
from outcry.targets.models import Office, Tenure
from outcry.targets.services import office_email_change
from tests import actors
from tests.actions_outreach.factories import LetterActionFactory
from tests.conftest import sign_data
from tests.factories import OfficeFactory, TargetFactory
from tests.test_sensitive_and_office_email import change_form_data
from tests.test_staff import admin_post, inline_management

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parent.parent / "src" / "outcry"
TRAIL = "/admin/core/auditevent/trail/"
ZELDA = "Zelda.Quenby@Example.org"
YANN = "yann@example.net"


def sign(client, petition, *, email: str, ip: str) -> Supporter:
    response = client.post(petition.get_absolute_url(), sign_data(email=email), REMOTE_ADDR=ip)
    assert response.status_code == 302
    return Signature.objects.select_related("supporter").latest("pk").supporter


def rows_shown(response) -> str:
    return response.content.decode()


# Typed rows and the registry -------------------------------------------------------------


def test_opening_a_supporter_writes_a_typed_row_without_personal_data(client, petition):
    """The row names the event, the staff member and their kind, the supporter by id; the
    address and name appear nowhere in it."""
    zelda = sign(client, petition, email=ZELDA, ip="198.51.100.10")
    dana = actors.logged_in(client, actors.data_protection_officer())
    client.get(reverse("admin:supporters_supporter_change", args=[zelda.pk]))
    row = AuditEvent.objects.get(event="supporters.supporter.viewed")
    assert (row.actor, row.actor_username, row.actor_kind) == (dana, "dana-dpo", "staff")
    assert (row.object_type, row.object_id) == ("supporters.supporter", str(zelda.pk))
    assert "zelda" not in str(row.extra).lower() and "quenby" not in str(row.extra).lower()


def _written_events() -> list[tuple[str, int, str]]:
    """Every ``event=`` given to ``audit_record``/``content_audit`` in the source, as
    (file, line, text): a literal, or the constant start of an f-string."""
    found = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name not in ("audit_record", "content_audit"):
                continue
            for keyword in node.keywords:
                if keyword.arg != "event":
                    continue
                values = [keyword.value]
                if isinstance(keyword.value, ast.IfExp):
                    values = [keyword.value.body, keyword.value.orelse]
                for value in values:
                    if isinstance(value, ast.Constant):
                        found.append((str(path), node.lineno, value.value))
                    elif isinstance(value, ast.JoinedStr) and isinstance(
                        value.values[0], ast.Constant
                    ):
                        found.append((str(path), node.lineno, value.values[0].value + "*"))
    return found


def test_every_event_written_in_the_code_is_declared_with_a_label():
    """A literal event must be in the registry; an f-string's fixed start must begin at
    least one declared event (the rest is checked at run time by ``audit_record``)."""
    written = _written_events()
    assert len(written) > 40
    missing = []
    for path, line, event in written:
        if event.endswith("*"):
            if not any(name.startswith(event[:-1]) for name in AUDIT_EVENTS):
                missing.append((path, line, event))
        elif event not in AUDIT_EVENTS:
            missing.append((path, line, event))
    assert missing == []
    assert all(str(label) for label in AUDIT_EVENTS.values())


def test_an_undeclared_event_is_refused():
    """A typo in an event name fails loudly instead of writing a row nobody can name."""
    with pytest.raises(ValueError, match="not declared"):
        audit_record(actor=None, event="supporters.supporter.viewd")
    assert not AuditEvent.objects.exists()


def test_old_rows_are_converted_to_events_with_structured_extra():
    """The data migration's mapping: old actions become verbs on the object type, dotted
    rows keep their event, the content changes' JSON and the ids are parsed."""
    typed = importlib.import_module("outcry.core.migrations.0004_auditevent_typed_data").typed
    assert typed("view_personal_data", "supporters.supporter", "") == (
        "supporters.supporter.viewed",
        {},
    )
    assert typed("export", "actions.signature", "CSV export of 3 signature(s)") == (
        "actions.signature.exported",
        {"detail": "CSV export of 3 signature(s)"},
    )
    assert typed("search_personal_data", "supporters.suppression", "search by email")[0] == (
        "supporters.suppression.searched"
    )
    assert typed("validate", "actions.signature", "2 signature(s); ids=4,7") == (
        "actions.signature.approved",
        {"detail": "2 signature(s); ids=4,7", "ids": [4, 7]},
    )
    assert typed("invalidate", "comments.comment", "")[0] == "comments.comment.rejected"
    assert typed(
        "change", "news.post", 'news.post.updated {"title": {"old": "a", "new": "b"}}'
    ) == (
        "news.post.updated",
        {"changes": {"title": {"old": "a", "new": "b"}}},
    )
    assert typed("auth.login.failed", "", "username='mo'") == (
        "auth.login.failed",
        {"detail": "username='mo'"},
    )


# Append-only in the database -------------------------------------------------------------


@pytest.fixture
def locked_audit_table():
    """On SQLite the test database's flush needs the DELETE trigger unlocked (see
    tests/conftest.py); lock it for this test, as in production. Rolled back after."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent_unlocked")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditevent SET extra = '{}', actor_username = 'someone-else'",
        "DELETE FROM core_auditevent",
    ],
)
def test_raw_sql_cannot_change_or_delete_audit_rows(locked_audit_table, statement):
    """Even a statement that bypasses Django is refused by the database's trigger, on
    SQLite and PostgreSQL alike."""
    row = audit_record(actor=None, event="auth.login.failed", extra={"username": "mo"})
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get().extra == row.extra == {"username": "mo"}


def test_deleting_a_staff_account_leaves_its_audit_rows_untouched(client, petition):
    """No cascade and no SET NULL: the row still names who it was."""
    zelda = sign(client, petition, email=ZELDA, ip="198.51.100.10")
    ada = actors.administrator()
    audit_record(actor=ada, event="supporters.supporter.viewed", obj=zelda)
    ada_id = ada.pk
    ada.delete()
    row = AuditEvent.objects.get()
    assert (row.actor_id, row.actor_username) == (ada_id, "ada-admin")


# The data-protection page ----------------------------------------------------------------


@pytest.fixture
def trail(client, petition):
    """Zelda and Yann signed. Mo approved Zelda's signature in a batch; Ada opened Zelda's
    record and exported the petition's signatures; Ada opened Yann's record."""
    zelda = sign(client, petition, email=ZELDA, ip="198.51.100.10")
    yann = sign(client, petition, email=YANN, ip="198.51.100.11")
    mo, ada = actors.moderator(), actors.administrator()
    action_services.signatures_moderate(
        signatures=Signature.objects.filter(supporter=zelda), validate=True, actor=mo
    )
    actors.logged_in(client, ada)
    client.get(reverse("admin:supporters_supporter_change", args=[zelda.pk]))
    client.get(reverse("admin:supporters_supporter_change", args=[yann.pk]))
    client.post(
        "/admin/actions/signature/",
        {
            "action": "export_csv",
            "index": "0",
            "_selected_action": list(Signature.objects.values_list("pk", flat=True)),
        },
    )
    client.logout()
    return zelda, yann


def test_data_protection_officer_finds_who_saw_a_supporter_by_email(client, trail):
    """Dana enters Zelda's address: she sees Mo's approval of Zelda's signature and Ada's
    read and export, not Ada's read of Yann. Her search is audited, without the address."""
    zelda, yann = trail
    dana = actors.logged_in(client, actors.data_protection_officer())
    response = client.post(TRAIL, {"email": " zelda.quenby@example.org "}, follow=True)
    assert response.status_code == 200
    events = {(e.event, e.actor_username) for e, _label in response.context["rows"]}
    assert events == {
        ("actions.signature.approved", "mo-moderator"),
        ("supporters.supporter.viewed", "ada-admin"),
        ("actions.signature.exported", "ada-admin"),
        ("core.auditevent.searched", "dana-dpo"),
    }
    assert str(yann.pk) not in {e.object_id for e, _label in response.context["rows"]}
    page = rows_shown(response)
    assert "Supporter&#x27;s personal data viewed" in page or "personal data viewed" in page
    # The lookup is recorded on Zelda (so her own trail shows it), then the page's filter.
    lookup, shown = AuditEvent.objects.filter(
        event="core.auditevent.searched", actor=dana
    ).order_by("pk")
    assert (lookup.object_type, lookup.object_id) == ("supporters.supporter", str(zelda.pk))
    assert shown.extra == {"filters": {"supporter": zelda.pk}}
    assert not any("zelda" in str(row.extra).lower() for row in AuditEvent.objects.all())


def test_an_unknown_address_finds_no_one_and_the_search_is_audited(client, trail):
    actors.logged_in(client, actors.data_protection_officer())
    response = client.post(TRAIL, {"email": "nobody@example.org"})
    assert "No supporter has this address." in rows_shown(response)
    row = AuditEvent.objects.get(event="core.auditevent.searched")
    assert row.extra == {"by": "email", "found": False}


def test_the_page_shows_what_a_staff_member_opened_this_week(client, trail):
    """Ada and this week: her two reads and her export, nothing of Mo's."""
    ada = AuditEvent.objects.filter(actor_username="ada-admin").first().actor
    actors.logged_in(client, actors.data_protection_officer())
    today = timezone.localdate()
    response = client.get(
        TRAIL,
        {"actor": ada.pk, "since": str(today - timedelta(days=6)), "until": str(today)},
    )
    events = sorted(e.event for e, _label in response.context["rows"])
    assert events == [
        "actions.signature.exported",
        "supporters.supporter.viewed",
        "supporters.supporter.viewed",
    ]
    last_week = client.get(
        TRAIL, {"actor": ada.pk, "until": str(today - timedelta(days=7))}
    ).context["rows"]
    assert last_week == []


def test_event_filter_offers_the_registry_labels_in_french(client, trail):
    """The event filter lists the registry's labels, in the staff member's language."""
    actors.logged_in(client, actors.data_protection_officer())
    response = client.get(
        TRAIL, {"event": "supporters.supporter.viewed"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert {e.event for e, _label in response.context["rows"]} == {"supporters.supporter.viewed"}
    assert len(response.context["rows"]) == 2
    page = html.unescape(rows_shown(response))
    assert "Données personnelles d'un sympathisant consultées" in page
    assert "Journal d'audit" in page
    bad = client.get(TRAIL, {"event": "not.an.event"})
    assert bad.status_code == 200 and bad.context["rows"] == []


def test_csv_export_of_the_trail_holds_the_filtered_rows_and_is_audited(client, trail):
    zelda, _yann = trail
    dana = actors.logged_in(client, actors.data_protection_officer())
    response = client.get(TRAIL, {"supporter": zelda.pk, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(r["event"], r["actor"]) for r in rows} == {
        ("actions.signature.approved", "mo-moderator"),
        ("supporters.supporter.viewed", "ada-admin"),
        ("actions.signature.exported", "ada-admin"),
    }
    exported = AuditEvent.objects.get(event="core.auditevent.exported")
    assert exported.actor == dana
    assert exported.extra == {"filters": {"supporter": zelda.pk}, "count": 3}


@pytest.mark.parametrize("role", [actors.campaigner, actors.moderator])
def test_campaigners_and_moderators_cannot_open_the_trail(client, trail, role):
    actors.logged_in(client, role())
    assert client.get(TRAIL).status_code == 403
    assert client.post(TRAIL, {"email": ZELDA}).status_code == 403
    assert client.get(TRAIL, {"format": "csv", "event": ""}).status_code == 403


def test_the_raw_audit_list_links_the_trail_and_changes_nothing(client, trail):
    actors.logged_in(client, actors.administrator())
    page = client.get("/admin/core/auditevent/")
    assert TRAIL in rows_shown(page)
    row = AuditEvent.objects.first()
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert (
        client.post(f"/admin/core/auditevent/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert AuditEvent.objects.filter(pk=row.pk).exists()


# Staff writes that were not audited before -----------------------------------------------


def test_a_target_import_is_audited_with_its_counts():
    ada = actors.administrator()
    report = targets_import(file=io.BytesIO(template_csv().encode()), actor=ada)
    row = AuditEvent.objects.get(event="targets.office.imported")
    assert row.actor == ada
    assert row.extra["rows"] == report.rows == 1
    assert row.extra["offices_new"] == report.offices_new


def test_tenure_changes_in_the_admin_are_audited(client):
    office = OfficeFactory()
    target = TargetFactory()
    carla = actors.logged_in(client, actors.campaigner())
    url = reverse("admin:targets_office_change", args=[office.pk])
    data = change_form_data(client.get(url))
    data.update(inline_management("tenures", total=1))
    data.update({"tenures-0-target": str(target.pk), "tenures-0-started_on": "2020-01-01"})
    admin_post(client, url, data)
    tenure = Tenure.objects.get(office=office)
    row = AuditEvent.objects.get(event="targets.tenure.created")
    assert (row.actor, row.object_id) == (carla, str(tenure.pk))
    assert row.extra["target_id"] == target.pk and row.extra["started_on"] == "2020-01-01"


def test_changing_an_office_address_records_the_bounce_it_clears():
    office = OfficeFactory(email="old@gov.example")
    Office.objects.filter(pk=office.pk).update(
        email_bounced_at=timezone.now(), email_bounce_reason="550 no such user"
    )
    office.refresh_from_db()
    office_email_change(office=office, email="new@gov.example", actor=actors.administrator())
    row = AuditEvent.objects.get(event="targets.office.email_changed")
    assert row.extra["changes"]["email_bounced_at"]["new"] is None
    assert row.extra["changes"]["email_bounced_at"]["old"] is not None


def test_a_recount_from_the_admin_is_audited(client, petition):
    ada = actors.logged_in(client, actors.administrator())
    client.post(
        reverse("admin:actions_petition_changelist"),
        {"action": "recount", "index": "0", "_selected_action": [petition.pk]},
    )
    row = AuditEvent.objects.get(event="actions.petition.recounted")
    assert (row.actor, row.object_id) == (ada, str(petition.pk))


def test_resuming_bounced_letters_is_audited(client):
    action = LetterActionFactory()
    ada = actors.logged_in(client, actors.administrator())
    client.post(
        reverse("admin:actions_letteraction_changelist"),
        {"action": "resume_sending", "index": "0", "_selected_action": [action.pk]},
    )
    row = AuditEvent.objects.get(event="actions.letter.resumed")
    assert (row.actor, row.object_type, row.object_id) == (
        ada,
        "actions.letteraction",
        str(action.pk),
    )
    assert row.extra == {"count": Letter.objects.filter(action=action).count()}
