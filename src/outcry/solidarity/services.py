"""Every write to messages of solidarity: writing, confirming, moderating, showing.

Writing is the public web tier's one short transaction, like signing: the supporter (if
new), the message with its words sealed, the "keep me informed" consent record and the
confirmation email's task. The web tier never opens what it sealed. Everything that needs
the words (moderation, the public display copy, the pack) runs in the staff tier or the
worker, which hold the private key.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from outcry.actions.counting import action_count
from outcry.actions.models import ParticipationState
from outcry.actions.participation import (
    Consents,
    ConsentText,
    Outcome,
    Participant,
    ParticipationRules,
    participation_confirm,
    participation_create,
    participation_send_confirmation,
    participation_to_confirm,
)
from outcry.actions.participation import confirmation_token as participation_token
from outcry.comments.models import BlockedTerm
from outcry.comments.services import comment_rate_limited, domain_matches, word_matches
from outcry.comments.text import link_hosts, link_urls
from outcry.core.audit import AUDIT_IDS_LIMIT, audit_record
from outcry.core.crypto import unseal
from outcry.core.errors import OutcryError, RateLimited
from outcry.solidarity import emails
from outcry.solidarity.models import (
    FIRST_NAME_MAX_LENGTH,
    Moderation,
    SolidarityAction,
    SolidarityMessage,
)

CONFIRM_TOKEN_SALT = "outcry.solidarity.message-confirm"  # noqa: S105 - a salt, not a secret
KIND = "solidarity"

State = ParticipationState


class MessageInvalid(OutcryError):
    """The message is empty or over the action's limit; nothing was stored."""

    code = "message_invalid"
    status = 400


# How a message of solidarity takes part: confirmed by its emailed link like any other
# kind, then validated (and counted) only when a moderator approves it.
MESSAGE = ParticipationRules(
    kind=KIND,
    token_salt=CONFIRM_TOKEN_SALT,
    confirmation_task="outcry.solidarity.tasks.send_message_confirmation",
    closed_message=_lazy("This action is closed."),
    confirm_related=("action", "action__case", "supporter"),
    validated_on_confirm=False,
    adopts_name=False,
)


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
            matched, label = domain_matches(needle, hosts), f"blocked domain “{needle}”"
        else:
            matched = word_matches(needle, f"{first_name}\n{text}")
            label = f"blocked word “{needle}”"
        if matched:
            verdict.reasons.append(label)
            verdict.spam = verdict.spam or term.effect == BlockedTerm.Effect.SPAM
    links = len(link_urls(text))
    if links > settings.COMMENT_MAX_LINKS:
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
) -> Outcome:
    """Take a message; the writer sees the same page whatever the outcome.

    Over the comments' per-address rate limits nothing is stored (RateLimited). The rest
    is the take-part core's (``actions.participation``): blocked sources and a flooded
    mailbox keep it unsent and uncounted, as for every kind. A blocked term set to "spam"
    keeps it rejected at once; links beyond the comments' limit and "hold" terms are noted
    for the moderator. A second message from the same address on the same action writes
    nothing.
    """
    text = normalise_text(text)
    first_name = first_name.strip()
    if not text or not first_name:
        raise MessageInvalid(_("A first name and a message are required."))
    if len(text) > action.max_length or len(first_name) > FIRST_NAME_MAX_LENGTH:
        raise MessageInvalid(_("The message is too long."))
    if comment_rate_limited(ip_hash=ip_hash):
        raise RateLimited
    verdict = _assess(first_name=first_name, email=email.strip(), text=text)
    if verdict.spam:
        verdict.reasons.insert(0, "spam")
    return participation_create(
        rules=MESSAGE,
        action=action,
        # A first name only: the message is signed with it, never with a surname or a city.
        participant=Participant(
            email=email, first_name=first_name, last_name="", country=country, language=language
        ),
        consents=Consents(keep_informed=keep_informed, keep_informed_asked=consent),
        source_url=source_url,
        ip_hash=ip_hash,
        source=source,
        own_fields={
            "message_language": message_language,
            "moderation": Moderation.REJECTED if verdict.spam else Moderation.HELD,
            "held_reason": "; ".join(verdict.reasons)[:300],
        },
        own_words={"message": text},
        screened_out=verdict.spam,
    )


def confirmation_token(message: SolidarityMessage) -> str:
    return participation_token(message, rules=MESSAGE)


def message_to_confirm(*, token: str) -> SolidarityMessage:
    """The unconfirmed message the link names, read only (the page with the button), or
    TokenExpired / TokenInvalid / AlreadyConfirmed."""
    return participation_to_confirm(rules=MESSAGE, token=token)


def message_confirm(
    *,
    token: str,
    resume_email: ConsentText | None = None,
    found: SolidarityMessage | None = None,
) -> SolidarityMessage:
    """Confirm the address of the message the link names. The message then waits for a
    moderator: nothing is counted or shown before one approves it. ``resume_email`` and
    ``found`` as for ``signature_confirm``."""
    return participation_confirm(
        rules=MESSAGE,
        participation=found or message_to_confirm(token=token),
        resume_email=resume_email,
    )


def message_send_confirmation(*, message_id: int, attempt: int = 0) -> str:
    """Email the writer the link that confirms their address (worker only: it unseals)."""
    return participation_send_confirmation(
        rules=MESSAGE,
        participation_id=message_id,
        attempt=attempt,
        email=emails.message_confirmation,
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
            event="solidarity.solidaritymessage.approved",
            objects=approvable,
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
            event="solidarity.solidaritymessage.rejected",
            extra={"count": changed, "ids": pks[:AUDIT_IDS_LIMIT]},
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
                event="solidarity.solidarityaction.messages_shown"
                if action.show_on_case_page
                else "solidarity.solidarityaction.messages_hidden",
                obj=action,
                extra={"count": changed},
            )
    return changed
