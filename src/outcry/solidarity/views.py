from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outcry.actions.forms import KEEP_INFORMED_LABEL, KEEP_INFORMED_VERSION, clean_source
from outcry.actions.participation import ConsentText
from outcry.actions.selectors import case_actions
from outcry.actions.views import confirm_participation, participation_page
from outcry.core.confirmation import ConfirmationPage, confirmation_link
from outcry.core.errors import OutcryError, RateLimited
from outcry.core.http import client_ip_hash
from outcry.core.text import render_markdown
from outcry.solidarity import selectors, services
from outcry.solidarity.forms import MessageForm


def _page(request, action, form, *, status: int = 200, refusal: str = "") -> HttpResponse:
    context = {
        "action": action,
        "form": form,
        "refusal": refusal,
        "background_html": render_markdown(action.background),
        "shown": selectors.messages_shown(action=action),
        "case_actions": case_actions(case=action.case, exclude=action),
    }
    return render(request, "solidarity/action_detail.html", context, status=status)


# Like signing: no CSRF cookie, the email confirmation is the proof of intent.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def action_detail(request: HttpRequest, slug: str) -> HttpResponse:
    action = selectors.action_for_page(slug=slug)
    language = get_language()
    if request.method != "POST":
        source = clean_source(request.GET.get("source"))
        form = MessageForm(
            action=action, language=language, initial={"source": source} if source else None
        )
        return _page(request, action, form)
    form = MessageForm(request.POST, action=action, language=language)
    if not form.is_valid():
        # The form keeps what was typed, the message above all.
        return _page(request, action, form, status=400)
    if form.is_bot:
        return redirect("solidarity-check-email", slug=action.slug)
    data = form.cleaned_data
    try:
        services.message_create(
            action=action,
            email=data["email"],
            first_name=data["first_name"],
            country=data["country"],
            text=data["message"],
            message_language=data["message_language"],
            language=language,
            keep_informed=data["keep_informed"],
            consent=ConsentText(wording=str(KEEP_INFORMED_LABEL), version=KEEP_INFORMED_VERSION),
            source_url=request.build_absolute_uri(request.path),
            ip_hash=client_ip_hash(request),
            source=data["source"],
        )
    except RateLimited as error:
        refusal = _("Too many messages from your connection. Please try again later.")
        return _page(request, action, form, status=error.status, refusal=refusal)
    except OutcryError as error:  # closed, or a message the form let through but is refused
        return _page(request, action, form, status=error.status, refusal=error.message)
    # Whatever happened (new, duplicate, held), the same page: it must never reveal
    # whether an address has written before.
    return redirect("solidarity-check-email", slug=action.slug)


@require_GET
def check_email(request: HttpRequest, slug: str) -> HttpResponse:
    action = selectors.action_for_page(slug=slug)
    return render(request, "solidarity/check_email.html", {"action": action})


def _message_page(message) -> ConfirmationPage:
    return participation_page(
        message,
        heading=_("Confirm your message of solidarity"),
        lead=_(
            "You wrote a message of solidarity to %(recipient)s. A moderator reads it "
            "before it is counted, shown or printed."
        )
        % {"recipient": message.action.recipient},
        button=_("Confirm my message"),
        note=_("If you did not write this message, close this page: nothing will happen."),
    )


@confirmation_link
def message_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return confirm_participation(
        request,
        token,
        find=services.message_to_confirm,
        page_of=_message_page,
        confirm=services.message_confirm,
        confirmed=lambda message: render(
            request, "solidarity/confirmed.html", {"action": message.action}
        ),
    )
