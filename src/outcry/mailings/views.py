"""Public pages reached from a mailing: view in browser and one-click unsubscribe.

Both are found by the recipient's random token; neither needs a private key (the web tier
holds none). The view-in-browser page is for whoever holds the link (it gets forwarded):
the message with no one's name, and without the recipient's own links. The unsubscribe
URL answers RFC 8058: a POST with ``List-Unsubscribe=One-Click`` (no cookie, no CSRF
token: mail providers send it) does it; a GET only shows a page with a button, because
mail scanners follow every link.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outcry.mailings import services
from outcry.mailings.composition import compile_variant
from outcry.mailings.models import MailingRecipient
from outcry.mailings.viewdata import open_view_data


def _recipient(token: str) -> MailingRecipient:
    recipient = (
        MailingRecipient.objects.filter(token=token).select_related("mailing", "supporter").first()
    )
    if recipient is None:
        raise Http404
    return recipient


@require_GET
@never_cache
def view_in_browser(request: HttpRequest, token: str, key: str) -> HttpResponse:
    """The message as sent, for whoever holds the link (people forward and share it): it
    greets no one by name, and links to no one's preferences or unsubscribe."""
    recipient = _recipient(token)
    mailing = recipient.mailing
    variants = {v.language: v for v in mailing.variants.all()}
    variant = variants.get(recipient.language) or variants.get(mailing.default_language)
    if variant is None or open_view_data(key=key, sealed=recipient.view_data) is None:
        raise Http404
    try:
        compiled = compile_variant(variant, mailing=mailing, web_view=True)
    except ValidationError as exc:
        # A message composed before today's checks that they now refuse (a remote image, a
        # merge field in a link) is not shown again.
        raise Http404 from exc
    # The merge fields' defaults ("Dear friend"), as in a preview for nobody in particular.
    values = {"first_name": "", "last_name": "", "country": ""}
    _subject, _text, html = compiled.render(values)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # The message's own inline styles, nothing else: no script, no remote resource.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page with a button. POST: unsubscribe (one click, RFC 8058)."""
    recipient = _recipient(token)
    with translation.override(recipient.language or None):
        if request.method == "POST":
            services.recipient_unsubscribe(recipient=recipient)
            return render(request, "mailings/unsubscribed.html", {"recipient": recipient})
        return render(
            request,
            "mailings/unsubscribe_confirm.html",
            {"recipient": recipient, "done": recipient.supporter.unsubscribed_at is not None},
        )
