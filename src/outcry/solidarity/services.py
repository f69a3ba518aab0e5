"""Every write to messages of solidarity: writing, confirming, moderating, showing.

Writing is the public web tier's one short transaction, like signing: the supporter (if
new), the message with its words sealed, the "keep me informed" consent record and the
confirmation email's task. The web tier never opens what it sealed. Everything that needs
the words (moderation, the public display copy, the pack) runs in the staff tier or the
worker, which hold the private key.
"""

from dataclasses import dataclass, field

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outcry.actions import hooks
from outcry.actions.counting import action_count
from outcry.actions.models import FlagReason, ParticipationState
from outcry.actions.services import (
    AlreadyConfirmed,
    ConsentText,
    SignOutcome,
    TokenInvalid,
    _blocked_reason,
    _email_domain,
    _mailbox_flooded,
    confirmation_uuid,
    consents_record,
)
from outcry.comments.models import BlockedTerm
from outcry.comments.services import (
    RateLimited,
    _domain_matches,
    _rate_limited,
    _word_matches,
    comment_setting,
)
from outcry.comments.text import link_hosts, link_urls
from outcry.core.audit import audit_record
from outcry.core.crypto import email_hash, seal, unseal
from outcry.core.mail import send_once
from outcry.core.models import AuditEvent
from outcry.core.queue import enqueue_with_transaction
from outcry.solidarity.models import (
    FIRST_NAME_MAX_LENGTH,
    Moderation,
    SolidarityAction,
    SolidarityMessage,
)
from outcry.supporters.models import ConsentRecord
from outcry.supporters.services import supporter_get_or_create

CONFIRM_TOKEN_SALT = "outcry.solidarity.message-confirm"  # noqa: S105 - a salt, not a secret
KIND = "solidarity"

State = ParticipationState


class ActionClosed(Exception):
    """The action is not taking messages (draft, closed, or past its closing date)."""


class MessageInvalid(Exception):
    """The message is empty or over the action's limit; nothing was stored."""


def count_worded(action: SolidarityAction, count: int) -> str:
    return ngettext("%(count)s message of solidarity", "%(count)s messages of solidarity", count)


def invitation(action: SolidarityAction) -> str:
    """What the case page invites supporters to do, in the active language."""
    return _("Send a message of solidarity to %(recipient)s") % {"recipient": action.recipient}


def normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass
class _Verdict:
    """What the spam defences found: reasons to show the moderator, and whether it is spam
    (a blocked term set to "spam": never emailed, rejected at once, never counted)."""

    reasons: list[str] = field(default_factory=list)
    spam: bool = False


def _assess(*, first_name: str, email: str, text: str) -> _Verdict:
    """The comments' defences, with their blocked terms and their link limit: every message
    waits for a moderator anyway, so a "hold" term only tells them why to look closely."""
    verdict = _Verdict()
    hosts = link_hosts(text)
    hosts.add(email.rpartition("@")[2].lower())
    for term in BlockedTerm.objects.all():
        needle = term.term.strip().lower()
        if not needle:
            continue
        if term.kind == BlockedTerm.Kind.DOMAIN:
            matched, label = _domain_matches(needle, hosts), f"blocked domain “{needle}”"
        else:
            matched = _word_matches(needle, f"{first_name}\n{text}")
            label = f"blocked word “{needle}”"
        if matched:
            verdict.reasons.append(label)
            verdict.spam = verdict.spam or term.effect == BlockedTerm.Effect.SPAM
    links = len(link_urls(text))
    if links > comment_setting("COMMENT_MAX_LINKS"):
        verdict.reasons.append(f"{links} links")
    return verdict


