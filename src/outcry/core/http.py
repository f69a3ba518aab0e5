from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers

from outcry.core.crypto import ip_hash
from outcry.core.errors import OutcryError


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as it can be trusted.

    Behind proxies, ``X-Forwarded-For`` reads "client, proxy1, …": each proxy appends the
    address it received the request from, and anything left of our own proxies was written
    by the client and can be forged. So the address is taken ``CLIENT_IP_PROXY_COUNT``
    entries from the right, never from the left.
    """
    header = request.META.get(settings.CLIENT_IP_HEADER)
    if not header:
        return request.META.get("REMOTE_ADDR", "")
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    if not entries:
        return request.META.get("REMOTE_ADDR", "")
    return entries[-min(settings.CLIENT_IP_PROXY_COUNT, len(entries))]


def client_ip_hash(request: HttpRequest) -> str:
    """The keyed, daily-rotating hash of the client's address; the address is not kept."""
    return ip_hash(client_ip(request))


def client_ip_configuration_check() -> None:
    """Refuse to serve over HTTPS until the client address's source is set explicitly.

    Behind a TLS proxy every request comes from the proxy's address: with the default
    REMOTE_ADDR, all visitors would share one rate limit and everyone after the tenth
    would be flagged. Only the web server needs this, so workers start regardless.
    """
    if settings.CLIENT_IP_HEADER_REQUIRED:
        raise ImproperlyConfigured(
            "Set CLIENT_IP_HEADER: HTTPS is on, so Outcry may be behind a reverse proxy. Use "
            "CLIENT_IP_HEADER=HTTP_X_FORWARDED_FOR (and CLIENT_IP_PROXY_COUNT) behind a "
            "proxy, or CLIENT_IP_HEADER=REMOTE_ADDR when clients connect to Outcry directly."
        )


def error_page(
    request: HttpRequest, error: OutcryError, *, template: str, **context
) -> HttpResponse:
    """The plain page for an error a person met (a used, expired or altered link…), with
    the error's HTTP status. Every HTML view answers ``OutcryError`` through here.

    The template chooses its words by ``problem`` (the error's stable ``code``): the same
    used link reads "your signature is counted" on a petition's page and "you confirmed
    this subscription" on a subscription's. ``error.message`` is there for a template with
    no words of its own. ``context`` may name another ``problem`` for a page that says
    more than the error does (a preference link's "the data it led to has been erased").
    """
    return render(
        request,
        template,
        {"problem": error.code, "error": error, **context},
        status=error.status,
    )


# Seconds a signer is asked to wait when the database cannot be reached: long enough for a
# restart or a fail-over, short enough that they do not give up.
DATABASE_RETRY_AFTER = 30


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether the error says the database cannot be reached or cannot take the query now
    (stopped, restarting, a dropped connection, SQLite's write lock held too long), as
    opposed to a mistake in a query."""
    return isinstance(error, OperationalError | InterfaceError)


def database_unavailable_page() -> HttpResponse:
    """503 with ``Retry-After``: a plain page in the active language, rendered without the
    request (no context processor, nothing that could query the database it lacks), and
    never cached by a proxy. The transaction that met the error was rolled back whole."""
    body = render_to_string("core/unavailable.html", {"retry_after": DATABASE_RETRY_AFTER})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    add_never_cache_headers(response)
    return response
