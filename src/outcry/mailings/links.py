"""The links every message carries: view in browser, one-click unsubscribe, preferences."""

from urllib.parse import quote

from django.conf import settings
from django.urls import reverse

from outcry.mailings.composition import message_id_domain
from outcry.subscriptions.tokens import preference_url


def unsubscribe_mailto() -> str:
    return settings.MAILING_UNSUBSCRIBE_MAILTO or f"unsubscribe@{message_id_domain()}"


def recipient_links(*, recipient, supporter, view_key: str) -> dict[str, str]:
    token = recipient.token
    return {
        "view_url": settings.SITE_URL
        + reverse("mailing-view", kwargs={"token": token, "key": view_key}),
        "unsubscribe_url": settings.SITE_URL
        + reverse("mailing-unsubscribe", kwargs={"token": token}),
        "preferences_url": preference_url(supporter=supporter, language=recipient.language),
        "mailto": f"mailto:{unsubscribe_mailto()}?subject={quote('unsubscribe ' + token)}",
    }
