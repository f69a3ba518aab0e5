"""The links every message carries: view in browser, one-click unsubscribe, preferences."""

from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from outcry.mailings.composition import message_id_domain
from outcry.subscriptions.tokens import absolute_url, preference_token

_TOKEN = "T0KEN"  # noqa: S105 - a placeholder in a URL pattern, not a secret
_KEY = "K3Y"


def unsubscribe_mailto() -> str:
    return settings.MAILING_UNSUBSCRIBE_MAILTO or f"unsubscribe@{message_id_domain()}"


@cache
def _patterns(site: str, language: str, mailto: str) -> tuple[str, str, str, str]:
    """URL patterns reversed once (the send loop fills in tokens by string replacement)."""
    return (
        site + reverse("mailing-view", kwargs={"token": _TOKEN, "key": _KEY}),
        site + reverse("mailing-unsubscribe", kwargs={"token": _TOKEN}),
        absolute_url(language, "preferences", token=_TOKEN),
        f"mailto:{mailto}?subject={quote('unsubscribe ')}{_TOKEN}",
    )


def recipient_links(
    *, recipient, supporter, view_key: str, mailto: str | None = None
) -> dict[str, str]:
    token = recipient.token
    view, unsubscribe, preferences, mailto = _patterns(
        settings.SITE_URL, recipient.language, mailto or unsubscribe_mailto()
    )
    return {
        "view_url": view.replace(_TOKEN, token).replace(_KEY, view_key),
        "unsubscribe_url": unsubscribe.replace(_TOKEN, token),
        "preferences_url": preferences.replace(_TOKEN, preference_token(supporter)),
        "mailto": mailto.replace(_TOKEN, token),
    }
