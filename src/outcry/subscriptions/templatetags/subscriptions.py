"""``{% subscribe_box %}``: the subscribe form on country, topic and case pages."""

from django import template
from django.conf import settings
from django.urls import reverse

from outcry.subscriptions.forms import SUBSCRIBE_CONSENT, SubscribeForm

register = template.Library()

_URL_NAMES = {"country": "subscribe-country", "topic": "subscribe-topic", "case": "subscribe-case"}


@register.inclusion_tag("subscriptions/_subscribe_box.html")
def subscribe_box(kind: str, key: str, subject: str, form: SubscribeForm | None = None) -> dict:
    """The box for subscribing to the country (ISO code), topic or case (slug) ``key``."""
    return {
        "form": form or SubscribeForm(),
        "action": reverse(_URL_NAMES[kind], args=[key.lower() if kind == "country" else key]),
        "subject": subject,
        "consent": SUBSCRIBE_CONSENT % {"subject": subject},
    }


@register.simple_tag
def retention_days() -> int:
    """The site's default retention period, for the privacy page."""
    return settings.RETENTION_DAYS_AFTER_CLOSE
