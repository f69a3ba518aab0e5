"""Every write to petitions and signatures.

The signing path is the hot path of a viral day: it does one short transaction, never talks
to SMTP and never touches the petition's row. Confirmations are counted in batches by the
worker (``petition_count_signatures``), so no single counter row is updated per signature.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.actions import emails
from outcry.actions.counting import action_count, action_recount, action_request_count
from outcry.actions.models import BlockedSource, OfflineSignatures, Petition, Signature
from outcry.actions.participation import (
    ChallengeAnswer,
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
from outcry.core.audit import AUDIT_IDS_LIMIT, audit_record
from outcry.core.confirmation import ResumeEmail
from outcry.core.errors import OutcryError
from outcry.core.mail import (
    EMAIL_MAX_ATTEMPTS,
    PermanentDeliveryFailure,
    TemporaryDeliveryFailure,
    backoff_seconds,
    deliver,
    send_once,
)
from outcry.core.queue import enqueue

logger = logging.getLogger(__name__)

CONFIRM_TOKEN_SALT = "outcry.actions.signature-confirm"  # noqa: S105 - a salt, not a secret
DUPLICATE_NOTICE_INTERVAL = timedelta(hours=1)


class SigningPaused(OutcryError):
    """Staff have paused signing on this petition."""

    code = "action_paused"
    status = 403
    default_message = _("Signing is paused on this petition for now. Please try again later.")


def _notify_duplicate(signature: Signature) -> None:

    now = timezone.now()
    with transaction.atomic():
        claimed = (
            Signature.objects.filter(pk=signature.pk)
            .exclude(state=Signature.State.INVALIDATED)
            .filter(
                Q(duplicate_notified_at__isnull=True)
                | Q(duplicate_notified_at__lt=now - DUPLICATE_NOTICE_INTERVAL)
            )
            .update(duplicate_notified_at=now)
        )
        if claimed:
            enqueue("outcry.actions.tasks.send_duplicate_signature_notice", signature.pk)


SIGNATURE = ParticipationRules(
    kind="petition",
    token_salt=CONFIRM_TOKEN_SALT,
    confirmation_task="outcry.actions.tasks.send_signature_confirmation",
    closed_message=_("This petition is closed."),
    # The petition page offers the challenge; a signature past a limit must solve it (or,
    # without JavaScript, accept being flagged).
    challenge=True,
    on_duplicate=_notify_duplicate,
    confirm_related=("petition", "petition__case", "petition__office", "supporter"),
)


def signature_create(
    *,
    petition: Petition,
    email: str,
    first_name: str,
    last_name: str,
    country: str,
    language: str,
    consents: Consents,
    source_url: str,
    ip_hash: str,
    city: str = "",
    source: str = "",
    challenge_answer: ChallengeAnswer | None = None,
) -> Outcome:
    """Take a signature. The caller shows the same page whatever the outcome.

    A duplicate (same normalised email on the same petition) writes nothing; the address's
    owner gets a polite "you have already signed" email at most once an hour. Past a rate
    limit the signer must solve the challenge (``participation.participation_verdict``):
    never silently dropped, and nothing counts before the address's owner follows the
    emailed link. Raises ActionClosed, SigningPaused or ChallengeRequired.
    """
    if petition.is_open and petition.signing_paused:
        raise SigningPaused
    return participation_create(
        rules=SIGNATURE,
        action=petition,
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
        challenge_answer=challenge_answer,
    )


def confirmation_token(signature: Signature) -> str:
    return participation_token(signature, rules=SIGNATURE)


def signature_to_confirm(*, token: str) -> Signature:
    """The signature the link names, still awaiting confirmation, read only (the page with
    the button), or TokenExpired / TokenInvalid / AlreadyConfirmed."""
    return participation_to_confirm(rules=SIGNATURE, token=token)


def signature_confirm(
    *, token: str, resume_email: ResumeEmail | None = None, found: Signature | None = None
) -> Signature:
    """Confirm the signature the link names; it is then counted exactly once.

    ``resume_email``: the words of the box the signer ticked on the confirmation page to
    hear from us again after an "unsubscribe from everything"; without it, their "keep me
    informed" does not undo that (see subscriptions.services). ``found``: what
    ``signature_to_confirm`` returned for this token in this request, not read again (the
    UPDATE checks again that it still awaits its confirmation).
    """
    return participation_confirm(
        rules=SIGNATURE,
        participation=found or signature_to_confirm(token=token),
        resume_email=resume_email,
    )


def petition_request_count(*, petition_id: int) -> None:
    """Ask the worker to count this petition's new confirmations soon (after commit)."""
    action_request_count(kind="petition", action_id=petition_id)


