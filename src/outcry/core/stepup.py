"""Staff second factor: the session's record of it, the gate in front of the admin, and
the step-up check in front of every opening, export or erasure of personal data.

A staff session records when its user last proved a second factor (a TOTP code, a
recovery code or a WebAuthn key, through django-allauth's MFA): at the login, at the
enrolment of a first authenticator, and at each re-verification. Two rules read it:

- ``StaffSecondFactorMiddleware``: nothing in the admin answers a session that has not
  proved a second factor. A logged-in user without one is sent to the second-factor step,
  or to enrolment when the account has no authenticator yet (its first login).
- ``step_up_required``: a view or admin action that opens, exports or erases personal
  data, or changes where letters go, needs a proof younger than STEP_UP_MAX_AGE seconds.
  A stale GET is sent to re-verify and comes back to the same URL; a stale POST is
  refused with a message and a link, and changes nothing.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

# {"user": "<pk>", "at": "<ISO time>"}: who proved a second factor in this session, when.
SESSION_SECOND_FACTOR = "outcry_second_factor"

# Authenticators that prove a second factor on their own (recovery codes come with them).
FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)

# Admin pages a session reaches before its second factor: the way in and the way out.
_ADMIN_OPEN_URL_NAMES = {"login", "logout"}


def second_factor_record(*, session, user, at: datetime | None = None) -> None:
    """Write in the session that ``user`` has just proved a second factor (or did ``at``)."""
    session[SESSION_SECOND_FACTOR] = {
        "user": str(user.pk),
        "at": (at or timezone.now()).isoformat(),
    }


def second_factor_age(request: HttpRequest) -> float | None:
    """Seconds since the logged-in user proved a second factor in this session; None if
    they have not (or the record is another user's)."""
    record = request.session.get(SESSION_SECOND_FACTOR)
    user = getattr(request, "user", None)
    if not isinstance(record, dict) or user is None or not user.is_authenticated:
        return None
    if record.get("user") != str(user.pk):
        return None
    try:
        at = datetime.fromisoformat(record.get("at", ""))
    except (TypeError, ValueError):
        return None
    return (timezone.now() - at).total_seconds()


def step_up_is_fresh(request: HttpRequest) -> bool:
    age = second_factor_age(request)
    return age is not None and 0 <= age <= settings.STEP_UP_MAX_AGE


def user_has_second_factor(user) -> bool:
    return Authenticator.objects.filter(user=user, type__in=FACTOR_TYPES).exists()


def second_factor_url(next_url: str) -> str:
    """The page that asks for a code (or a key) and then returns to ``next_url``."""
    return f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}"


def enrolment_url() -> str:
    return reverse("mfa_activate_totp")


class StaffSecondFactorMiddleware:
    """Keep every admin page from a session that has not proved a second factor.

    One place rather than a check in each view, so that no admin page, changelist or
    custom admin view can forget it. Runs once the URL is resolved (``process_view``), and
    only for the admin's URLs: public pages are not its concern and read no session.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "admin" not in match.namespaces:
            return None
        if match.url_name in _ADMIN_OPEN_URL_NAMES or not request.user.is_authenticated:
            return None  # the admin itself sends anonymous visitors to the login
        if second_factor_age(request) is not None:
            return None
        if not user_has_second_factor(request.user):
            messages.info(
                request,
                _(
                    "Two-factor authentication is required for every staff account. Set up "
                    "an authenticator app to continue."
                ),
            )
            return HttpResponseRedirect(enrolment_url())
        return HttpResponseRedirect(second_factor_url(request.get_full_path()))


def _request_of(args: tuple) -> HttpRequest:
    # A view's first argument, or a method's (admin views and actions) second.
    return args[0] if isinstance(args[0], HttpRequest) else args[1]


def step_up_refusal_text(next_url: str) -> str:
    """The refusal, with a link to re-verify that comes back to ``next_url`` (safe HTML)."""
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Nothing was done: this needs a recent second factor."),
        second_factor_url(next_url),
        _("Confirm it is you with your second factor, then try again."),
    )


def step_up_refusal_message(request: HttpRequest, next_url: str) -> None:
    messages.error(request, step_up_refusal_text(next_url))


def step_up_refusal(request: HttpRequest) -> HttpResponse:
    """The answer to a request that needed a recent second factor and has none: a GET goes
    to re-verify and comes back; anything else is refused, with a link, as a GET."""
    if request.method in ("GET", "HEAD"):
        return HttpResponseRedirect(second_factor_url(request.get_full_path()))
    step_up_refusal_message(request, request.get_full_path())
    return HttpResponseRedirect(request.get_full_path())


def step_up_required(view: Callable) -> Callable:
    """Require a second factor proved within STEP_UP_MAX_AGE seconds before a view (or an
    admin view method) runs.

    A stale GET is redirected to the second-factor page, which comes back to the same URL;
    a stale POST is refused with a message and a link, and sent back to the page as a GET.
    """

    @wraps(view)
    def checked(*args, **kwargs):
        request = _request_of(args)
        if step_up_is_fresh(request):
            return view(*args, **kwargs)
        return step_up_refusal(request)

    checked.step_up_required = True
    return checked


def step_up_required_action(action: Callable) -> Callable:
    """The same for an admin action (``(self, request, queryset)``, always a POST): a
    stale one is refused with the message and the change list is shown again, its data
    untouched. Goes under ``@admin.action``."""

    @wraps(action)
    def checked(modeladmin, request: HttpRequest, queryset):
        if step_up_is_fresh(request):
            return action(modeladmin, request, queryset)
        step_up_refusal_message(request, request.get_full_path())
        return None

    checked.step_up_required = True
    return checked
