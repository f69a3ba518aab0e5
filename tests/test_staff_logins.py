"""Staff logins: failed passwords are throttled per username and per client address, the
same way whether the username exists, audited, and stored without the address; staff
sessions end when idle, at an absolute limit, and when the user's privileges change."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from outcry.core import roles
from outcry.core.logins import SESSION_LOGIN_AT, SESSION_SEEN_AT
from outcry.core.models import AuditEvent
from tests import actors

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
ADMIN = "/admin/"
LIMIT = 10


WRONG = "wrong-password"  # noqa: S105


def attempt(client, username: str, password: str = WRONG, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"login": username, "password": password}, REMOTE_ADDR=ip)


def fail(client, username: str, times: int, ip: str = "203.0.113.7") -> list[int]:
    return [attempt(client, username, ip=ip).status_code for _ in range(times)]


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def test_eleventh_attempt_is_refused_without_checking_the_password(client, monkeypatch):
    """After ten wrong passwords, even the right one is refused, and unchecked."""
    mo = actors.moderator()
    # Nine answers are the login page again; the tenth failure locks, and says so.
    assert fail(client, mo.username, LIMIT) == [200] * (LIMIT - 1) + [429]
    checked = []
    real_check = User.check_password

    def counting_check(self, raw_password):
        checked.append(self.username)
        return real_check(self, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check)
    response = attempt(client, mo.username, password=actors.PASSWORD)
    assert response.status_code == 429
    assert checked == []
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302  # still not logged in


def test_lockout_per_username_holds_from_another_address(client):
    """Ten failures for one username lock it out from every address."""
    mo = actors.moderator()
    for n in range(LIMIT):
        attempt(client, mo.username, ip=f"198.51.100.{n + 1}")
    response = attempt(client, mo.username, password=actors.PASSWORD, ip="192.0.2.99")
    assert response.status_code == 429


def test_lockout_per_address_holds_for_another_username(client):
    """Ten failures from one address, over many usernames, lock that address out."""
    mo = actors.moderator()
    for n in range(LIMIT):
        attempt(client, f"guess-{n}", ip="203.0.113.50")
    assert (
        attempt(client, mo.username, password=actors.PASSWORD, ip="203.0.113.50").status_code == 429
    )
    # Another address is not locked out.
    assert (
        attempt(client, mo.username, password=actors.PASSWORD, ip="203.0.113.51").status_code == 302
    )


def test_unknown_and_known_usernames_get_the_same_answer(client):
    """Before and after the lockout, an unknown username is answered like a real one."""
    mo = actors.moderator()
    known = attempt(client, mo.username, ip="203.0.113.1")
    unknown = attempt(client, "nobody-here", ip="203.0.113.2")
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].errors == unknown.context["form"].errors
    assert fail(client, mo.username, LIMIT - 2, ip="203.0.113.1") == [200] * (LIMIT - 2)
    assert fail(client, "nobody-here", LIMIT - 2, ip="203.0.113.2") == [200] * (LIMIT - 2)
    known = attempt(client, mo.username, ip="203.0.113.1")
    unknown = attempt(client, "nobody-here", ip="203.0.113.2")
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_failed_login_and_lockout_write_audit_rows_without_the_password(client):
    """Each failure is audited, the lockout too; the username is named, no password."""
    mo = actors.moderator()
    fail(client, mo.username, LIMIT)
    failed = AuditEvent.objects.filter(event="auth.login.failed")
    assert failed.count() == LIMIT
    locked = AuditEvent.objects.get(event="auth.login.locked_out")
    assert locked.actor is None
    assert locked.extra["username"] == mo.username
    assert not any(WRONG in str(row.extra) for row in AuditEvent.objects.all())


def test_throttle_stores_no_ip_address(client):
    """Axes keeps the day's hash of the address, never the address itself."""
    mo = actors.moderator()
    attempt(client, mo.username, ip="203.0.113.77")
    stored = AccessAttempt.objects.get(username=mo.username)
    assert stored.ip_address
    assert "203.0.113.77" not in stored.ip_address
    assert "203.0.113.77" not in stored.get_data + stored.post_data
    assert WRONG not in stored.post_data


