from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outcry.actions import calls, counting, letters, selectors, services
from outcry.actions.composition import letter_compose, model_body
from outcry.actions.forms import (
    CallReportForm,
    LetterForm,
    SignatureForm,
    clean_source,
    consents_answered,
)
from outcry.actions.participation import ChallengeAnswer, ChallengeRequired, Outcome
from outcry.actions.pdf import letter_pdf, model_letter_pdf
from outcry.cases.selectors import cases_published
from outcry.core.confirmation import (
    RESUME_EMAIL_FIELD,
    Choice,
    ConfirmationPage,
    confirmation_link,
    confirmation_page,
    resume_email_answer,
)
from outcry.core.errors import OutcryError
from outcry.core.http import client_ip_hash, error_page
from outcry.core.public_cache import cached_public_page
from outcry.core.text import render_markdown
from outcry.targets.selectors import addressee


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "actions/home.html",
        {
            "petitions": selectors.petitions_open(),
            "office_actions": selectors.office_actions_open(),
            "cases": cases_published(),
        },
    )


# Signing needs no CSRF cookie: the email confirmation is the proof of intent, and a page
# that sets no cookie can be cached on a viral day and used over Tor without state.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def petition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return _petition_page(request, slug)
    petition = selectors.petition_for_signing(slug=slug)
    form = SignatureForm(request.POST)
    if form.is_valid():
        if form.is_bot:
            return redirect("petition-check-email", slug=petition.slug)
        try:
            services.signature_create(
                petition=petition,
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                country=form.cleaned_data["country"],
                language=get_language(),
                consents=consents_answered(form.cleaned_data),
                source_url=request.build_absolute_uri(request.path),
                ip_hash=client_ip_hash(request),
                city=form.cleaned_data["city"],
                source=form.cleaned_data["source"],
                challenge_answer=ChallengeAnswer(
                    challenge=form.cleaned_data["challenge"],
                    solution=form.cleaned_data["challenge_solution"],
                    fallback=form.cleaned_data["challenge_fallback"],
                ),
            )
        except ChallengeRequired as required:
            return _challenge_page(request, petition, form, required)
        except OutcryError as error:  # closed, or paused
            return _refused(request, petition, error.message, status=error.status)
        # Whatever happened (new, duplicate, flagged), the same page: it must never
        # reveal whether an address has already signed.
        return redirect("petition-check-email", slug=petition.slug)
    return render(
        request, "actions/petition_detail.html", _petition_context(petition, form), status=400
    )


