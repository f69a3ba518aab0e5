import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from outcry.core.http import database_unavailable_page, is_database_unavailable
from outcry.core.logins import SESSION_LOGIN_AT, SESSION_SEEN_AT

logger = logging.getLogger(__name__)

# Public pages load nothing from another host: no CDN, font, analytics or pixel.
PUBLIC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)
# The admin loads nothing from another host either; Django's admin runs no inline script,
# but its widgets and a few of our admin templates set inline styles.
ADMIN_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = ADMIN_CSP if request.path.startswith("/admin/") else PUBLIC_CSP
        response.headers.setdefault("Content-Security-Policy", policy)
        if request.path.startswith("/admin/"):
            # Under "no-referrer" browsers send "Origin: null" with every form POST, which
            # Django's CSRF check refuses: the staff pages (login, admin) send their origin
            # to themselves only. Public pages keep SECURE_REFERRER_POLICY's no-referrer.
            response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault(
            "Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()"
        )
        return response


# Room for a multipart body's boundaries, part headers and small fields beside its file.
MULTIPART_OVERHEAD = 64 * 1024


def request_body_limit(
    *, setting: str, refusal: Callable[[HttpRequest], HttpResponse] | None = None
) -> Callable:
    """Let a view take a larger upload: up to the named setting's bytes (plus multipart
    overhead) instead of PUBLIC_MAX_REQUEST_BODY, read from settings at each request.
    ``refusal`` renders the view's own 413 page (it must not read the body)."""

    def mark(view: Callable) -> Callable:
        view.request_body_limit_setting = setting
        view.request_body_refusal = refusal
        return view

    return mark


class RequestBodyLimitMiddleware:
    """Refuse request bodies larger than the page can need, before anything reads them.

    Django spools multipart file parts to temporary files (on the disk that holds the
    SQLite database) while parsing, and the CSRF check parses every POST. So the size is
    checked here, once the URL is resolved and before any other middleware sees the view
    (this one is first in MIDDLEWARE): public pages take PUBLIC_MAX_REQUEST_BODY, the admin
    ADMIN_MAX_REQUEST_BODY, email-service webhooks WEBHOOK_MAX_REQUEST_BODY, and a view
    marked ``request_body_limit`` (the delivery check page) the setting it names. A body
    sent without a Content-Length (chunked) is refused: its size cannot be known unread.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refusal(_("Please send the form again: its size was not given."), 411)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(_("Please send the form again: its size was unreadable."), 400)
        if declared > _body_limit(request, view_func):
            if own_refusal := getattr(view_func, "request_body_refusal", None):
                return own_refusal(request)
            return _refusal(
                _("This is more than the page accepts. Please shorten it and send it again."), 413
            )
        return None


def _body_limit(request: HttpRequest, view_func: Callable) -> int:
    if setting := getattr(view_func, "request_body_limit_setting", None):
        return getattr(settings, setting) + MULTIPART_OVERHEAD
    namespaces = request.resolver_match.namespaces if request.resolver_match else []
    if "admin" in namespaces:
        return settings.ADMIN_MAX_REQUEST_BODY
    if "anymail" in namespaces:
        return settings.WEBHOOK_MAX_REQUEST_BODY
    return settings.PUBLIC_MAX_REQUEST_BODY


def _refusal(message: str, status: int) -> HttpResponse:
    """A plain page: nothing about it may need the body that was refused."""
    body = f"<!doctype html><title>{escape(message)}</title><p>{escape(message)}</p>"
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


class StaffSessionTimeoutMiddleware:
    """Log a staff member out after STAFF_SESSION_IDLE_TIMEOUT seconds without a request,
    or STAFF_SESSION_ABSOLUTE_TIMEOUT seconds after logging in, however active.

    A stolen laptop or cookie is worth a working day at most, and an unattended session
    half an hour. Only requests that carry a session cookie are looked at, so a public
    page never reads (nor sets) a session. The last-seen time is written at most once a
    minute, so an active admin does not save its session on every request.
    """

    # Seconds between two writes of the last-seen time.
    SEEN_RESOLUTION = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = timezone.now()
        session = request.session
        login_at = _session_time(session.get(SESSION_LOGIN_AT))
        seen_at = _session_time(session.get(SESSION_SEEN_AT))
        if login_at is None or seen_at is None:
            # A session from before the limits existed: its clocks start now.
            session[SESSION_LOGIN_AT] = session[SESSION_SEEN_AT] = now.isoformat()
            return
        idle = (now - seen_at).total_seconds()
        if (
            idle > settings.STAFF_SESSION_IDLE_TIMEOUT
            or (now - login_at).total_seconds() > settings.STAFF_SESSION_ABSOLUTE_TIMEOUT
        ):
            # Flushes the session (a new, empty key) and makes request.user anonymous: the
            # admin then answers with its login page.
            logout(request)
            return
        if idle >= self.SEEN_RESOLUTION:
            session[SESSION_SEEN_AT] = now.isoformat()


def _session_time(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class DatabaseUnavailableMiddleware:
    """A view that meets an unreachable database answers 503 with ``Retry-After`` and a
    plain page, not a 500 and a traceback: a stopped or restarting PostgreSQL during a rush
    tells signers to come back, and nothing of theirs was half-written (each service is one
    transaction, rolled back). Django opens a new connection on the next request
    (``CONN_HEALTH_CHECKS``), so service resumes without restarting anything.

    Errors raised outside a view (another middleware reading a session) reach
    ``outcry.core.views.server_error``, which answers the same way.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("Database unavailable (%s): answered 503 to %s", exception, request.path)
        return database_unavailable_page()