def test_lockouts_are_visible_to_administrators_only(client):
    """The access attempts list opens for an administrator and no other role."""
    actors.logged_in(client, actors.administrator())
    assert client.get("/admin/axes/accessattempt/").status_code == 200
    assert "axes.view_accessattempt" not in roles.role_permissions(roles.DATA_PROTECTION)
    for someone in (actors.campaigner(), actors.moderator(), actors.data_protection_officer()):
        actors.logged_in(client, someone)
        assert client.get("/admin/axes/accessattempt/").status_code == 403


def _age_session(client, *, login: timedelta, seen: timedelta) -> None:
    session = client.session
    now = timezone.now()
    session[SESSION_LOGIN_AT] = (now - login).isoformat()
    session[SESSION_SEEN_AT] = (now - seen).isoformat()
    session.save()


def test_idle_session_is_logged_out(client, settings):
    """No request for longer than the idle limit: the next one finds the login page."""
    actors.logged_in(client, actors.moderator())
    assert client.get(ADMIN).status_code == 200
    _age_session(client, login=timedelta(hours=1), seen=timedelta(minutes=31))
    assert client.get(ADMIN).status_code == 302
    assert "_auth_user_id" not in client.session


def test_session_within_the_idle_limit_stays(client):
    """A session used within the idle limit stays logged in."""
    actors.logged_in(client, actors.moderator())
    _age_session(client, login=timedelta(hours=1), seen=timedelta(minutes=29))
    assert client.get(ADMIN).status_code == 200


def test_absolute_limit_logs_out_an_active_session(client):
    """Past the absolute limit, a session is logged out even if it was just used."""
    actors.logged_in(client, actors.moderator())
    _age_session(client, login=timedelta(hours=12, minutes=1), seen=timedelta(seconds=5))
    assert client.get(ADMIN).status_code == 302
    assert "_auth_user_id" not in client.session


def test_login_through_the_form_starts_the_session_clocks(client):
    """A form login records when it happened, and rotates the session key."""
    client.get(LOGIN)
    mo = actors.moderator()
    code = actors.totp_code(mo)  # the login now has a second step (tests/test_staff_mfa.py)
    response = attempt(client, mo.username, password=actors.PASSWORD)
    assert response.status_code == 302
    response = client.post(response["Location"], {"code": code})
    assert response.status_code == 302
    assert client.session[SESSION_LOGIN_AT] and client.session[SESSION_SEEN_AT]
    assert client.get(ADMIN).status_code == 200


def test_privilege_change_ends_the_users_sessions(client):
    """A staff member given another role is logged out everywhere."""
    mo = actors.moderator()
    actors.logged_in(client, mo)
    assert client.get(ADMIN).status_code == 200
    mo.groups.add(actors.role_group(roles.DATA_PROTECTION))
    assert client.get(ADMIN).status_code == 302
    assert not Session.objects.exists()


def test_staff_flag_removed_ends_the_users_sessions(client):
    """Taking staff status away ends the sessions too."""
    mo = actors.moderator()
    actors.logged_in(client, mo)
    mo.is_staff = False
    mo.save()
    assert not Session.objects.exists()


def test_session_cookie_is_httponly_and_lax(client):
    """The staff session cookie is not readable by scripts and not sent cross-site; the
    CSRF cookie is not sent on any request another site starts."""
    mo = actors.moderator()
    login_page = client.get(LOGIN)
    response = attempt(client, mo.username, password=actors.PASSWORD)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    csrf_cookie = login_page.cookies["csrftoken"]
    assert csrf_cookie["httponly"] and csrf_cookie["samesite"] == "Strict"


def test_a_staff_password_shorter_than_twelve_characters_is_refused():
    """Django's default minimum (8) is too short for an account that can read the whole
    supporter list."""
    with pytest.raises(ValidationError):
        validate_password("Xq7#mLp2vR")  # 10 characters, not a common password
    validate_password("Xq7#mLp2vR9!")  # 12
