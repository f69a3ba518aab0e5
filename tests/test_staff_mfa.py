"""Staff second factor: no admin page before it, enrolment at the first login, recovery
codes that work once, wrong codes throttled and audited, resets by another administrator
only, the session key changed at each step, and step-up in front of personal data."""

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.sessions.models import Session
from django.urls import reverse
from freezegun import freeze_time

from outcry.core.models import AuditEvent
from outcry.core.stepup import SESSION_SECOND_FACTOR
from outcry.targets.models import Office
from tests import actors
from tests.actions_outreach.factories import office_with_email
from tests.factories import CaseFactory
from tests.test_sensitive_and_office_email import NEW_ADDRESS, NOTES, change_form_data

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
ADMIN = "/admin/"
SUPPORTER_LIST = "/admin/supporters/supporter/"
# allauth keeps the secret of a TOTP being set up in the session under this key.
TOTP_SETUP_SECRET = "mfa.totp.secret"


def password_step(client, user):
    """The password step of the login form; returns its response."""
    return client.post(LOGIN, {"login": user.username, "password": actors.PASSWORD})


def code_for_secret(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def test_admin_index_is_unreachable_with_the_password_alone(client):
    """The right password of an enrolled account leads to the code, not into the admin."""
    mo = actors.moderator()
    actors.totp_enrolled(mo)
    response = password_step(client, mo)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_authenticate"))
    for url in (ADMIN, "/admin/actions/signature/", "/admin/auth/user/"):
        assert client.get(url).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_session_without_its_second_factor_is_sent_to_the_code_page(client):
    """A session logged in without a second factor (however it came to be) reaches no admin
    page, changelist or custom admin view: each sends it to the second-factor step."""
    ada = actors.administrator()
    actors.totp_enrolled(ada)
    actors.logged_in(client, ada, second_factor=False)
    for url in (ADMIN, SUPPORTER_LIST, reverse("admin:supporters_supporter_find")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_reauthenticate") + "?next=")
    actors.logged_in(client, ada)
    assert client.get(ADMIN).status_code == 200


# Transactional: allauth announces a new authenticator once its transaction commits, and
# the session is marked (and its key changed) then, within the same request.
@pytest.mark.django_db(transaction=True)
def test_first_login_leads_into_enrolment_then_recovery_codes_then_the_admin(client):
    """A new account's first login: TOTP set-up with a QR code drawn on the page itself,
    recovery codes shown, and only then the admin."""
    newcomer = actors.staff(username="new-staff", role=None)
    assert not Authenticator.objects.filter(user=newcomer).exists()
    assert password_step(client, newcomer).status_code == 302
    response = client.get(ADMIN)
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "data:image/svg+xml" in html or "<svg" in html
    assert "https://" not in html.replace("https://www.w3.org", "")
    secret = client.session[TOTP_SETUP_SECRET]
    key_before = client.session.session_key
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for_secret(secret)})
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert client.session.session_key != key_before
    codes = client.get(response["Location"])
    unused = RecoveryCodes(
        Authenticator.objects.get(user=newcomer, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert unused and unused[0] in codes.content.decode()
    assert client.get(ADMIN).status_code == 200
    assert AuditEvent.objects.filter(event="auth.mfa.enrolled", object_id=str(newcomer.pk))


def test_a_recovery_code_logs_in_once(client):
    """A recovery code stands for the second factor once; the same code again is refused."""
    mo = actors.moderator()
    actors.totp_enrolled(mo)
    code = RecoveryCodes.activate(mo).get_unused_codes()[0]
    step = password_step(client, mo)
    assert client.post(step["Location"], {"code": code}).status_code == 302
    assert client.get(ADMIN).status_code == 200
    client.post(reverse("account_logout"))
    step = password_step(client, mo)
    again = client.post(step["Location"], {"code": code})
    assert again.status_code == 200
    assert again.context["form"].errors
    assert client.get(ADMIN).status_code == 302


def test_session_key_changes_at_the_password_and_at_the_second_factor(client):
    """Three keys: before the login, after the password, after the code."""
    mo = actors.moderator()
    code = actors.totp_code(mo)
    client.get(LOGIN)
    keys = [client.session.session_key]
    step = password_step(client, mo)
    keys.append(client.session.session_key)
    client.post(step["Location"], {"code": code})
    keys.append(client.session.session_key)
    assert client.get(ADMIN).status_code == 200
    assert len(set(keys)) == 3 and None not in keys


def test_wrong_codes_are_throttled_and_audited(client, settings):
    """Past the limit even the right code is refused; every wrong one writes a row."""
    mo = actors.moderator()
    actors.totp_enrolled(mo)
    step = password_step(client, mo)
    for _ in range(5):
        response = client.post(step["Location"], {"code": "000000"})
        assert response.status_code == 200
    assert AuditEvent.objects.filter(event="auth.mfa.failed", object_id=str(mo.pk)).count() == 5
    response = client.post(step["Location"], {"code": actors.totp_code(mo)})
    assert response.status_code == 200
    assert "Too many failed login attempts" in str(response.context["form"].errors)
    assert client.get(ADMIN).status_code == 302
    assert "_auth_user_id" not in client.session


def test_administrator_resets_another_staff_members_factors_audited(client):
    """Ada resets Mo's factors: they are gone, his sessions end, a row names both."""
    mo = actors.moderator()
    actors.logged_in(client, mo)
    ada = actors.administrator()
    other = client_class_for(client)
    actors.logged_in(other, ada)
    response = other.post(
        "/admin/auth/user/", {"action": "mfa_reset", "_selected_action": [mo.pk], "index": "0"}
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=mo).exists()
    event = AuditEvent.objects.get(event="auth.mfa.reset")
    assert (event.actor_username, event.object_id) == (ada.username, str(mo.pk))
    assert client.get(ADMIN).status_code == 302  # Mo's session has ended


def test_administrator_cannot_reset_their_own_factors(client):
    ada = actors.administrator()
    actors.logged_in(client, ada)
    response = client.post(
        "/admin/auth/user/",
        {"action": "mfa_reset", "_selected_action": [ada.pk], "index": "0"},
        follow=True,
    )
    assert "recovery code" in response.content.decode()
    assert Authenticator.objects.filter(user=ada).exists()
    assert not AuditEvent.objects.filter(event="auth.mfa.reset").exists()


def test_only_administrators_may_reset_factors(client):
    mo = actors.moderator()
    actors.logged_in(client, actors.data_protection_officer())
    client.post(
        "/admin/auth/user/", {"action": "mfa_reset", "_selected_action": [mo.pk], "index": "0"}
    )
    assert not AuditEvent.objects.filter(event="auth.mfa.reset").exists()


def client_class_for(client):
    return type(client)()


# Step-up


def export(client, supporter):
    return client.post(
        SUPPORTER_LIST, {"action": "export_json", "_selected_action": [supporter.pk], "index": "0"}
    )


def test_export_needs_a_second_factor_from_the_last_five_minutes(client):
    """Refused with a stale proof (nothing exported, no audit row), allowed with a fresh
    one, and refused again five minutes later."""
    supporter = actors.SupporterFactory()
    dana = actors.data_protection_officer()
    actors.logged_in(client, dana, second_factor_age=timedelta(minutes=6))
    refused = export(client, supporter)
    assert refused.status_code == 302
    assert not AuditEvent.objects.filter(event="supporters.supporter.exported").exists()
    page = client.get(refused["Location"])
    assert reverse("mfa_reauthenticate") in page.content.decode()

    with freeze_time() as clock:
        actors.logged_in(client, dana)
        allowed = export(client, supporter)
        assert allowed["Content-Type"].startswith("application/json")
        clock.tick(timedelta(seconds=301))
        assert export(client, supporter).status_code == 302
    assert AuditEvent.objects.filter(event="supporters.supporter.exported").count() == 1


def test_stale_opening_of_a_supporter_goes_to_verify_and_comes_back(client):
    """Opening a supporter with a stale proof asks for a code, then opens the same page."""
    supporter = actors.SupporterFactory()
    dana = actors.data_protection_officer()
    actors.logged_in(client, dana, second_factor_age=timedelta(minutes=10))
    url = reverse("admin:supporters_supporter_change", args=[supporter.pk])
    response = client.get(url)
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    assert not AuditEvent.objects.filter(event="supporters.supporter.viewed").exists()
    verified = client.post(response["Location"], {"code": actors.totp_code(dana)})
    assert verified["Location"] == url
    assert client.get(url).status_code == 200


def test_stale_step_up_hides_sensitive_notes_until_verified(client):
    """An administrator's stale proof: the case opens without its never-published notes
    (and a link to verify, no audit row of a read); a fresh one shows them."""
    case = CaseFactory(sensitive_notes=NOTES)
    ada = actors.administrator()
    url = reverse("admin:cases_case_change", args=[case.pk])
    actors.logged_in(client, ada, second_factor_age=timedelta(minutes=10))
    page = client.get(url).content.decode()
    assert NOTES not in page
    assert reverse("mfa_reauthenticate") in page
    assert not AuditEvent.objects.filter(event="cases.case.sensitive_notes_viewed").exists()
    actors.logged_in(client, ada)
    assert NOTES in client.get(url).content.decode()


def test_stale_step_up_refuses_an_office_email_change(client):
    """The address stays as it was, the form says why and links to verify."""
    office = office_with_email()
    before = office.email
    ada = actors.administrator()
    url = reverse("admin:targets_office_change", args=[office.pk])
    actors.logged_in(client, ada, second_factor_age=timedelta(minutes=10))
    response = client.post(url, change_form_data(client.get(url), email=NEW_ADDRESS))
    assert response.status_code == 200
    assert reverse("mfa_reauthenticate") in response.content.decode()
    assert Office.objects.get(pk=office.pk).email == before
    actors.logged_in(client, ada)
    assert client.post(url, change_form_data(client.get(url), email=NEW_ADDRESS)).status_code == 302
    assert Office.objects.get(pk=office.pk).email == NEW_ADDRESS


def test_stale_delivery_package_download_goes_to_verify(client):
    """The download link, followed with a stale proof, asks for a code first."""
    url = reverse("admin:deliveries_deliverypackage_download", args=[1, "pdf"])
    actors.logged_in(client, actors.campaigner(), second_factor_age=timedelta(minutes=10))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_recent_proof_is_recorded_only_for_the_logged_in_user(client):
    """A proof recorded for someone else does not count for this session's user."""
    mo = actors.moderator()
    actors.logged_in(client, mo)
    session = client.session
    session[SESSION_SECOND_FACTOR] = {**session[SESSION_SECOND_FACTOR], "user": "999999"}
    session.save()
    assert client.get(ADMIN).status_code == 302
    assert Session.objects.exists()


def test_there_is_no_sign_up(client):
    """Staff accounts are made by administrators: the sign-up page is closed and makes
    no account."""
    users_before = actors.User.objects.count()
    response = client.post(
        reverse("account_signup"),
        {"username": "walk-in", "password1": "Xk3!long-pass", "password2": "Xk3!long-pass"},
    )
    assert response.status_code == 200
    assert actors.User.objects.count() == users_before
    assert not actors.User.objects.filter(username="walk-in").exists()


def test_removing_ones_last_authenticator_leads_back_to_enrolment(client):
    """A staff member may replace their app, never keep using the admin without one."""
    mo = actors.moderator()
    actors.logged_in(client, mo)
    assert client.get(ADMIN).status_code == 200
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=mo, type=Authenticator.Type.TOTP).exists()
    assert client.get(ADMIN)["Location"] == reverse("mfa_activate_totp")
    assert AuditEvent.objects.filter(event="auth.mfa.removed", object_id=str(mo.pk)).exists()