def petition_count_signatures(*, petition_id: int) -> int:
    """Fold newly validated (and invalidated) signatures into the petition's count."""
    return action_count(kind="petition", action_id=petition_id)


def petition_recount(*, petition: Petition) -> int:
    """Reconcile the count with the signatures themselves (staff action and command)."""
    petition.count = action_recount(kind="petition", action_id=petition.pk)
    return petition.count


def signatures_moderate(*, signatures, validate: bool, actor) -> int:
    """Staff validate or invalidate signatures in bulk (e.g. the flagged ones).

    Validating never counts an address nobody confirmed: such a signature goes back to
    pending (emailed now if it never was) and counts once its owner follows the link.
    """

    with transaction.atomic():
        pks = list(signatures.values_list("pk", flat=True))
        if validate:
            not_validated = Signature.objects.filter(pk__in=pks).exclude(
                state=Signature.State.VALIDATED
            )
            changed = not_validated.filter(confirmed_at__isnull=False).update(
                state=Signature.State.VALIDATED, validated_at=timezone.now()
            )
            released = list(
                not_validated.filter(confirmed_at__isnull=True)
                .exclude(state=Signature.State.PENDING)
                .values_list("pk", "confirmation_sent_at")
            )
            changed += Signature.objects.filter(pk__in=[pk for pk, _ in released]).update(
                state=Signature.State.PENDING
            )
            for pk, sent_at in released:
                if sent_at is None:
                    enqueue("outcry.actions.tasks.send_signature_confirmation", pk)
        else:
            changed = (
                Signature.objects.filter(pk__in=pks)
                .exclude(state=Signature.State.INVALIDATED)
                .update(state=Signature.State.INVALIDATED)
            )
        audit_record(
            actor=actor,
            event="actions.signature.approved" if validate else "actions.signature.rejected",
            extra={"count": changed, "ids": pks[:AUDIT_IDS_LIMIT]},
        )
        petition_ids = set(
            Signature.objects.filter(pk__in=pks).values_list("petition_id", flat=True)
        )
    for petition_id in petition_ids:
        petition_count_signatures(petition_id=petition_id)
    return changed


_SIGNATURES_TO_MAIL = Signature.objects.select_related("petition", "supporter")
_AWAITING_CONFIRMATION = {Signature.State.PENDING, Signature.State.FLAGGED}


def _mark_bounced(signature: Signature, exc: Exception) -> None:
    Signature.objects.filter(pk=signature.pk).update(confirmation_bounced=True)


def signature_send_confirmation(*, signature_id: int, attempt: int = 0) -> str:
    # A flagged signature is emailed too (blocked ones are never queued): its owner's
    # confirmation is what makes it count.

    def schedule_reminder(signature: Signature) -> None:
        # Counted from when the confirmation actually went out, not from the signing: after
        # an SMTP outage the reminder must not follow a late confirmation within minutes.
        enqueue(
            "outcry.actions.tasks.send_signature_reminder",
            signature.pk,
            run_after=timezone.now() + timedelta(seconds=settings.SIGNATURE_REMINDER_AFTER),
            with_transaction=False,
        )

    return participation_send_confirmation(
        rules=SIGNATURE,
        participation_id=signature_id,
        attempt=attempt,
        email=emails.signature_confirmation,
        after_send=schedule_reminder,
    )


