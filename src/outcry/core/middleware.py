from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Public pages load nothing from another host: no CDN, font, analytics or pixel.
PUBLIC_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'"
)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
        response.headers.setdefault(
            "Permissions-Policy", "interest-cohort=(), camera=(), microphone=(), geolocation=()"
        )
        return response
