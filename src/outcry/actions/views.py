from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from outcry.actions import selectors, services
from outcry.actions.forms import (
    KEEP_INFORMED_LABEL,
    KEEP_INFORMED_VERSION,
    SignatureForm,
    clean_source,
)
from outcry.cases.selectors import cases_published
from outcry.core.http import client_ip_hash


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "actions/home.html",
        {"petitions": selectors.petitions_open(), "cases": cases_published()},
    )


# Signing needs no CSRF cookie: the email confirmation is the proof of intent, and a page
# that sets no cookie can be cached on a viral day and used over Tor without state.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def petition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    petition = selectors.petition_for_page(slug=slug)
    status = 200
    if request.method == "POST":
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
                    keep_informed=form.cleaned_data["keep_informed"],
                    consent=services.ConsentText(
                        wording=str(KEEP_INFORMED_LABEL), version=KEEP_INFORMED_VERSION
                    ),
                    source_url=request.build_absolute_uri(request.path),
                    ip_hash=client_ip_hash(request),
                    source=form.cleaned_data["source"],
                )
            except services.SigningClosed:
                return _refused(request, petition, _("This petition is closed."), status=403)
            except services.SigningPaused:
                return _refused(
                    request,
                    petition,
                    _("Signing is paused on this petition for now. Please try again later."),
                    status=403,
                )
            # Whatever happened (new, duplicate, flagged), the same page: it must never
            # reveal whether an address has already signed.
            return redirect("petition-check-email", slug=petition.slug)
        status = 400
    else:
        source = clean_source(request.GET.get("source"))
        form = SignatureForm(initial={"source": source} if source else None)
    return render(
        request, "actions/petition_detail.html", {"petition": petition, "form": form}, status=status
    )


def _refused(request: HttpRequest, petition, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "actions/petition_detail.html",
        {"petition": petition, "form": None, "refusal": message},
        status=status,
    )


@require_GET
def petition_check_email(request: HttpRequest, slug: str) -> HttpResponse:
    petition = selectors.petition_for_page(slug=slug)
    return render(request, "actions/check_email.html", {"petition": petition})


@require_GET
def signature_confirm(request: HttpRequest, token: str) -> HttpResponse:
    # Confirmed on GET, as e-petitions does: one tap from a phone's mail app. Replays and
    # forgeries change nothing and get a plain explanation.
    try:
        signature = services.signature_confirm(token=token)
    except services.AlreadyConfirmed:
        return render(request, "actions/confirm_problem.html", {"problem": "already"}, status=409)
    except services.TokenExpired:
        return render(request, "actions/confirm_problem.html", {"problem": "expired"}, status=410)
    except services.TokenInvalid:
        return render(request, "actions/confirm_problem.html", {"problem": "invalid"}, status=404)
    return render(request, "actions/confirmed.html", {"petition": signature.petition})


@require_GET
def petition_count_json(request: HttpRequest, slug: str) -> JsonResponse:
    response = JsonResponse(selectors.petition_count(slug=slug))
    patch_cache_control(
        response,
        public=True,
        max_age=settings.COUNT_CACHE_MAX_AGE,
        stale_while_revalidate=settings.COUNT_CACHE_MAX_AGE * 6,
        stale_if_error=86400,
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
