"""Writes for call actions: a supporter reports that they called, and how it went.

A call report is counted when made, with or without an email (the call itself was the act;
asking every caller for a confirmation would lose most reports). What a report says about a
person is another matter: the caller is named to the official, or kept informed, only once
the address they gave is proven by the confirmation link (``call_confirm``), the same link
pattern as signatures and letters. A report without an email is counted by its country and
holds no name. The same address reporting twice on the same action counts once (database
constraint). Reports are screened like every participation
(``participation.participation_verdict``): one from a blocked source, or over the rate
limits, is kept but flagged, never counted unless staff validate it, and not emailed.
"""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from outcry.actions import emails
from outcry.actions.models import Call, CallAction, ParticipationState
from outcry.actions.participation import (
    Consents,
    Outcome,
    Participant,
    ParticipationRules,
    participation_confirm,
    participation_create,
    participation_send_confirmation,
    participation_to_confirm,
)
from outcry.actions.participation import confirmation_token as participation_token
from outcry.core.confirmation import ResumeEmail

CONFIRM_TOKEN_SALT = "outcry.actions.call-confirm"  # noqa: S105 - a salt, not a secret


def _has_a_wish_to_confirm(call: Call) -> bool:
    # Only a wish that needs a proven address is worth an email; a flagged report gets
    # none (it waits for staff).
    return call.state == ParticipationState.VALIDATED and (
        call.named_to_target or call.keep_informed
    )


CALL = ParticipationRules(
    kind="call",
    token_salt=CONFIRM_TOKEN_SALT,
    confirmation_task="outcry.actions.tasks.send_call_confirmation",
    counted_when_made=True,
    asks_confirmation=_has_a_wish_to_confirm,
    confirm_related=("action", "action__office", "action__case", "supporter"),
)


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
    consents: Consents,
    source_url: str,
    ip_hash: str,
    source: str = "",
) -> Outcome:
    """Take a call report; the caller shows the same page whatever the outcome.

    ``email`` may be "": the report is then counted by country only (no supporter, no name
    kept, neither "name me" nor "keep me informed", which need a proven address). With an
    email, the same address reports once per action, and those wishes wait for the
    confirmation link (sent only when there is a wish to confirm). Raises ActionClosed.
    """
    return participation_create(
        rules=CALL,
        action=action,
        participant=Participant(
            email=email,
            first_name=first_name,
            last_name=last_name,
            country=country,
            language=language,
            city=city,
        ),
        consents=consents,
        source_url=source_url,
        ip_hash=ip_hash,
        source=source,
        own_fields={"outcome": outcome},
    )


def confirmation_token(call: Call) -> str:
    return participation_token(call, rules=CALL)


def call_to_confirm(*, token: str) -> Call:
    """The call report the link names whose address is not yet confirmed, read only (the
    page with the button), or TokenExpired / TokenInvalid / AlreadyConfirmed."""
    return participation_to_confirm(rules=CALL, token=token)


def call_confirm(
    *, token: str, resume_email: ResumeEmail | None = None, found: Call | None = None
) -> Call:
    """Confirm the address of the call report the link names: from now on its caller may
    be named (if they asked) and kept informed (if they asked). The report was counted
    already; confirming it counts nothing again. ``resume_email`` as for
    ``signature_confirm``, and ``found``."""
    return participation_confirm(
        rules=CALL,
        participation=found or call_to_confirm(token=token),
        resume_email=resume_email,
    )


def call_send_confirmation(*, call_id: int, attempt: int = 0) -> str:
    return participation_send_confirmation(
        rules=CALL, participation_id=call_id, attempt=attempt, email=emails.call_confirmation
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
