"""One function per message the actions app sends; templates in templates/actions/email/."""

import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.actions.models import Signature
from outcry.core.mail import build_email
from outcry.supporters.selectors import supporter_personal_data


def _absolute(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _signature_email(
    signature: Signature, *, template: str, token: str | None, kind: str
) -> EmailMultiAlternatives:
    person = supporter_personal_data(supporter=signature.supporter)
    language = signature.language or settings.LANGUAGE_CODE
    with translation.override(language):
        petition_title = signature.petition.title
    context = {
        "first_name": person.get("first_name", ""),
        "petition_title": petition_title,
        "petition_url": _absolute(language, "petition-detail", slug=signature.petition.slug),
        "confirm_url": _absolute(language, "signature-confirm", token=token) if token else "",
        "max_age_days": settings.SIGNATURE_CONFIRMATION_MAX_AGE // 86400,
    }
    return build_email(
        to=person["email"],
        template=template,
        context=context,
        language=language,
        message_id=f"signature-{signature.uuid.hex}-{kind}",
    )


def signature_confirmation(signature: Signature, *, token: str) -> EmailMultiAlternatives:
    return _signature_email(
        signature, template="actions/email/signature_confirmation", token=token, kind="confirm"
    )


def signature_reminder(signature: Signature, *, token: str) -> EmailMultiAlternatives:
    return _signature_email(
        signature, template="actions/email/signature_reminder", token=token, kind="reminder"
    )


def signature_duplicate(signature: Signature, *, token: str | None) -> EmailMultiAlternatives:
    # A fresh Message-ID each time: a notice an hour later is a different message.
    return _signature_email(
        signature,
        template="actions/email/signature_duplicate",
        token=token,
        kind=f"duplicate-{uuid.uuid4().hex[:8]}",
    )