def message_create(
    *,
    action: SolidarityAction,
    email: str,
    first_name: str,
    country: str,
    text: str,
    message_language: str,
    language: str,
    keep_informed: bool,
    consent: ConsentText,
    source_url: str,
    ip_hash: str,
    source: str = "",
) -> SignOutcome:
    """Take a message; the writer sees the same page whatever the outcome.

    Over the comments' per-address rate limits nothing is stored (RateLimited). A blocked
    email domain or address (as for signatures), a flooded mailbox, or a blocked term set
    to "spam" keeps the message unsent and uncounted; links beyond the comments' limit and
    "hold" terms are noted for the moderator. A second message from the same address on
    the same action writes nothing.
    """
    if not action.is_open:
        raise ActionClosed
    text = normalise_text(text)
    first_name = first_name.strip()
    if not text or not first_name:
        raise MessageInvalid(_("A first name and a message are required."))
    if len(text) > action.max_length or len(first_name) > FIRST_NAME_MAX_LENGTH:
        raise MessageInvalid(_("The message is too long."))
    if _rate_limited(ip_hash=ip_hash):
        raise RateLimited
    email = email.strip()
    verdict = _assess(first_name=first_name, email=email, text=text)
    state, flag_reason, send_email = State.PENDING, "", True
    moderation = Moderation.HELD
    blocked = _blocked_reason(domain=_email_domain(email), ip_hash=ip_hash)
    if blocked:
        state, flag_reason, send_email = State.FLAGGED, blocked, False
    elif _mailbox_flooded(email):
        state, flag_reason, send_email = State.FLAGGED, FlagReason.MAILBOX_RATE, False
    if verdict.spam:
        verdict.reasons.insert(0, "spam")
        state, moderation, send_email = State.INVALIDATED, Moderation.REJECTED, False
    from outcry.solidarity import tasks  # tasks import services; keep the cycle lazy

    try:
        with transaction.atomic():
            supporter, _created = supporter_get_or_create(
                email=email, first_name=first_name, last_name="", country=country, language=language
            )
            message = SolidarityMessage.objects.create(
                action=action,
                supporter=supporter,
                email_hash=supporter.email_hash,
                country=country,
                language=language,
                message_language=message_language,
                keep_informed=keep_informed,
                personal_data=seal({"first_name": first_name, "message": text}),
                source=source,
                ip_hash=ip_hash,
                state=state,
                flag_reason=flag_reason,
                moderation=moderation,
                held_reason="; ".join(verdict.reasons)[:300],
            )
            consents_record(
                supporter=supporter,
                language=language,
                source_url=source_url,
                answers=[(ConsentRecord.Purpose.KEEP_INFORMED, consent, keep_informed)],
            )
            if send_email:
                enqueue_with_transaction(tasks.send_message_confirmation, message.pk)
    except IntegrityError:
        if not SolidarityMessage.objects.filter(
            action=action, email_hash=email_hash(email)
        ).exists():
            raise
        return SignOutcome.DUPLICATE
    return SignOutcome.CREATED if state == State.PENDING else SignOutcome.FLAGGED


def confirmation_token(message: SolidarityMessage) -> str:
    return signing.TimestampSigner(salt=CONFIRM_TOKEN_SALT).sign(message.uuid.hex)


def message_to_confirm(*, token: str) -> SolidarityMessage:
    """The unconfirmed message the link names, read only (the page with the button), or
    TokenExpired / TokenInvalid / AlreadyConfirmed."""
    message_uuid = confirmation_uuid(token=token, salt=CONFIRM_TOKEN_SALT)
    message = (
        SolidarityMessage.objects.select_related("action", "action__case", "supporter")
        .filter(uuid=message_uuid)
        .first()
    )
    if message is None or message.state == State.INVALIDATED:
        raise TokenInvalid
    if message.confirmed_at is not None:
        raise AlreadyConfirmed
    return message


def message_confirm(*, token: str, resume_email: ConsentText | None = None) -> SolidarityMessage:
    """Confirm the address of the message the link names. The message then waits for a
    moderator: nothing is counted or shown before one approves it. ``resume_email`` as
    for ``signature_confirm``."""
    message = message_to_confirm(token=token)
    now = timezone.now()
    with transaction.atomic():
        confirmed = (
            SolidarityMessage.objects.filter(pk=message.pk, confirmed_at__isnull=True)
            .exclude(state=State.INVALIDATED)
            .update(confirmed_at=now)
        )
        if confirmed:
            type(message.supporter).objects.filter(
                pk=message.supporter_id, email_confirmed_at__isnull=True
            ).update(email_confirmed_at=now)
            message.confirmed_at = now
            # "Keep me informed" follows the case; a case that is not public has nothing
            # to subscribe to (and a solidarity action has no office to fall back on).
            if not message.keep_informed or message.action.public_case is not None:
                hooks.confirmed(message, resume_email=resume_email)
    if not confirmed:
        message.refresh_from_db(fields=["confirmed_at"])
        if message.confirmed_at is not None:
            raise AlreadyConfirmed
        raise TokenInvalid
    return message


