"""Staff logins: brute-force throttling (django-axes) and audited failures and lockouts.

django-axes counts failed logins per username and per client address and, past
``AXES_FAILURE_LIMIT``, refuses further attempts in its authentication backend, before
Django's backend checks the password. The pieces here make it keep Outcry's rules:

- The client address is Outcry's own (``core.http.client_ip``, honouring CLIENT_IP_HEADER
  and CLIENT_IP_PROXY_COUNT), and axes never stores it: it gets the day's keyed IP hash
  (``core.crypto.ip_hash``), written as an IPv6 address because axes keeps it in a
  ``GenericIPAddressField`` (an ``inet`` column on PostgreSQL). The 128 bits of the hash
  are exactly an IPv6 address's. Like every IP hash it changes at midnight (UTC), so a
  per-address lockout lasts until the cool-off ends or the day does, whichever is first;
  the per-username lockout does not depend on the day.
- Every failed login and every lockout writes an audit row with no actor. The detail
  names the username as typed, since telling an administrator which account is being
  guessed is the point of the row; it is cut to 150 characters, and the password is never
  in it (Django's ``user_login_failed`` hands over cleansed credentials, and only the
  username is read from them).
"""

import ipaddress

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.sessions.models import Session
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from outcry.core.audit import audit_record
from outcry.core.http import client_ip_hash

# Session keys holding when the staff member logged in and was last seen (ISO timestamps).
SESSION_LOGIN_AT = "outcry_login_at"
SESSION_SEEN_AT = "outcry_seen_at"

USERNAME_DETAIL_LENGTH = 150


def login_client_address(request: HttpRequest) -> str:
    """The address axes counts and stores: the day's IP hash, as an IPv6 address.

    The real address is never handed to axes, so its tables and logs hold none.
    """
    return str(ipaddress.IPv6Address(int(client_ip_hash(request), 16)))


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The username axes counts: from the credentials handed to ``authenticate()`` (allauth
    passes ``username``), else from the login form's field (allauth's is ``login``)."""
    if credentials:
        return credentials.get("username")
    data = getattr(request, "POST", {})
    return data.get("login") or data.get("username")


def _username(username: str | None) -> str:
    return (username or "")[:USERNAME_DETAIL_LENGTH]


@receiver(user_login_failed, dispatch_uid="outcry.core.logins.login_failed")
def login_failed_audit(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    """Audit a failed login (including one refused because its client is locked out)."""
    extra = {"username": _username(credentials.get("username"))}
    if request is not None and getattr(request, "axes_locked_out", False):
        extra["locked_out"] = True
    audit_record(actor=None, event="auth.login.failed", extra=extra)


@receiver(user_locked_out, dispatch_uid="outcry.core.logins.locked_out")
def locked_out_audit(sender, request: HttpRequest, username: str | None, **kwargs):
    """Audit the lockout: the failure that reached the limit, and each attempt refused
    while it lasts (each of those also extends it, axes' default)."""
    audit_record(actor=None, event="auth.login.locked_out", extra={"username": _username(username)})


@receiver(user_logged_in, dispatch_uid="outcry.core.logins.logged_in")
def login_times_start(sender, request: HttpRequest | None, user, **kwargs):
    """Start the session's clocks: the absolute limit counts from here."""
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now().isoformat()
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_SEEN_AT] = now


def user_sessions_end(*, user_ids: set[str]) -> int:
    """Delete every session logged in as one of these users; returns how many.

    Sessions are decoded one by one, which is cheap only because staff alone have sessions
    (public pages set no cookie).
    """
    if not user_ids:
        return 0
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) in user_ids
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


# A session carries the privileges its user had at login: when they change, the user's
# sessions end and the next request logs in again under the new ones. Group permission
# changes (roles_sync after a migrate) do not end sessions: they change every member's at
# once, by deploy, not one account's.
_PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")


@receiver(m2m_changed, dispatch_uid="outcry.core.logins.privileges_changed")
def privileges_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs):
    user_model = get_user_model()
    if sender not in (user_model.groups.through, user_model.user_permissions.through):
        return
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        user_ids = {str(instance.pk)}
    elif action == "pre_clear":  # a group or a permission taken from all its users
        user_ids = {str(pk) for pk in instance.user_set.values_list("pk", flat=True)}
    else:
        user_ids = {str(pk) for pk in pk_set or ()}
    user_sessions_end(user_ids=user_ids)


# Connected for the user model only: a receiver for every sender would run on each save of
# every model, the signing path's included.
@receiver(
    pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="outcry.core.logins.staff_flags_before"
)
def staff_flags_before(sender, instance, update_fields=None, **kwargs):
    if instance.pk is None:
        return
    if update_fields is not None and not set(update_fields) & set(_PRIVILEGE_FIELDS):
        return  # e.g. last_login, written at every login
    before = sender.objects.filter(pk=instance.pk).values(*_PRIVILEGE_FIELDS).first()
    instance._privileges_before = before


@receiver(
    post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="outcry.core.logins.staff_flags_after"
)
def staff_flags_after(sender, instance, created: bool, **kwargs):
    if created:
        return
    before = getattr(instance, "_privileges_before", None)
    if before and any(before[f] != getattr(instance, f) for f in _PRIVILEGE_FIELDS):
        user_sessions_end(user_ids={str(instance.pk)})
