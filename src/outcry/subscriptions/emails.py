"""One function per message the subscriptions app sends; templates in
templates/subscriptions/email/. Worker only: each opens the supporter's sealed address."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone, translation

from outcry.core.mail import build_email
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.tokens import (
    ERASURE_CONFIRMATION_MAX_AGE,
    absolute_url,
    confirmation_max_age,
    erasure_url,
    preference_url,
)
from outcry.supporters.models import Supporter
from outcry.supporters.selectors import supporter_personal_data


def subscription_confirmation(subscription: Subscription, *, token: str) -> EmailMultiAlternatives:
    person = supporter_personal_data(supporter=subscription.supporter)
    language = subscription.language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = subscription.subject
    return build_email(
        to=person["email"],
        template="subscriptions/email/subscription_confirmation",
        context={
            "first_name": person.get("first_name", ""),
            "subject": subject,
            "confirm_url": absolute_url(language, "subscription-confirm", token=token),
            "max_age_days": confirmation_max_age() // 86400,
        },
        language=language,
        message_id=f"subscription-{subscription.uuid.hex}-confirm-"
        f"{int(timezone.now().timestamp())}",
    )


def my_data(supporter: Supporter, *, email: str, document: str) -> EmailMultiAlternatives:
    language = supporter.language or settings.LANGUAGE_CODE
    message = build_email(
        to=email,
        template="subscriptions/email/my_data",
        context={"preferences_url": preference_url(supporter=supporter, language=language)},
        language=language,
    )
    message.attach("my-data.json", document, "application/json")
    return message


def erasure_confirmation(supporter: Supporter, *, email: str) -> EmailMultiAlternatives:
    """The link that confirms an erasure asked for from the preference centre."""
    language = supporter.language or settings.LANGUAGE_CODE
    return build_email(
        to=email,
        template="subscriptions/email/erasure_confirmation",
        context={
            "erase_url": erasure_url(supporter=supporter, language=language),
            "max_age_hours": ERASURE_CONFIRMATION_MAX_AGE // 3600,
        },
        language=language,
    )
