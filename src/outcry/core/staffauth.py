"""Staff login through django-allauth, with its MFA: TOTP, WebAuthn, recovery codes.

Outcry has no public accounts: the adapter refuses every sign-up, staff log in with their
username (no email verification flow), and allauth's own password throttle is left to
django-axes (``core.logins``), which already counts per username and per client. allauth
still throttles wrong second-factor codes (ACCOUNT_RATE_LIMITS["login_failed"], per user
and per client), and each wrong code is audited here.

The receivers keep ``core.stepup``'s session record: a second factor proved at login, at
re-verification, or by enrolling a first authenticator. The session key changes at each
(Django's login changes it at the login itself).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.signals import authentication_step_completed
from allauth.core import context
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from outcry.core.audit import audit_record
from outcry.core.logins import login_client_address, user_sessions_end
from outcry.core.stepup import (
    FACTOR_TYPES,
    SESSION_SECOND_FACTOR,
    second_factor_record,
    step_up_is_fresh,
    user_has_second_factor,
)


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False  # staff accounts are made by administrators

    def pre_authenticate(self, request: HttpRequest, **credentials) -> None:
        # Wrong passwords are counted by django-axes' backend (per username and per
        # client, audited, the 11th refused unchecked); a second count here would answer
        # differently before axes' limit.
        return None

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A second factor proved within STEP_UP_MAX_AGE (core.stepup) counts as a recent
        # re-authentication, as enrolment's own code does: the recovery codes shown right
        # after setting up TOTP need no password again. A staff member with no
        # authenticator yet has just logged in with the password (there is no other way
        # to be logged in without one): enrolling the first one does not ask for it again.
        request = context.request
        if request is not None and request.user.is_authenticated:
            if step_up_is_fresh(request):
                return False
            if app == "allauth.mfa" and not user_has_second_factor(request.user):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth keys its rate limits on this: the day's IP hash, never the address.
        return login_client_address(request)


class SecondFactorRequired(Exception):
    """A reset of one's own second factor through the admin (use a recovery code)."""


def user_mfa_reset(*, user: AbstractBaseUser, actor: AbstractBaseUser) -> int:
    """Remove every authenticator of ``user`` (TOTP, WebAuthn keys, recovery codes) and end
    their sessions: their next login enrols again. Audited; returns how many were removed.

    An administrator never resets their own this way: someone holding their password and
    session alone could then enrol a factor of their own.
    """
    if user.pk == actor.pk:
        raise SecondFactorRequired
    with transaction.atomic():
        types = sorted(
            Authenticator.objects.filter(user=user).values_list("type", flat=True).distinct()
        )
        removed, _ = Authenticator.objects.filter(user=user).delete()
        audit_record(actor=actor, event="auth.mfa.reset", obj=user, extra={"removed": list(types)})
    user_sessions_end(user_ids={str(user.pk)})
    return removed


@receiver(authentication_step_completed, dispatch_uid="outcry.core.staffauth.step")
def password_step_completed(sender, request: HttpRequest, method: str, **kwargs):
    """The password accepted, the code still to come: the key changes here too, so a key
    known before the login (planted, or read from the login page) is worth nothing."""
    if method == "password" and request is not None and hasattr(request, "session"):
        request.session.cycle_key()


@receiver(mfa_signals.authenticator_used, dispatch_uid="outcry.core.staffauth.used")
def second_factor_used(sender, request: HttpRequest, user, authenticator, **kwargs):
    """A code or key accepted, at login or re-verification: recorded, key changed."""
    second_factor_record(session=request.session, user=user)
    if kwargs.get("reauthenticated"):
        # At login Django's login() changes the key once the factor is accepted.
        request.session.cycle_key()
    audit_record(
        actor=user, event="auth.mfa.verified", obj=user, extra={"type": authenticator.type}
    )


@receiver(mfa_signals.authenticator_added, dispatch_uid="outcry.core.staffauth.added")
def second_factor_enrolled(sender, request: HttpRequest, user, authenticator, **kwargs):
    """Enrolling TOTP or a WebAuthn key proves it (a code, a signature): the session has
    passed its second factor, and changes key as for any privilege change."""
    audit_record(
        actor=user, event="auth.mfa.enrolled", obj=user, extra={"type": authenticator.type}
    )
    if authenticator.type in FACTOR_TYPES and request is not None:
        second_factor_record(session=request.session, user=user)
        request.session.cycle_key()


@receiver(mfa_signals.authenticator_removed, dispatch_uid="outcry.core.staffauth.removed")
def second_factor_removed(sender, request: HttpRequest, user, authenticator, **kwargs):
    """A staff member removing their last authenticator loses the session's proof too:
    the admin then sends them to enrol again rather than serve an account with none."""
    audit_record(actor=user, event="auth.mfa.removed", obj=user, extra={"type": authenticator.type})
    if request is not None and not user_has_second_factor(user):
        request.session.pop(SESSION_SECOND_FACTOR, None)


@receiver(mfa_signals.authentication_failed, dispatch_uid="outcry.core.staffauth.failed")
def second_factor_failed(sender, request: HttpRequest, user, authenticator, **kwargs):
    """A wrong code. The row names the account (whose password was right, at login)."""
    step = "reauthentication" if kwargs.get("reauthentication") else "login"
    audit_record(actor=None, event="auth.mfa.failed", obj=user, extra={"step": step})
