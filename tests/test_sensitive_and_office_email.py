"""Who may read who a case really is, and who may redirect an office's letters.

A case's sensitive notes (real identity, contacts, sources) are shown only to staff with
their own permission (administrators), and each showing is audited without the notes. An
office's email address is changed by administrators only, audited with the old and new
address, and letters already waiting for the office do not follow it to the new address
until an administrator confirms it and staff resume sending.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from outcry.actions.models import Letter
from outcry.cases.models import Case
from outcry.core import roles
from outcry.core.models import AuditEvent
from outcry.targets import services as target_services
from outcry.targets.models import Office
from tests import actors
from tests.actions_outreach import conftest as outreach
from tests.actions_outreach.conftest import TARGET, time_passes
from tests.actions_outreach.factories import LetterActionFactory, office_with_email
from tests.factories import CaseFactory

# The supporter writing a letter through the public page, as in the letters' own tests.
write = outreach.write

NOTES = "Real name: Olga Kuznetsova, sister on +7 900 000 0000"
NEW_ADDRESS = "press@mfa.example"


def change_form_data(response, **changes) -> dict:
    """What the admin change page would post back unchanged, with ``changes`` applied."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    data.update(changes)
    data["_save"] = "Save"
    return data


def viewed_notes_rows():
    return AuditEvent.objects.filter(event="cases.case.sensitive_notes_viewed")


# Sensitive notes ------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_administrators_hold_the_two_permissions():
    """Moderators, campaigners and data protection staff hold neither permission."""
    for user in (actors.moderator(), actors.campaigner(), actors.data_protection_officer()):
        assert not user.has_perm("cases.view_sensitive_notes"), user
        assert not user.has_perm("targets.change_office_email"), user
    ada = actors.administrator()
    assert ada.has_perm("cases.view_sensitive_notes")
    assert ada.has_perm("targets.change_office_email")
    assert set(roles.role_permissions(roles.ADMINISTRATOR)) == {"*"}


@pytest.mark.django_db
def test_moderator_cannot_see_sensitive_notes(client):
    """Mo opens a case (she may view cases): the notes are not on the page, not even as a
    read-only field, and no read is recorded."""
    case = CaseFactory(sensitive_notes=NOTES)
    actors.logged_in(client, actors.moderator())
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert case.name in page
    assert "Olga" not in page and "+7 900" not in page
    assert "sensitive_notes" not in page
    assert not viewed_notes_rows().exists()


@pytest.mark.django_db
def test_campaigner_saving_a_case_neither_sees_nor_loses_its_sensitive_notes(client):
    """Carla edits a case's story: the notes are hidden from her form and kept as they were,
    even if she posts a value for them."""
    case = CaseFactory(sensitive_notes=NOTES)
    actors.logged_in(client, actors.campaigner())
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.get(url)
    assert "Olga" not in response.content.decode()
    data = change_form_data(response, summary_en="A new summary", sensitive_notes="overwritten")
    assert client.post(url, data).status_code == 302
    case.refresh_from_db()
    assert case.summary_en == "A new summary"
    assert case.sensitive_notes == NOTES


@pytest.mark.django_db
def test_administrator_reading_sensitive_notes_writes_an_audit_row(client):
    """Ada opens a case's change page: she sees the notes, and one audit row names her and
    the case, without the notes."""
    case = CaseFactory(sensitive_notes=NOTES)
    ada = actors.logged_in(client, actors.administrator())
    response = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert response.status_code == 200
    assert "Olga Kuznetsova" in response.content.decode()
    [row] = viewed_notes_rows()
    assert (row.actor, row.object_type, row.object_id) == (ada, "cases.case", str(case.pk))
    assert "Olga" not in str(row.extra)
    assert not any("Olga" in str(row.extra) for row in AuditEvent.objects.all())


@pytest.mark.django_db
def test_opening_the_case_list_or_adding_a_case_is_not_a_read_of_notes(client):
    """Only showing an existing case's notes counts as a read."""
    CaseFactory(sensitive_notes=NOTES)
    actors.logged_in(client, actors.administrator())
    assert client.get(reverse("admin:cases_case_changelist")).status_code == 200
    assert client.get(reverse("admin:cases_case_add")).status_code == 200
    assert not viewed_notes_rows().exists()


