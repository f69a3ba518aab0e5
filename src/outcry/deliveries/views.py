from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from outcry.core.middleware import request_body_limit
from outcry.deliveries.forms import TOO_LARGE, VerifyForm
from outcry.deliveries.selectors import package_verify, sha256_of


def _upload_too_large(request: HttpRequest) -> HttpResponse:
    context = {"form": VerifyForm(), "result": None, "refused": TOO_LARGE}
    return render(request, "deliveries/verify.html", context, status=413)


# Refused before the body is read (by RequestBodyLimitMiddleware, ahead of the CSRF check
# that would parse it): an anonymous upload must not fill the disk.
@request_body_limit(setting="DELIVERY_VERIFY_MAX_UPLOAD", refusal=_upload_too_large)
# No CSRF cookie: a public page sets none, and checking a file changes nothing, so a
# cross-site POST here could only tell its sender what they already hold.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone holding a delivery package (a target, a journalist) checks it is the one we
    delivered: by its SHA-256, or by uploading it (hashed here, never kept)."""
    result = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
    elif "digest" in request.GET:
        form = VerifyForm(request.GET)
    else:
        form = VerifyForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data.get("file")
        digest = sha256_of(upload) if upload is not None else form.cleaned_data["digest"]
        result = package_verify(digest=digest)
    return render(
        request,
        "deliveries/verify.html",
        {"form": form, "result": result},
        status=400 if form.is_bound and form.errors else 200,
    )