@cached_public_page
def _petition_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The page with the signing form as anyone sees it (no cookie, no query string: kept
    in the cache, see ``outcry.core.public_cache``)."""
    petition = selectors.petition_for_page(slug=slug)
    form = SignatureForm(initial=_source_from_link(request))
    return render(request, "actions/petition_detail.html", _petition_context(petition, form))


def _source_from_link(request: HttpRequest) -> dict | None:
    """The form's initial ``source`` from the link's ``?source=`` (e.g. a mailing's), when
    well formed: whoever took part is then counted in that mailing's results."""
    source = clean_source(request.GET.get("source"))
    return {"source": source} if source else None


def _petition_context(petition, form, **extra) -> dict:
    return {
        "petition": petition,
        "form": form,
        "to": addressee(office=petition.office, language=get_language())
        if petition.office
        else None,
        "case_actions": selectors.case_actions(case=petition.case, exclude=petition),
        **extra,
    }


def _challenge_page(
    request: HttpRequest, petition, form: SignatureForm, required: ChallengeRequired
) -> HttpResponse:
    """Past a rate limit: the signer's own entries, hidden, with a challenge their browser
    solves before sending them again; without JavaScript a button sends them as flagged."""
    answered = [
        (name, value)
        for name, values in request.POST.lists()
        if name in form.fields and name not in SignatureForm.CHALLENGE_FIELDS
        for value in values
    ]
    response = render(
        request,
        "actions/signing_challenge.html",
        {"petition": petition, "answered": answered, "required": required},
    )
    add_never_cache_headers(response)  # it carries what the signer typed
    return response


def _refused(request: HttpRequest, petition, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "actions/petition_detail.html",
        _petition_context(petition, None, refusal=message),
        status=status,
    )


@require_GET
def petition_check_email(request: HttpRequest, slug: str) -> HttpResponse:
    petition = selectors.petition_for_page(slug=slug)
    return render(request, "actions/check_email.html", {"petition": petition})


def _stopped_on(supporter) -> str:
    """When this supporter asked to stop every email, as the page shows dates ("" if not)."""
    if supporter.unsubscribed_at is None:
        return ""
    return date_format(localtime(supporter.unsubscribed_at), "DATE_FORMAT")


def participation_page(participation, *, heading: str, lead: str, button: str, note: str):
    """What a signature's or a letter's confirmation page says: what it confirms, what the
    person asked for on the form, and, if they had asked us to stop every email, whether
    their "keep me informed" may start it again (a box left unticked: it does not)."""
    paragraphs = [lead]
    if participation.named_to_target:
        paragraphs.append(_("You asked that your name and city be given to the official."))
    stopped_on = _stopped_on(participation.supporter)
    choice = None
    if participation.keep_informed and stopped_on:
        choice = Choice(
            name=RESUME_EMAIL_FIELD,
            label=_(
                "Also email me about this action again. (On %(date)s you asked us to stop "
                "every email: only this starts again, everything else stays off.)"
            )
            % {"date": stopped_on},
        )
    elif participation.keep_informed:
        paragraphs.append(_("You asked to be kept informed by email."))
    return ConfirmationPage(
        heading=heading, paragraphs=paragraphs, button=button, choice=choice, note=note
    )


def _signature_page(signature) -> ConfirmationPage:
    return participation_page(
        signature,
        heading=_("Confirm your signature"),
        lead=_("You are signing “%(title)s”.") % {"title": signature.petition.title},
        button=_("Confirm my signature"),
        note=_("If you did not sign this petition, close this page: nothing will happen."),
    )


def confirm_participation(request, token, *, find, page_of, confirm, confirmed):
    """What every emailed confirmation link of a participation does: opening it only shows
    the page with the button (mail scanners open every link); the button's POST confirms,
    with the page's "email me again" answer; a bad link gets the plain problem page."""
    try:
        found = find(token=token)
        page = page_of(found)
        if request.method != "POST":
            return confirmation_page(request, page)
        participation = confirm(
            token=token,
            resume_email=resume_email_answer(
                request, wording=page.choice.label if page.choice else ""
            ),
            found=found,  # read just now: not again
        )
    except OutcryError as error:
        # A replayed, expired or forged link changes nothing and gets a plain page.
        return error_page(request, error, template="actions/confirm_problem.html")
    return confirmed(participation)


@confirmation_link
def signature_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return confirm_participation(
        request,
        token,
        find=services.signature_to_confirm,
        page_of=_signature_page,
        confirm=services.signature_confirm,
        confirmed=lambda signature: render(
            request, "actions/confirmed.html", {"petition": signature.petition}
        ),
    )


@require_GET
def action_count_json(request: HttpRequest, slug: str, kind: str) -> JsonResponse:
    """The live count of an action of any kind (``kind`` comes from its URL pattern)."""
    response = JsonResponse(counting.action_count_public(kind=kind, slug=slug))
    patch_cache_control(
        response,
        public=True,
        max_age=settings.COUNT_CACHE_MAX_AGE,
        stale_while_revalidate=settings.COUNT_CACHE_MAX_AGE * 6,
        stale_if_error=86400,
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


# Like signing: no CSRF cookie, the email confirmation is the proof of intent; the page
# as anyone sees it is then the same for every visitor and is served from the cache.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def letter_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return _letter_detail_page(request, slug)
    action = selectors.letter_action_for_page(slug=slug)
    language = get_language()
    to = addressee(office=action.office, language=language)
    routes = letters.routes_available(action)
    form_kwargs = {"action": action, "routes": routes, "model_body": model_body(action, language)}
    status = 200
    refusal = ""
    form = LetterForm(request.POST, **form_kwargs)
    if form.is_valid() and not action.is_open:
        refusal, status = _("This action is closed."), 403
    elif form.is_valid():
        data = form.cleaned_data
        if form.is_bot:
            return redirect("letter-check-email", slug=action.slug)
        try:
            outcome = letters.letter_create(
                action=action,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                country=data["country"],
                city=data["city"],
                language=language,
                body=data.get("body"),
                route=data["route"],
                consents=consents_answered(data),
                source_url=request.build_absolute_uri(request.path),
                ip_hash=client_ip_hash(request),
                source=data["source"],
            )
        except OutcryError as error:
            # Closed meanwhile, or the office's address bounced between showing the
            # form and sending it (RouteUnavailable).
            refusal, status = error.message, error.status
        else:
            if data["route"] != "print":
                return redirect("letter-check-email", slug=action.slug)
            if outcome != Outcome.FLAGGED:
                return _letter_pdf_response(action, language, data, to)
            # Over the rate limits a signed PDF is not built (each costs a few hundred
            # milliseconds of CPU); the shared model letter, cached, still is.
            refusal, status = (
                _(
                    "Many letters have just been written from your network, so we cannot "
                    "make your signed copy now. Print the model letter below and sign it "
                    "by hand, or try again in an hour."
                ),
                429,
            )
    else:
        status = 400
    return render(
        request,
        "actions/letter_detail.html",
        _letter_context(action, form, to=to, routes=routes, refusal=refusal),
        status=status,
    )


@cached_public_page
def _letter_detail_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The letter page with its form as anyone sees it (no cookie, no query string: kept in
    the cache, see ``outcry.core.public_cache``). The official's address comes from the
    target directory, whose writes also make cached pages stale (``outcry.targets``)."""
    action = selectors.letter_action_for_page(slug=slug)
    language = get_language()
    to = addressee(office=action.office, language=language)
    routes = letters.routes_available(action)
    form = LetterForm(
        initial=_source_from_link(request),
        action=action,
        routes=routes,
        model_body=model_body(action, language),
    )
    return render(
        request,
        "actions/letter_detail.html",
        _letter_context(action, form, to=to, routes=routes, refusal=""),
    )


def _letter_context(action, form: LetterForm, *, to, routes: list[str], refusal: str) -> dict:
    composed = letter_compose(action=action, language=get_language(), target=to)
    return {
        "action": action,
        "to": to,
        "letter": composed,
        "routes": routes,
        "mailto": selectors.mailto_link(action=action, letter=composed),
        "background_html": render_markdown(action.background),
        "form": form if routes else None,
        "refusal": refusal,
        "case_actions": selectors.case_actions(case=action.case, exclude=action),
    }


def _letter_pdf_response(action, language: str, data: dict, to) -> HttpResponse:
    """The supporter's letter for the print route, built from what they just typed: the
    web tier never opens what it sealed."""
    country_name = dict(SignatureForm().fields["country"].choices).get(data["country"], "")
    composed = letter_compose(
        action=action,
        language=language,
        name=f"{data['first_name']} {data['last_name']}".strip(),
        city=data["city"],
        country_name=str(country_name),
        body=data.get("body"),
        target=to,
    )
    response = HttpResponse(
        letter_pdf(letter=composed, paper=data.get("paper") or "a4"), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="letter-{action.slug}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def letter_model_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The model letter, unsigned, to print (A4 or ?paper=letter)."""
    action = selectors.letter_action_for_page(slug=slug)
    paper = request.GET.get("paper", "a4")
    canonical = {"paper": ["letter"]} if paper == "letter" else {}
    if dict(request.GET.lists()) != canonical:
        # One URL per paper size, so shared caches keep one copy of each and a made-up
        # query string cannot ask for a fresh build.
        url = reverse("letter-model-pdf", kwargs={"slug": action.slug})
        return redirect(f"{url}?paper=letter" if canonical else url, permanent=True)
    response = HttpResponse(
        model_letter_pdf(action=action, language=get_language(), paper=paper or "a4"),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'inline; filename="letter-{action.slug}-{paper}.pdf"'
    # The same for everyone (no personal data): let caches take the load.
    patch_cache_control(response, public=True, max_age=300)
    return response


@require_GET
def letter_check_email(request: HttpRequest, slug: str) -> HttpResponse:
    action = selectors.letter_action_for_page(slug=slug)
    return render(request, "actions/letter_check_email.html", {"action": action})


def _letter_page(letter) -> ConfirmationPage:
    to_target = letter.route == letter.Route.EMAIL and letter.action.route_email
    return participation_page(
        letter,
        heading=_("Confirm your letter"),
        lead=(
            _("Your letter on “%(title)s” goes to the official once you confirm.")
            if to_target
            else _("Your letter on “%(title)s” is counted once you confirm.")
        )
        % {"title": letter.action.title},
        button=_("Confirm and send my letter") if to_target else _("Confirm my letter"),
        note=_("If you did not write this letter, close this page: nothing will be sent."),
    )


@confirmation_link
def letter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return confirm_participation(
        request,
        token,
        find=letters.letter_to_confirm,
        page_of=_letter_page,
        confirm=letters.letter_confirm,
        confirmed=lambda letter: render(
            request, "actions/letter_confirmed.html", {"letter": letter, "action": letter.action}
        ),
    )


# As for letters: no CSRF cookie, and the page as anyone sees it comes from the cache.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if request.method != "POST":
        return _call_detail_page(request, slug)
    action = selectors.call_action_for_page(slug=slug)
    language = get_language()
    status = 200
    refusal = ""
    form = CallReportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if form.is_bot:
            return redirect("call-thanks", slug=action.slug)
        try:
            calls.call_report_create(
                action=action,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                country=data["country"],
                city=data["city"],
                language=language,
                outcome=data["outcome"],
                consents=consents_answered(data),
                source_url=request.build_absolute_uri(request.path),
                ip_hash=client_ip_hash(request),
                source=data["source"],
            )
        except OutcryError as error:
            refusal, status = error.message, error.status
        else:
            return redirect("call-thanks", slug=action.slug)
    else:
        status = 400
    return render(
        request, "actions/call_detail.html", _call_context(action, form, refusal), status=status
    )


@cached_public_page
def _call_detail_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The call page with its report form as anyone sees it (kept in the cache, like the
    letter page)."""
    action = selectors.call_action_for_page(slug=slug)
    form = CallReportForm(initial=_source_from_link(request))
    return render(request, "actions/call_detail.html", _call_context(action, form, ""))


def _call_context(action, form: CallReportForm, refusal: str) -> dict:
    to = addressee(office=action.office, language=get_language())
    return {
        "action": action,
        "to": to,
        "tel": selectors.tel_link(to.phone),
        # Formatted here: a template would convert it back to the site's time zone. A page
        # from the cache shows it as it was when rendered, at most PUBLIC_CACHE_SECONDS ago.
        "local_time": _hhmm(calls.local_time(tz_name=to.timezone)),
        "script_html": render_markdown(action.script),
        "background_html": render_markdown(action.background),
        "form": form,
        "refusal": refusal,
        "case_actions": selectors.case_actions(case=action.case, exclude=action),
    }


def _call_page(call) -> ConfirmationPage:
    return participation_page(
        call,
        heading=_("Confirm your email address"),
        lead=_("You reported a call for “%(title)s”. It is counted already.")
        % {"title": call.action.title},
        button=_("Confirm my address"),
        note=_("If you did not report this call, close this page: nothing will happen."),
    )


@confirmation_link
def call_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return confirm_participation(
        request,
        token,
        find=calls.call_to_confirm,
        page_of=_call_page,
        confirm=calls.call_confirm,
        confirmed=lambda call: render(
            request, "actions/call_confirmed.html", {"call": call, "action": call.action}
        ),
    )


def _hhmm(moment) -> str:
    return moment.strftime("%H:%M") if moment is not None else ""


@require_GET
def call_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    action = selectors.call_action_for_page(slug=slug)
    return render(request, "actions/call_thanks.html", {"action": action})
