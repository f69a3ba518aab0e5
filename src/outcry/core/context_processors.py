from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url


def site(request: HttpRequest) -> dict:
    return {
        "ORGANISATION": settings.ORGANISATION,
        "DEBUG": settings.DEBUG,
        # The same page in each language, for the language switcher (plain links, no JS).
        "language_links": [
            (code, name, translate_url(request.path, code)) for code, name in settings.LANGUAGES
        ],
    }