def message_send_confirmation(*, message_id: int, attempt: int = 0) -> str:
    """Email the writer the link that confirms their address (worker only: it unseals)."""
    from outcry.solidarity import emails, tasks

    def build(message: SolidarityMessage):
        if message.confirmed_at is not None or message.state not in {State.PENDING, State.FLAGGED}:
            return None
        return emails.message_confirmation(message, token=confirmation_token(message))

    def bounced(message: SolidarityMessage, exc: Exception) -> None:
        SolidarityMessage.objects.filter(pk=message.pk).update(confirmation_bounced=True)

    return send_once(
        queryset=SolidarityMessage.objects.select_related("action", "supporter"),
        pk=message_id,
        sent_field="confirmation_sent_at",
        build=build,
        retry_task=tasks.send_message_confirmation,
        attempt=attempt,
        on_bounce=bounced,
    )


def _ids(messages: QuerySet[SolidarityMessage] | list[SolidarityMessage]) -> list[int]:
    if isinstance(messages, QuerySet):
        return list(messages.values_list("pk", flat=True))
    return [message.pk for message in messages]


def _display_copy(message: SolidarityMessage) -> dict[str, str]:
    """The first name and the text to show publicly (staff tier or worker: it unseals)."""
    words = unseal(message.personal_data) if message.personal_data else {}
    return {
        "shown_name": words.get("first_name", "")[:FIRST_NAME_MAX_LENGTH],
        "shown_text": words.get("message", ""),
    }


def _recount(action_ids: set[int]) -> None:
    for action_id in sorted(action_ids):
        action_count(kind=KIND, action_id=action_id)


def messages_approve(
    *, messages: QuerySet[SolidarityMessage] | list[SolidarityMessage], actor
) -> int:
    """A moderator approves messages in bulk: those whose writers confirmed their address
    are validated (then counted, shown if the action shows them, printed in packs); the
    others wait for their confirmation. One audit row. Returns how many were approved."""
    now = timezone.now()
    moderator = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        pks = _ids(messages)
        approvable = list(
            SolidarityMessage.objects.select_for_update(of=("self",))
            .filter(pk__in=pks, confirmed_at__isnull=False)
            .exclude(moderation=Moderation.APPROVED)
            .select_related("action")
        )
        for message in approvable:
            shown = _display_copy(message) if message.action.show_on_case_page else {}
            SolidarityMessage.objects.filter(pk=message.pk).update(
                moderation=Moderation.APPROVED,
                state=State.VALIDATED,
                validated_at=now,
                moderated_at=now,
                moderated_by=moderator,
                **shown,
            )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.VALIDATE,
            object_type="solidarity.solidaritymessage",
            detail=f"approved {len(approvable)} message(s); "
            f"ids={','.join(str(m.pk) for m in approvable[:1000])}",
        )
    _recount({message.action_id for message in approvable})
    return len(approvable)


def messages_reject(
    *, messages: QuerySet[SolidarityMessage] | list[SolidarityMessage], actor
) -> int:
    """A moderator rejects messages in bulk: never counted (or no longer), never shown,
    never printed. One audit row. Returns how many changed."""
    now = timezone.now()
    moderator = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        pks = _ids(messages)
        rows = SolidarityMessage.objects.filter(pk__in=pks).exclude(moderation=Moderation.REJECTED)
        action_ids = set(rows.values_list("action_id", flat=True))
        changed = rows.update(
            moderation=Moderation.REJECTED,
            state=State.INVALIDATED,
            moderated_at=now,
            moderated_by=moderator,
            shown_name="",
            shown_text="",
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.INVALIDATE,
            object_type="solidarity.solidaritymessage",
            detail=f"rejected {changed} message(s); ids={','.join(map(str, pks[:1000]))}",
        )
    _recount(action_ids)
    return changed


def action_display_sync(*, action: SolidarityAction, actor) -> int:
    """After staff turn the case-page display on or off: write the public copies of the
    approved messages, or remove them all. Staff tier (it unseals). Returns how many rows
    changed; audited when any did."""
    approved = SolidarityMessage.objects.filter(action=action, state=State.VALIDATED)
    with transaction.atomic():
        if action.show_on_case_page:
            changed = 0
            for message in approved.filter(Q(shown_text="") | Q(shown_name="")):
                changed += SolidarityMessage.objects.filter(pk=message.pk).update(
                    **_display_copy(message)
                )
        else:
            changed = (
                SolidarityMessage.objects.filter(action=action)
                .exclude(shown_text="", shown_name="")
                .update(shown_name="", shown_text="")
            )
        if changed:
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CHANGE,
                obj=action,
                detail=f"{'showed' if action.show_on_case_page else 'hid'} {changed} message(s)",
            )
    return changed