# Office email ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_campaigner_cannot_change_an_office_email(client):
    """Carla sees the address read-only; posting another changes nothing and the service
    refuses her."""
    office = office_with_email()
    carla = actors.logged_in(client, actors.campaigner())
    url = reverse("admin:targets_office_change", args=[office.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert 'name="email"' not in response.content.decode()
    assert TARGET in response.content.decode()
    data = change_form_data(response, email=NEW_ADDRESS, notes="Prefers letters in Russian")
    assert client.post(url, data).status_code == 302
    office.refresh_from_db()
    assert office.notes == "Prefers letters in Russian"  # the rest of the form is saved
    assert (office.email, office.email_held_since) == (TARGET, None)
    assert not AuditEvent.objects.filter(event__startswith="targets.office.email").exists()
    with pytest.raises(PermissionDenied):
        target_services.office_email_change(office=office, email=NEW_ADDRESS, actor=carla)
    office.refresh_from_db()
    assert office.email == TARGET


@pytest.mark.django_db
def test_campaigner_may_give_a_new_office_its_address(client):
    """No letter waits for an office that does not exist yet: the add form takes it."""
    actors.logged_in(client, actors.campaigner())
    response = client.get(reverse("admin:targets_office_add"))
    assert 'name="email"' in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_administrator_change_is_audited_and_queued_letters_wait(
    client, tasks, smtp_server, write, settings
):
    """One letter has gone to the minister and another waits for the hourly cap. Ada
    changes the address: the audit row shows the old and new address, and the waiting
    letter (the writer's name and Reply-To address may be in it) is not sent to the new
    address when the window reopens. It goes only once Ada confirms the address and staff
    resume sending."""
    settings.LETTER_DISPATCH_DELAY = 0
    settings.COUNT_BATCH_DELAY = 0
    action = LetterActionFactory(hourly_cap=1)
    write(action, named_to_target="on")
    write(action, email="second@example.org", first_name="Second", named_to_target="on")
    tasks.run()
    assert len(smtp_server.messages_to(TARGET)) == 1
    waiting = Letter.objects.get(target_status=Letter.TargetStatus.QUEUED)

    ada = actors.logged_in(client, actors.administrator())
    url = reverse("admin:targets_office_change", args=[action.office_id])
    response = client.get(url)
    assert client.post(url, change_form_data(response, email=NEW_ADDRESS)).status_code == 302
    office = Office.objects.get(pk=action.office_id)
    assert office.email == NEW_ADDRESS
    assert office.email_held_since is not None and not office.email_usable
    [row] = AuditEvent.objects.filter(event="targets.office.email_changed")
    assert row.actor == ada and row.object_id == str(office.pk)
    assert row.extra["changes"]["email"] == {"old": TARGET, "new": NEW_ADDRESS}

    time_passes(tasks, minutes=61)  # the hourly window reopens; the deferred dispatch runs
    assert smtp_server.messages_to(NEW_ADDRESS) == []
    assert len(smtp_server.messages_to(TARGET)) == 1
    waiting.refresh_from_db()
    assert waiting.target_status == Letter.TargetStatus.QUEUED

    # A campaigner cannot release it.
    actors.logged_in(client, actors.campaigner())
    offices = reverse("admin:targets_office_changelist")
    client.post(offices, {"action": "confirm_email", "_selected_action": [office.pk]})
    assert Office.objects.get(pk=office.pk).email_held_since is not None

    actors.logged_in(client, ada)
    response = client.post(offices, {"action": "confirm_email", "_selected_action": [office.pk]})
    assert response.status_code == 302
    assert Office.objects.get(pk=office.pk).email_usable
    assert AuditEvent.objects.filter(actor=ada, event="targets.office.email_confirmed").exists()
    response = client.post(
        reverse("admin:actions_letteraction_changelist"),
        {"action": "resume_sending", "_selected_action": [action.pk]},
    )
    assert response.status_code == 302
    tasks.run(include_deferred=True)
    [sent] = smtp_server.messages_to(NEW_ADDRESS)
    assert "Second Writer" in sent.get_body(("plain",)).get_content()
    waiting.refresh_from_db()
    assert waiting.target_status == Letter.TargetStatus.SENT
    assert Case.objects.count() == 1
