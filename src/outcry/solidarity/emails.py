"""One function per message this app sends; templates in templates/solidarity/email/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.core.crypto import unseal
from outcry.core.mail import build_email
from outcry.solidarity.models import SolidarityMessage
from outcry.supporters.selectors import supporter_personal_data


def message_confirmation(message: SolidarityMessage, *, token: str) -> EmailMultiAlternatives:
    person = supporter_personal_data(supporter=message.supporter)
    words = unseal(message.personal_data) if message.personal_data else {}
    language = message.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "first_name": words.get("first_name", ""),
            "recipient": message.action.recipient,
            "action_title": message.action.title,
            "confirm_url": settings.SITE_URL
            + reverse("solidarity-message-confirm", kwargs={"token": token}),
            "max_age_days": settings.SIGNATURE_CONFIRMATION_MAX_AGE // 86400,
        }
    return build_email(
        to=person["email"],
        template="solidarity/email/message_confirmation",
        context=context,
        language=language,
        message_id=f"solidarity-{message.uuid.hex}-confirm",
    )