def signature_send_reminder(*, signature_id: int, attempt: int = 0) -> str:
    """The single reminder, SIGNATURE_REMINDER_AFTER after the confirmation went out, when
    the signature is still unconfirmed (queued by ``signature_send_confirmation``)."""

    def build(signature: Signature):
        if (
            signature.state != Signature.State.PENDING
            or signature.confirmation_sent_at is None
            or signature.confirmation_bounced
        ):
            return None
        return emails.signature_reminder(signature, token=confirmation_token(signature))

    return send_once(
        queryset=_SIGNATURES_TO_MAIL,
        pk=signature_id,
        sent_field="reminder_sent_at",
        build=build,
        retry_task="outcry.actions.tasks.send_signature_reminder",
        attempt=attempt,
        on_bounce=_mark_bounced,
    )


def signature_send_duplicate_notice(*, signature_id: int, attempt: int = 0) -> str:
    signature = Signature.objects.select_related("petition", "supporter").get(pk=signature_id)
    token = confirmation_token(signature) if signature.state in _AWAITING_CONFIRMATION else None
    try:
        deliver(emails.signature_duplicate(signature, token=token))
    except PermanentDeliveryFailure:
        return "bounced"
    except TemporaryDeliveryFailure:
        if attempt + 1 >= EMAIL_MAX_ATTEMPTS:
            return "gave up"

        enqueue(
            "outcry.actions.tasks.send_duplicate_signature_notice",
            signature_id,
            attempt=attempt + 1,
            run_after=timezone.now() + timedelta(seconds=backoff_seconds(attempt)),
            with_transaction=False,
        )
        return "retrying"
    return "sent"


def offline_signatures_add(
    *, petition: Petition, count: int, source: str, country: str = "", actor=None
) -> OfflineSignatures:
    """Add signatures gathered on paper to the petition's total, in one transaction."""
    with transaction.atomic():
        row = OfflineSignatures(
            petition=petition,
            count=count,
            source=source,
            country=country,
            added_by=actor.get_username() if actor is not None else "",
        )
        row.full_clean()
        row.save()
        Petition.objects.filter(pk=petition.pk).update(
            offline_count=F("offline_count") + count, counted_at=timezone.now()
        )
        audit_record(
            actor=actor, event="actions.offlinesignatures.added", obj=row, extra={"count": count}
        )
    petition.refresh_from_db(fields=["offline_count", "counted_at"])
    return row


def offline_signatures_remove(*, row: OfflineSignatures, actor=None) -> None:
    with transaction.atomic():
        Petition.objects.filter(pk=row.petition_id).update(
            offline_count=F("offline_count") - row.count, counted_at=timezone.now()
        )
        audit_record(
            actor=actor,
            event="actions.offlinesignatures.removed",
            obj=row,
            extra={"count": row.count},
        )
        row.delete()


def blocked_source_add(*, kind: str, value: str, reason: str, actor) -> BlockedSource:
    """Staff block an email domain or a hashed IP from signing. Audited.

    From then on a signature from it gets the usual page, no email, and never counts.
    """
    with transaction.atomic():
        blocked = BlockedSource(
            kind=kind,
            value=value,
            reason=reason,
            added_by=actor.get_username() if actor is not None else "",
        )
        blocked.full_clean()
        blocked.save()
        audit_record(
            actor=actor,
            event="actions.blockedsource.added",
            obj=blocked,
            extra={"kind": blocked.kind, "value": blocked.value, "reason": blocked.reason},
        )
    return blocked


def blocked_source_remove(*, blocked: BlockedSource, actor) -> None:
    """Staff lift a block. Audited. Signatures flagged by it stay as they are."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            event="actions.blockedsource.removed",
            obj=blocked,
            extra={"kind": blocked.kind, "value": blocked.value},
        )
        blocked.delete()
