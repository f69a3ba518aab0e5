"""Writes for call actions: a supporter reports that they called, and how it went.

A call report is counted without an email round trip (the call itself was the act; asking
for a confirmation would lose most reports). The same person reporting twice on the same
action counts once (database constraint); over the rate limits a report is kept but
flagged, never counted unless staff validate it.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.utils import timezone

from outcry.actions.counting import action_request_count
from outcry.actions.models import Call, CallAction, ParticipationState
from outcry.actions.services import (
    NAMED_TO_TARGET,
    ConsentText,
    SignOutcome,
    _rate_limited,
    consents_record,
)
from outcry.core.crypto import email_hash, seal
from outcry.supporters.models import ConsentRecord
from outcry.supporters.services import supporter_get_or_create


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
    if not action.is_open:
        raise ActionClosed
    flag_reason = _rate_limited(ip_hash)
    now = timezone.now()
    try:
        with transaction.atomic():
            supporter, _ = supporter_get_or_create(
                email=email,
                first_name=first_name,
                last_name=last_name,
                country=country,
                language=language,
            )
            Call.objects.create(
                action=action,
                supporter=supporter,
                email_hash=supporter.email_hash,
                country=country,
                language=language,
                outcome=outcome,
                keep_informed=keep_informed,
                named_to_target=named_to_target,
                personal_data=seal({"name": f"{first_name} {last_name}".strip(), "city": city}),
                ip_hash=ip_hash,
                state=ParticipationState.FLAGGED if flag_reason else ParticipationState.VALIDATED,
                validated_at=None if flag_reason else now,
                flag_reason=flag_reason,
            )
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
    except IntegrityError:
        if not Call.objects.filter(action=action, email_hash=email_hash(email)).exists():
            raise
        return SignOutcome.DUPLICATE
    return SignOutcome.FLAGGED if flag_reason else SignOutcome.CREATED


def local_time(*, tz_name: str, now: datetime | None = None) -> datetime | None:
    """The time now in the office's time zone, or None when it has none (or a bad one)."""
    if not tz_name:
        return None
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return (now or timezone.now()).astimezone(zone)
