"""One function per message the actions app sends; templates in templates/actions/email/."""

import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.actions.composition import letter_as_written
from outcry.actions.models import Letter, Signature
from outcry.core.crypto import unseal
from outcry.core.mail import build_email
from outcry.supporters.selectors import supporter_personal_data
from outcry.targets.selectors import addressee


def _absolute(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _first_name(participation, person: dict) -> str:
    """ "Dear …" with the name given with this participation (a name typed first by
    someone else for the same address must not greet its owner); rows sealed before names
    were kept apart fall back to the supporter record."""
    words = unseal(participation.personal_data) if participation.personal_data else {}
    if "first_name" in words:
        return words["first_name"]
    return person.get("first_name", "")


def _signature_email(
    signature: Signature, *, template: str, token: str | None, kind: str
) -> EmailMultiAlternatives:
    person = supporter_personal_data(supporter=signature.supporter)
    language = signature.language or settings.LANGUAGE_CODE
    with translation.override(language):
        petition_title = signature.petition.title
    context = {
        "first_name": _first_name(signature, person),
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


def letter_confirmation(letter, *, token: str) -> EmailMultiAlternatives:
    person = supporter_personal_data(supporter=letter.supporter)
    language = letter.language or settings.LANGUAGE_CODE
    target = addressee(office=letter.action.office, language=language)
    with translation.override(language):
        action_title = letter.action.title
    context = {
        "first_name": _first_name(letter, person),
        "action_title": action_title,
        "target_name": target.display_name or target.office_title,
        "confirm_url": _absolute(language, "letter-confirm", token=token),
        "to_target": letter.route == "email",
        "max_age_days": settings.SIGNATURE_CONFIRMATION_MAX_AGE // 86400,
    }
    return build_email(
        to=person["email"],
        template="actions/email/letter_confirmation",
        context=context,
        language=language,
        message_id=f"letter-{letter.uuid.hex}-confirm",
    )


def call_confirmation(call, *, token: str) -> EmailMultiAlternatives:
    """The link that proves a caller's address; only then are they named or kept informed."""
    person = supporter_personal_data(supporter=call.supporter)
    language = call.language or settings.LANGUAGE_CODE
    with translation.override(language):
        action_title = call.action.title
    context = {
        "first_name": _first_name(call, person),
        "action_title": action_title,
        "confirm_url": _absolute(language, "call-confirm", token=token),
        "named_to_target": call.named_to_target,
        "keep_informed": call.keep_informed,
        "max_age_days": settings.SIGNATURE_CONFIRMATION_MAX_AGE // 86400,
    }
    return build_email(
        to=person["email"],
        template="actions/email/call_confirmation",
        context=context,
        language=language,
        message_id=f"call-{call.uuid.hex}-confirm",
    )


def letter_to_target(letter) -> EmailMultiAlternatives:
    """The supporter's letter to the office's address, from the organisation on their
    behalf; their address as Reply-To only when they agreed."""
    composed = letter_as_written(letter)
    headers = {}
    if letter.reply_to:
        headers["Reply-To"] = supporter_personal_data(supporter=letter.supporter)["email"]
    return build_email(
        to=letter.target_email,
        template="actions/email/letter_to_target",
        context={"letter": composed},
        language=composed.language,
        message_id=f"letter-{letter.uuid.hex}-target",
        headers=headers,
    )


def target_digest(digest) -> EmailMultiAlternatives:
    """A day's letters of one action in one email to the target (no Reply-To: many)."""
    action = digest.action
    letters = list(
        digest.letters.filter(target_status=Letter.TargetStatus.IN_DIGEST)
        .select_related("action", "action__office")
        .order_by("validated_at", "pk")
    )
    language = settings.LANGUAGE_CODE
    targets: dict[str, object] = {}
    composed = []
    for letter in letters:
        if letter.language not in targets:
            targets[letter.language] = addressee(office=action.office, language=letter.language)
        composed.append(letter_as_written(letter, target=targets[letter.language]))
    with translation.override(language):
        subject = getattr(action, f"subject_{language}", None) or action.subject
    return build_email(
        to=digest.email,
        template="actions/email/target_digest",
        context={"letters": composed, "subject": subject, "language": language},
        language=language,
        message_id=f"digest-{digest.pk}-{action.pk}",
    )
