"""Subscribing from country, topic and case pages; confirming; the preference centre.

The preference centre is served by the public web tier, which holds no private key: it
shows only what it can read without one (the language, which countries, topics and cases
are subscribed), never the address or name. "My data" is therefore prepared by the worker
and emailed to the supporter's own address.
"""

from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from outcry.cases.selectors import case_for_page
from outcry.core.confirmation import (
    RESUME_EMAIL_FIELD,
    ConfirmationPage,
    confirmation_link,
    confirmation_page,
    resume_email_answer,
)
from outcry.core.errors import OutcryError
from outcry.core.http import client_ip_hash, error_page
from outcry.news.selectors import country_for_code, topic_for_page
from outcry.subscriptions import selectors, services, tokens
from outcry.subscriptions.forms import (
    SUBSCRIBE_CONSENT,
    SUBSCRIBE_CONSENT_VERSION,
    PreferencesForm,
    SubscribeForm,
)
from outcry.supporters.services import supporter_unsubscribe_all


def _subscribe(
    request: HttpRequest, *, scope: services.Scope, subject: str, back_url: str, kind: str, key: str
) -> HttpResponse:
    status = 200
    error = ""
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid():
            if form.is_bot:
                return redirect("subscribe-check-email")
            try:
                services.subscription_request(
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    language=form.cleaned_data["language"],
                    scope=scope,
                    consent=services.ConsentText(
                        wording=SUBSCRIBE_CONSENT % {"subject": subject},
                        version=SUBSCRIBE_CONSENT_VERSION,
                        language=get_language(),
                    ),
                    source_url=request.build_absolute_uri(back_url),
                    ip_hash=client_ip_hash(request),
                )
            except services.RateLimited:
                error = _("Too many requests from your connection. Please try again later.")
                status = 429
            else:
                # Whatever the address's state, the same page: it never tells who is
                # subscribed.
                return redirect("subscribe-check-email")
        else:
            status = 400
    else:
        form = SubscribeForm()
    return render(
        request,
        "subscriptions/subscribe.html",
        {
            "form": form,
            "subject": subject,
            "back_url": back_url,
            "kind": kind,
            "key": key,
            "error": error,
        },
        status=status,
    )


