"""Pages behind emailed confirmation links (signatures, letters, subscriptions, and any
later kind): opening the link changes nothing, pressing the page's one button does.

Mail scanners and link previews fetch every link in an email, some of them running the
page's scripts. So GET and HEAD only show what the link would confirm and a button; only a
POST to the same address acts. There is deliberately no script that presses the button:
a scanner that runs scripts would press it too.

The POST carries no CSRF token: the public pages set no cookie, and the token in the link
is itself the proof that the person holds the email. Pressing the button again, or a
replayed POST, changes nothing (the confirmation services are idempotent), and a
cross-site form cannot POST a token it does not know.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

RESUME_EMAIL_FIELD = "resume_email"
RESUME_EMAIL_VERSION = "resume-email-2026-11-v1"


@dataclass(frozen=True)
class ResumeEmail:
    """Asked on a confirmation page, after an earlier "unsubscribe from everything": email
    me again about this. The words shown, kept as a consent record by whoever acts on it."""

    wording: str
    version: str
    language: str
    source_url: str


@dataclass(frozen=True)
class Choice:
    """An optional box on the page, unticked: what it says is done only if it is ticked."""

    name: str
    label: str


@dataclass(frozen=True)
class ConfirmationPage:
    heading: str
    paragraphs: list[str]
    button: str
    choice: Choice | None = None
    # Sent with the button; says what the page told the person (see the views).
    hidden: dict[str, str] = field(default_factory=dict)
    note: str = ""


def confirmation_link(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a view behind an emailed link: GET/HEAD/POST only, no CSRF cookie (see above),
    and responses that no cache keeps and no search engine indexes (the address is a key)."""

    @csrf_exempt
    @require_http_methods(["GET", "HEAD", "POST"])
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


def confirmation_page(request: HttpRequest, page: ConfirmationPage) -> HttpResponse:
    """The page a confirmation link opens: what it confirms, and one button."""
    return render(request, "core/confirm.html", {"page": page})


def resume_email_answer(request: HttpRequest, *, wording: str) -> ResumeEmail | None:
    """The "email me again" answer posted from a confirmation page, or None when the page
    did not ask it or the box was left unticked."""
    if not wording or request.POST.get(RESUME_EMAIL_FIELD) != "yes":
        return None
    return ResumeEmail(
        wording=wording,
        version=RESUME_EMAIL_VERSION,
        language=get_language(),
        source_url=confirmation_source(request),
    )


def confirmation_source(request: HttpRequest) -> str:
    """Where a choice made on a confirmation page was made, for its consent record: the
    page's address without the token (a key, not something to keep)."""
    path = request.path.rstrip("/").rsplit("/", 1)[0]
    return request.build_absolute_uri(f"{path}/")
