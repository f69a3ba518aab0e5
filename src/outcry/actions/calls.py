"""Writes for call actions: a supporter reports that they called, and how it went.

A call report is counted when made, with or without an email (the call itself was the act;
asking every caller for a confirmation would lose most reports). What a report says about a
person is another matter: the caller is named to the official, or kept informed, only once
the address they gave is proven by the confirmation link (``call_confirm``), the same link
pattern as signatures and letters. A report without an email is counted by its country and
holds no name. The same address reporting twice on the same action counts once (database
constraint); over the rate limits a report is kept but flagged, never counted unless staff
validate it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from outcry.actions import emails, hooks
from outcry.actions.counting import action_request_count
from outcry.actions.models import Call, CallAction, ParticipationState
from outcry.actions.services import (
    NAMED_TO_TARGET,
    AlreadyConfirmed,
    ConsentText,
    SignOutcome,
    TokenInvalid,
    _rate_limited,
    confirmation_uuid,
    consents_record,
    participant_words,
    participation_adopt_name,
)
from outcry.core.crypto import email_hash, seal
from outcry.core.mail import send_once
from outcry.core.queue import enqueue
from outcry.supporters.models import ConsentRecord
from outcry.supporters.services import supporter_get_or_create

CONFIRM_TOKEN_SALT = "outcry.actions.call-confirm"  # noqa: S105 - a salt, not a secret


class ActionClosed(Exception):
    """The action is not taking reports."""


def call_report_create(
    *,
    action: CallAction,
    email: str,
    first_name: str,
    last_name: str,
    country: str,
    city: str,
    language: str,
    outcome: str,
    named_to_target: bool,
    keep_informed: bool,
    keep_informed_consent: ConsentText,
    named_consent: ConsentText,
    source_url: str,
    ip_hash: str,
) -> SignOutcome:
    """Take a call report; the caller shows the same page whatever the outcome.

    ``email`` may be "": the report is then counted by country only (no supporter, no name
    kept, neither "name me" nor "keep me informed", which need a proven address). With an
    email, the same address reports once per action, and those wishes wait for the
    confirmation link (sent only when there is a wish to confirm).
    """
    if not action.is_open:
        raise ActionClosed
    flag_reason = _rate_limited(ip_hash)
    now = timezone.now()
    email = email.strip()
    try:
        with transaction.atomic():
            supporter = None
            if email:
                supporter, _ = supporter_get_or_create(
                    email=email,
                    first_name=first_name,
                    last_name=last_name,
                    country=country,
                    language=language,
                )
            call = Call.objects.create(
                action=action,
                supporter=supporter,
                email_hash=supporter.email_hash if supporter else "",
                country=country,
                language=language,
                outcome=outcome,
                keep_informed=keep_informed and supporter is not None,
                named_to_target=named_to_target and supporter is not None,
                personal_data=seal(participant_words(first_name, last_name, city))
                if supporter
                else "",
                ip_hash=ip_hash,
                state=ParticipationState.FLAGGED if flag_reason else ParticipationState.VALIDATED,
                validated_at=None if flag_reason else now,
                flag_reason=flag_reason,
            )
            if supporter is not None:
                consents_record(
                    supporter=supporter,
                    language=language,
                    source_url=source_url,
                    answers=[
                        (ConsentRecord.Purpose.KEEP_INFORMED, keep_informed_consent, keep_informed),
                        (NAMED_TO_TARGET, named_consent, named_to_target),
                    ],
                )
            if not flag_reason:
                action_id = action.pk
                transaction.on_commit(
                    lambda: action_request_count(kind="call", action_id=action_id)
                )
                if call.named_to_target or call.keep_informed:
                    enqueue("outcry.actions.tasks.send_call_confirmation", call.pk)
    except IntegrityError:
        if (
            not email
            or not Call.objects.filter(action=action, email_hash=email_hash(email)).exists()
        ):
            raise
        return SignOutcome.DUPLICATE
    return SignOutcome.FLAGGED if flag_reason else SignOutcome.CREATED


def confirmation_token(call: Call) -> str:
    return signing.TimestampSigner(salt=CONFIRM_TOKEN_SALT).sign(call.uuid.hex)


def call_to_confirm(*, token: str) -> Call:
    """The call report the link names whose address is not yet confirmed, read only (the
    page with the button), or TokenExpired / TokenInvalid / AlreadyConfirmed."""
    call_uuid = confirmation_uuid(token=token, salt=CONFIRM_TOKEN_SALT)
    call = Call.objects.select_related("action", "action__office", "action__case", "supporter")
    call = call.filter(uuid=call_uuid, supporter__isnull=False).first()
    if call is None or call.state == ParticipationState.INVALIDATED:
        raise TokenInvalid
    if call.confirmed_at is not None:
        raise AlreadyConfirmed
    return call


def call_confirm(*, token: str, resume_email: ConsentText | None = None) -> Call:
    """Confirm the address of the call report the link names: from now on its caller may
    be named (if they asked) and kept informed (if they asked). The report was counted
    already; confirming it counts nothing again. ``resume_email`` as for
    ``signature_confirm``."""
    call = call_to_confirm(token=token)
    now = timezone.now()
    with transaction.atomic():
        confirmed = (
            Call.objects.filter(pk=call.pk, confirmed_at__isnull=True)
            .exclude(state=ParticipationState.INVALIDATED)
            .update(confirmed_at=now)
        )
        if confirmed:
            type(call.supporter).objects.filter(
                pk=call.supporter_id, email_confirmed_at__isnull=True
            ).update(email_confirmed_at=now)
            call.confirmed_at = now
            hooks.confirmed(call, resume_email=resume_email)
            participation_adopt_name(participation=call)
    if not confirmed:
        call.refresh_from_db(fields=["confirmed_at"])
        if call.confirmed_at is not None:
            raise AlreadyConfirmed
        raise TokenInvalid
    return call


def call_send_confirmation(*, call_id: int, attempt: int = 0) -> str:
    def build(call: Call):
        if call.confirmed_at is not None or call.state == ParticipationState.INVALIDATED:
            return None
        return emails.call_confirmation(call, token=confirmation_token(call))

    def bounced(call: Call, exc: Exception) -> None:
        Call.objects.filter(pk=call.pk).update(confirmation_bounced=True)

    return send_once(
        queryset=Call.objects.select_related("action", "supporter"),
        pk=call_id,
        sent_field="confirmation_sent_at",
        build=build,
        retry_task="outcry.actions.tasks.send_call_confirmation",
        attempt=attempt,
        on_bounce=bounced,
    )


def local_time(*, tz_name: str, now: datetime | None = None) -> datetime | None:
    """The time now in the office's time zone, or None when it has none (or a bad one)."""
    if not tz_name:
        return None
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return (now or timezone.now()).astimezone(zone)