# Like signing, subscribing needs no CSRF cookie: the emailed confirmation is the proof of
# intent, and the pages carrying the box set no cookie, so they can be cached and used
# over Tor. A forged submission can at most cause one confirmation email, rate-limited.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_country(request: HttpRequest, code: str) -> HttpResponse:
    country = country_for_code(code=code)
    return _subscribe(
        request,
        scope=services.Scope.for_country(country.code),
        subject=str(country.name),
        back_url=f"/{get_language()}/countries/{country.code.lower()}/",
        kind="country",
        key=country.code,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_topic(request: HttpRequest, slug: str) -> HttpResponse:
    topic = topic_for_page(slug=slug)
    return _subscribe(
        request,
        scope=services.Scope.for_topic(topic),
        subject=topic.name,
        back_url=f"/{get_language()}/topics/{topic.slug}/",
        kind="topic",
        key=topic.slug,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def subscribe_case(request: HttpRequest, slug: str) -> HttpResponse:
    case = case_for_page(slug=slug)
    return _subscribe(
        request,
        scope=services.Scope.for_case(case),
        subject=case.name,
        back_url=case.get_absolute_url(),
        kind="case",
        key=case.slug,
    )


@require_GET
def subscribe_check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/check_email.html")


def _subscription_page(subscription) -> tuple[ConfirmationPage, str]:
    """The confirmation page, and the words that, if its button is pressed, lift an earlier
    "unsubscribe from everything" ("" when there was none)."""
    subject = subscription.subject
    paragraphs = [_("Email me news and urgent actions about %(subject)s.") % {"subject": subject}]
    button = _("Confirm my subscription")
    resume_wording = ""
    hidden = {}
    supporter = subscription.supporter
    if supporter.unsubscribed_at is not None:
        # They asked us to stop every email: say so, and make the button say what it does.
        resume_wording = _(
            "On %(date)s you asked us to stop every email. Confirming starts emails about "
            "%(subject)s again; everything else stays off."
        ) % {
            "date": date_format(localtime(supporter.unsubscribed_at), "DATE_FORMAT"),
            "subject": subject,
        }
        paragraphs.append(resume_wording)
        button = _("Yes, email me about %(subject)s again") % {"subject": subject}
        hidden = {RESUME_EMAIL_FIELD: "yes"}
    page = ConfirmationPage(
        heading=_("Confirm your subscription"),
        paragraphs=paragraphs,
        button=button,
        hidden=hidden,
        note=_("If you did not ask for this, close this page: nothing will happen."),
    )
    return page, resume_wording


@confirmation_link
def subscription_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # Opening the link only shows the button: mail scanners open every link.
    try:
        page, resume_wording = _subscription_page(services.subscription_to_confirm(token=token))
        if request.method != "POST":
            return confirmation_page(request, page)
        subscription = services.subscription_confirm(
            token=token, resume_email=resume_email_answer(request, wording=resume_wording)
        )
    except services.UnsubscribedFromAll:
        # Posted without the page's answer (the page changed since it was shown): ask.
        return confirmation_page(request, page)
    except OutcryError as error:
        return error_page(request, error, template="subscriptions/problem.html")
    return render(
        request,
        "subscriptions/confirmed.html",
        {
            "subscription": subscription,
            "preferences_url": tokens.preference_url(
                supporter=subscription.supporter, language=get_language()
            ),
        },
    )


def with_preference_token(view):
    """Resolve the link's token to its supporter; a bad or revoked link gets a plain page.
    Responses are never cached: the URL itself is the key to someone's preferences.

    No CSRF cookie either (public pages set none): the token in the URL is the proof, and
    a cross-site form cannot post to an address it does not know."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            supporter = tokens.supporter_from_preference_token(token)
        except tokens.TokenInvalid as error:
            # Its own words: the link may be old, or the data it led to erased.
            response = error_page(
                request, error, template="subscriptions/problem.html", problem="preferences"
            )
        else:
            response = view(request, token=token, supporter=supporter)
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    return csrf_exempt(wrapper)


@require_http_methods(["GET", "POST"])
@with_preference_token
def preferences(request: HttpRequest, *, token: str, supporter) -> HttpResponse:
    subscriptions = list(selectors.subscriptions_of(supporter=supporter))
    saved = False
    if request.method == "POST":
        form = PreferencesForm(request.POST, subscriptions=subscriptions)
        if form.is_valid():
            services.subscriptions_update_preferences(
                supporter=supporter,
                language=form.cleaned_data["language"],
                active_ids=set(form.cleaned_data["subscriptions"]),
                source_url=request.build_absolute_uri(request.path),
            )
            # Shown next in the language just chosen.
            with translation.override(form.cleaned_data["language"]):
                return redirect(reverse("preferences", args=[token]) + "?saved=1")
    else:
        saved = request.GET.get("saved") == "1"
        form = PreferencesForm(
            subscriptions=subscriptions,
            initial={
                "language": supporter.language or get_language(),
                "subscriptions": [s.pk for s in subscriptions if s.is_active],
            },
        )
    return render(
        request,
        "subscriptions/preferences.html",
        {
            "form": form,
            "token": token,
            "supporter": supporter,
            "subscriptions": subscriptions,
            "saved": saved,
            "done": request.GET.get("done", ""),
        },
    )


@require_POST
@with_preference_token
def preferences_unsubscribe_all(request: HttpRequest, *, token: str, supporter) -> HttpResponse:
    supporter_unsubscribe_all(supporter=supporter, source=request.build_absolute_uri(request.path))
    return redirect(reverse("preferences", args=[token]) + "?done=unsubscribed")


@require_POST
@with_preference_token
def preferences_my_data(request: HttpRequest, *, token: str, supporter) -> HttpResponse:
    services.my_data_request(supporter=supporter)
    # The same answer when it was asked for recently: the email is on its way either way.
    return redirect(reverse("preferences", args=[token]) + "?done=my-data")


@require_http_methods(["GET", "POST"])
@with_preference_token
def preferences_erase(request: HttpRequest, *, token: str, supporter) -> HttpResponse:
    """Asking to be erased. A preference link is in every email, forwarded ones included,
    so it only asks: the erasure itself waits for a link emailed to the address."""
    if request.method == "POST":
        services.erasure_request(supporter=supporter)
        # The same answer when one was sent recently: a link is on its way either way.
        return redirect(reverse("preferences", args=[token]) + "?done=erase-sent")
    return render(request, "subscriptions/erase_confirm.html", {"token": token})


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # as the preference pages: the token in the URL is the proof
@require_http_methods(["GET", "POST"])
def erasure_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed erasure link: GET shows a button (mail scanners follow links), the
    button's POST erases."""
    try:
        supporter = tokens.supporter_from_erasure_token(token)
    except OutcryError as error:
        return _private(error_page(request, error, template="subscriptions/erase_link.html"))
    if request.method == "POST" and request.POST.get("confirm") == "erase":
        services.erasure_confirm(token=token)
        return _private(render(request, "subscriptions/erased.html"))
    return _private(
        render(
            request,
            "subscriptions/erase_link.html",
            {"token": token, "preferences_token": tokens.preference_token(supporter)},
        )
    )
