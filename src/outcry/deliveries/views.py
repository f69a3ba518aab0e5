from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from outcry.deliveries.forms import TOO_LARGE, VerifyForm
from outcry.deliveries.selectors import package_verify, sha256_of


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone holding a delivery package (a target, a journalist) checks it is the one we
    delivered: by its SHA-256, or by uploading it (hashed here, never kept)."""
    result = None
    # Refused before the body is read: an anonymous upload must not fill the disk.
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.DELIVERY_VERIFY_MAX_UPLOAD + 64 * 1024:
        context = {"form": VerifyForm(), "result": None, "refused": TOO_LARGE}
        return render(request, "deliveries/verify.html", context, status=413)
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
