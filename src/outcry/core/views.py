import email
import sys
from email import policy
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from outcry.core.http import database_unavailable_page, is_database_unavailable


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """What Outcry keeps and for how long, with the periods this site is configured with:
    the page says only what the code does."""
    return render(
        request,
        "privacy.html",
        {
            "retention_days": settings.RETENTION_DAYS_AFTER_CLOSE,
            "max_open_days": settings.RETENTION_MAX_OPEN_DAYS,
            "ip_hash_days": settings.IP_HASH_RETENTION_DAYS,
            "package_expiry_days": settings.DELIVERY_PACKAGE_EXPIRY_DAYS,
        },
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler: a database that cannot be reached is a 503 (see
    ``DatabaseUnavailableMiddleware``); anything else is the plain 500 page. Rendered
    without the request's context processors: whatever failed may be among them."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_page()
    return HttpResponse(render_to_string("500.html"), status=500)


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """A bare response: the baseline every benchmark is measured against."""
    return HttpResponse(b"ok", content_type="text/plain")


def _outbox_files() -> list[Path]:
    outbox = Path(settings.OUTBOX_DIR)
    return sorted(outbox.glob("*.eml"), reverse=True) if outbox.exists() else []


@require_GET
def dev_outbox(request: HttpRequest, name: str | None = None) -> HttpResponse:
    """The local outbox, readable in the browser. Development only (DEBUG)."""
    if not settings.DEBUG:
        raise Http404
    files = _outbox_files()
    if name is None:
        messages = []
        for path in files[:200]:
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            messages.append(
                {"name": path.name, "to": msg["To"], "subject": msg["Subject"], "date": msg["Date"]}
            )
        return render(request, "core/outbox.html", {"messages": messages})
    path = next((p for p in files if p.name == name), None)
    if path is None:
        raise Http404
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    text = msg.get_body(preferencelist=("plain",))
    return render(
        request,
        "core/outbox_message.html",
        {"message": msg, "text": text.get_content() if text else "", "name": name},
    )
