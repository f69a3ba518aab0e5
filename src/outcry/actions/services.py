"""Every write to petitions and signatures.

The signing path is the hot path of a viral day: it does one short transaction, never talks
to SMTP and never touches the petition's row. Confirmations are counted in batches by the
worker (``petition_count_signatures``), so no single counter row is updated per signature.
"""

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from outcry.actions import emails, hooks
from outcry.actions.challenge import challenge_issue, challenge_solved
from outcry.actions.models import BlockedSource, OfflineSignatures, Petition, Signature
from outcry.core.audit import audit_record
from outcry.core.crypto import blind_index, email_hash, normalise_email, seal, unseal
from outcry.core.mail import (
    EMAIL_MAX_ATTEMPTS,
    PermanentDeliveryFailure,
    TemporaryDeliveryFailure,
    backoff_seconds,
    deliver,
    send_once,
)
from outcry.core.models import AuditEvent
from outcry.core.queue import enqueue
from outcry.core.ratelimit import rate_limit_exceeded, sustained_bucket
from outcry.supporters.models import ConsentRecord
from outcry.supporters.services import consent_record, supporter_get_or_create, supporter_rename

logger = logging.getLogger(__name__)

CONFIRM_TOKEN_SALT = "outcry.actions.signature-confirm"  # noqa: S105 - a salt, not a secret
DUPLICATE_NOTICE_INTERVAL = timedelta(hours=1)
COUNT_BATCH_SIZE = 5000

NAMED_TO_TARGET = ConsentRecord.Purpose.NAMED_TO_TARGET


class SigningClosed(Exception):
    """The petition is not taking signatures (draft, closed, or past its closing date)."""


class SigningPaused(Exception):
    """Staff have paused signing on this petition."""


class TokenInvalid(Exception):
    """The confirmation link was altered, or never issued by us."""


class TokenExpired(Exception):
    """The confirmation link is older than SIGNATURE_CONFIRMATION_MAX_AGE."""


class AlreadyConfirmed(Exception):
    """The link was followed before; the signature is already counted."""


class ChallengeRequired(Exception):
    """Past a rate limit: the signer's browser is asked to solve ``challenge`` first (or,
    without JavaScript, to send the signature again as flagged). Nothing was written."""

    def __init__(self, *, challenge: str, difficulty: int) -> None:
        super().__init__("challenge required")
        self.challenge = challenge
        self.difficulty = difficulty


@dataclass(frozen=True)
class ChallengeAnswer:
    """What the signer sent back from the challenge page."""

    challenge: str = ""
    solution: str = ""
    # Sent without solving (no JavaScript): kept flagged, still emailed.
    fallback: bool = False


class SignOutcome(enum.Enum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class ConsentText:
    wording: str
    version: str


def consents_record(
    *,
    supporter,
    language: str,
    source_url: str,
    answers: list[tuple[str, ConsentText | None, bool]],
) -> None:
    """Record what a supporter answered when acting: (purpose, wording shown, answer).

    "Keep me informed" is recorded either way. A consent to share something (their name
    with the official, their address as Reply-To) is recorded only when given: "no" is the
    default and shares nothing, and the hot path stays a row lighter for most people.
    """
    for purpose, consent, given in answers:
        if consent is None or (not given and purpose != ConsentRecord.Purpose.KEEP_INFORMED):
            continue
        consent_record(
            supporter=supporter,
            purpose=purpose,
            wording=consent.wording,
            wording_version=consent.version,
            language=language,
            given=given,
            source_url=source_url,
        )


def participant_words(first_name: str, last_name: str, city: str) -> dict[str, str]:
    """What a participation seals of the person as they gave it when acting."""
    return {
        "name": f"{first_name} {last_name}".strip(),
        "first_name": first_name,
        "last_name": last_name,
        "city": city,
    }


def participation_adopt_name(*, participation) -> None:
    """The participation is confirmed: its address's owner gave this name, so the
    supporter record takes it (in the worker, which alone can open and reseal the record).
    Queued on commit by each confirm service; an unconfirmed action never renames anyone."""
    label = participation._meta.label_lower
    pk = participation.pk
    transaction.on_commit(
        lambda: enqueue(
            "outcry.actions.tasks.adopt_confirmed_name", label, pk, with_transaction=False
        )
    )


def supporter_adopt_confirmed_name(*, label: str, participation_id: int) -> str:
    participation = (
        apps.get_model(label).objects.select_related("supporter").get(pk=participation_id)
    )
    if participation.supporter is None or not participation.personal_data:
        return "nothing to adopt"
    words = unseal(participation.personal_data)
    if "first_name" not in words:  # sealed before names were kept apart: nothing to split
        return "no name"
    supporter_rename(
        supporter=participation.supporter,
        first_name=words["first_name"],
        last_name=words.get("last_name", ""),
    )
    return "renamed"


def _check_open(petition: Petition) -> None:
    if not petition.is_open:
        raise SigningClosed
    if petition.signing_paused:
        raise SigningPaused


def _rate_limited(ip_hash: str) -> str:
    """The name of the limit this address has passed, or "" when within limits."""
    if not ip_hash:
        return ""
    if rate_limit_exceeded(
        key=f"sign:{ip_hash}", limit=settings.SIGN_RATE_BURST_PER_MINUTE, window_seconds=60
    ):
        return "burst rate limit"
    if rate_limit_exceeded(
        key=f"sign:{sustained_bucket(ip_hash)}",
        limit=settings.SIGN_RATE_SUSTAINED_PER_HOUR,
        window_seconds=3600,
    ):
        return "sustained rate limit"
    return ""


FlagReason = Signature.FlagReason
_BLOCKED = {FlagReason.BLOCKED_DOMAIN, FlagReason.BLOCKED_IP}


def _email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def _blocked_reason(*, domain: str, ip_hash: str) -> str:
    """BLOCKED_DOMAIN or BLOCKED_IP when staff block this source, else "". One query."""
    labels = domain.split(".")
    domains = [".".join(labels[i:]) for i in range(len(labels))]  # and its parents
    query = Q(kind=BlockedSource.Kind.EMAIL_DOMAIN, value__in=domains)
    if ip_hash:
        query |= Q(kind=BlockedSource.Kind.IP_HASH, value=ip_hash)
    kinds = set(BlockedSource.objects.filter(query).values_list("kind", flat=True))
    if BlockedSource.Kind.EMAIL_DOMAIN in kinds:
        return FlagReason.BLOCKED_DOMAIN
    if BlockedSource.Kind.IP_HASH in kinds:
        return FlagReason.BLOCKED_IP
    return ""


def _limit_passed(*, ip_hash: str, domain: str) -> str:
    """The limit this submission passed (IP burst, IP sustained, email domain), or ""."""
    if ip_hash:
        if rate_limit_exceeded(
            key=f"sign:{ip_hash}", limit=settings.SIGN_RATE_BURST_PER_MINUTE, window_seconds=60
        ):
            return FlagReason.IP_BURST
        if rate_limit_exceeded(
            key=f"sign:{sustained_bucket(ip_hash)}",
            limit=settings.SIGN_RATE_SUSTAINED_PER_HOUR,
            window_seconds=3600,
        ):
            return FlagReason.IP_SUSTAINED
    # One flood source need not be one IP: many new addresses at one small domain are too.
    if domain not in settings.SIGN_DOMAIN_RATE_EXEMPT and rate_limit_exceeded(
        key=f"sign-domain:{blind_index(domain)}",
        limit=settings.SIGN_DOMAIN_RATE_PER_HOUR,
        window_seconds=3600,
    ):
        return FlagReason.DOMAIN_RATE
    return ""


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches, plus tags folded (``a+1@x`` and ``a+2@x`` are one),
    as a blind index. Only for throttling mail: identity (dedup) keeps the tags, since at
    most providers they may be different people's addresses only by convention."""
    local, _, domain = normalise_email(email).rpartition("@")
    return blind_index(f"{local.split('+', 1)[0]}@{domain}")


def _mailbox_flooded(email: str) -> bool:
    return rate_limit_exceeded(
        key=f"sign-mailbox:{mailbox_key(email)}",
        limit=settings.SIGN_MAILBOX_RATE_PER_HOUR,
        window_seconds=3600,
    )


def _signing_verdict(
    *, petition: Petition, email: str, ip_hash: str, answer: ChallengeAnswer | None
) -> tuple[str, str, bool]:
    """(state, flag reason, send the confirmation email?) for a new submission.

    Blocked sources get no email and never count. Past a rate limit the signer must solve
    the challenge (then pending as usual, the limit noted) or, without JavaScript, accept
    being flagged: either way they are emailed and count once they confirm. Raises
    ChallengeRequired when neither was sent yet.
    """
    domain = _email_domain(email)
    blocked = _blocked_reason(domain=domain, ip_hash=ip_hash)
    if blocked:
        return Signature.State.FLAGGED, blocked, False
    reason = _limit_passed(ip_hash=ip_hash, domain=domain)
    state = Signature.State.PENDING
    if reason:
        subject = f"{petition.pk}:{email_hash(email)}"
        answer = answer or ChallengeAnswer()
        solved = challenge_solved(
            challenge=answer.challenge, solution=answer.solution, subject=subject
        )
        if not solved and not answer.fallback:
            raise ChallengeRequired(
                challenge=challenge_issue(subject=subject),
                difficulty=settings.SIGN_CHALLENGE_DIFFICULTY_BITS,
            )
        if not solved:
            state = Signature.State.FLAGGED
    if _mailbox_flooded(email):
        # Someone is mail-bombing one mailbox through us: keep it for a moderator, unsent.
        return Signature.State.FLAGGED, FlagReason.MAILBOX_RATE, False
    return state, reason, True


def signature_create(
    *,
    petition: Petition,
    email: str,
    first_name: str,
    last_name: str,
    country: str,
    language: str,
    keep_informed: bool,
    consent: ConsentText,
    source_url: str,
    ip_hash: str,
    named_to_target: bool = False,
    named_consent: ConsentText | None = None,
    city: str = "",
    source: str = "",
    challenge_answer: ChallengeAnswer | None = None,
) -> SignOutcome:
    """Take a signature. The caller shows the same page whatever the outcome.

    A duplicate (same normalised email on the same petition) writes nothing; the address's
    owner gets a polite "you have already signed" email at most once an hour. Past a rate
    limit, see ``_signing_verdict``: the signer is never silently dropped, and nothing
    counts before the address's owner follows the emailed link.
    """
    _check_open(petition)
    state, flag_reason, send_email = _signing_verdict(
        petition=petition, email=email, ip_hash=ip_hash, answer=challenge_answer
    )
    try:
        with transaction.atomic():
            supporter, _ = supporter_get_or_create(
                email=email,
                first_name=first_name,
                last_name=last_name,
                country=country,
                language=language,
            )
            signature = Signature.objects.create(
                petition=petition,
                supporter=supporter,
                email_hash=supporter.email_hash,
                country=country,
                language=language,
                keep_informed=keep_informed,
                named_to_target=named_to_target,
                # The name as given here, sealed with the city in one box: the package and
                # this signature's emails use it, never the name another form first typed.
                personal_data=seal(participant_words(first_name, last_name, city)),
                source=source,
                ip_hash=ip_hash,
                state=state,
                flag_reason=flag_reason,
            )
            consents_record(
                supporter=supporter,
                language=language,
                source_url=source_url,
                answers=[
                    (ConsentRecord.Purpose.KEEP_INFORMED, consent, keep_informed),
                    (NAMED_TO_TARGET, named_consent, named_to_target),
                ],
            )
            if send_email:
                # The reminder is queued by the worker once the confirmation has gone out.
                enqueue("outcry.actions.tasks.send_signature_confirmation", signature.pk)
    except IntegrityError:
        existing = Signature.objects.filter(petition=petition, email_hash=email_hash(email)).first()
        if existing is None:  # not a duplicate after all: let the error surface
            raise
        if send_email:
            # Also how the owner of an address that a blocked source signed with gets
            # their link: the stored signature is theirs once they confirm it.
            _notify_duplicate(existing)
        return SignOutcome.DUPLICATE
    return SignOutcome.FLAGGED if state == Signature.State.FLAGGED else SignOutcome.CREATED


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


def confirmation_token(signature: Signature) -> str:
    return signing.TimestampSigner(salt=CONFIRM_TOKEN_SALT).sign(signature.uuid.hex)


def confirmation_uuid(*, token: str, salt: str) -> uuid.UUID:
    """The UUID a confirmation link names (signatures and letters), or TokenExpired /
    TokenInvalid."""
    signer = signing.TimestampSigner(salt=salt)
    try:
        uuid_hex = signer.unsign(token, max_age=settings.SIGNATURE_CONFIRMATION_MAX_AGE)
        return uuid.UUID(hex=uuid_hex)
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    # ValueError: a value signed with our key but not by us (no timestamp, not a UUID).
    except (signing.BadSignature, ValueError) as exc:
        raise TokenInvalid from exc


def signature_to_confirm(*, token: str) -> Signature:
    """The pending signature the link names, read only (the page with the button), or
    TokenExpired / TokenInvalid / AlreadyConfirmed."""
    signature_uuid = confirmation_uuid(token=token, salt=CONFIRM_TOKEN_SALT)
    signature = (
        Signature.objects.select_related(
            "petition", "petition__case", "petition__office", "supporter"
        )
        .filter(uuid=signature_uuid)
        .first()
    )
    if signature is None:
        raise TokenInvalid
    if signature.state == Signature.State.VALIDATED:
        raise AlreadyConfirmed
    # A flagged signature confirms like any other: its address's owner proving themselves
    # is what the flag waited for (staff can still invalidate it).
    if signature.state not in (Signature.State.PENDING, Signature.State.FLAGGED):
        raise TokenInvalid
    return signature


def signature_confirm(*, token: str, resume_email: ConsentText | None = None) -> Signature:
    """Confirm the signature the link names; it is then counted exactly once.

    ``resume_email``: the words of the box the signer ticked on the confirmation page to
    hear from us again after an "unsubscribe from everything"; without it, their "keep me
    informed" does not undo that (see subscriptions.services).
    """
    signature = signature_to_confirm(token=token)
    now = timezone.now()
    with transaction.atomic():
        confirmed = Signature.objects.filter(
            pk=signature.pk, state__in=[Signature.State.PENDING, Signature.State.FLAGGED]
        ).update(state=Signature.State.VALIDATED, validated_at=now, confirmed_at=now)
        if confirmed:
            type(signature.supporter).objects.filter(
                pk=signature.supporter_id, email_confirmed_at__isnull=True
            ).update(email_confirmed_at=now)
            signature.state = Signature.State.VALIDATED
            signature.validated_at = now
            hooks.confirmed(signature, resume_email=resume_email)
            participation_adopt_name(participation=signature)
            transaction.on_commit(lambda: petition_request_count(petition_id=signature.petition_id))
    if not confirmed:
        signature.refresh_from_db(fields=["state"])
        if signature.state == Signature.State.VALIDATED:
            raise AlreadyConfirmed
        raise TokenInvalid
    signature.state = Signature.State.VALIDATED
    signature.validated_at = now
    return signature


def petition_request_count(*, petition_id: int) -> None:
    """Ask the worker to count this petition's new confirmations soon.

    Called after commit. One count task is queued per COUNT_BATCH_DELAY window: the key is
    removed by the task before it counts, so a confirmation that committed after that sees
    no key and queues the next task, and one that found the key is seen by the pending task.
    """
    if cache.add(_count_key(petition_id), 1, timeout=int(settings.COUNT_BATCH_DELAY) + 60):
        enqueue(
            "outcry.actions.tasks.count_petition_signatures",
            petition_id,
            run_after=timezone.now() + timedelta(seconds=settings.COUNT_BATCH_DELAY),
            with_transaction=False,
        )


def _count_key(petition_id: int) -> str:
    return f"petition-count-pending:{petition_id}"


def petition_count_signatures(*, petition_id: int) -> int:
    """Fold newly validated (and newly invalidated) signatures into the petition's count.

    Each signature carries a ``counted`` flag, so the fold is exact and idempotent: running
    it twice, or in two workers, never counts anyone twice. Returns the new count.
    """
    cache.delete(_count_key(petition_id))
    while True:
        with transaction.atomic():
            to_add = list(
                Signature.objects.filter(
                    petition_id=petition_id, state=Signature.State.VALIDATED, counted=False
                ).values_list("pk", flat=True)[:COUNT_BATCH_SIZE]
            )
            to_remove = list(
                Signature.objects.filter(petition_id=petition_id, counted=True)
                .exclude(state=Signature.State.VALIDATED)
                .values_list("pk", flat=True)[:COUNT_BATCH_SIZE]
            )
            added = Signature.objects.filter(
                pk__in=to_add, state=Signature.State.VALIDATED, counted=False
            ).update(counted=True)
            removed = (
                Signature.objects.filter(pk__in=to_remove, counted=True)
                .exclude(state=Signature.State.VALIDATED)
                .update(counted=False)
            )
            if added or removed:
                Petition.objects.filter(pk=petition_id).update(
                    signature_count=F("signature_count") + added - removed,
                    counted_at=timezone.now(),
                )
        if len(to_add) < COUNT_BATCH_SIZE and len(to_remove) < COUNT_BATCH_SIZE:
            break
    return Petition.objects.values_list("signature_count", flat=True).get(pk=petition_id)


def petition_recount(*, petition: Petition) -> int:
    """Reconcile the count with the signatures themselves (staff action and command)."""
    with transaction.atomic():
        Signature.objects.filter(petition=petition, state=Signature.State.VALIDATED).update(
            counted=True
        )
        Signature.objects.filter(petition=petition).exclude(state=Signature.State.VALIDATED).update(
            counted=False
        )
        total = Signature.objects.filter(petition=petition, counted=True).count()
        Petition.objects.filter(pk=petition.pk).update(
            signature_count=total, counted_at=timezone.now()
        )
    petition.signature_count = total
    return total


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
            action="validate" if validate else "invalidate",
            object_type="actions.signature",
            detail=f"{changed} signature(s); ids={','.join(map(str, pks[:1000]))}",
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
    def build(signature: Signature):
        # A flagged signature is emailed too (blocked ones are never queued): its owner's
        # confirmation is what makes it count.
        if signature.state not in _AWAITING_CONFIRMATION:
            return None
        return emails.signature_confirmation(signature, token=confirmation_token(signature))

    def schedule_reminder(signature: Signature) -> None:
        # Counted from when the confirmation actually went out, not from the signing: after
        # an SMTP outage the reminder must not follow a late confirmation within minutes.
        enqueue(
            "outcry.actions.tasks.send_signature_reminder",
            signature.pk,
            run_after=timezone.now() + timedelta(seconds=settings.SIGNATURE_REMINDER_AFTER),
            with_transaction=False,
        )

    return send_once(
        queryset=_SIGNATURES_TO_MAIL,
        pk=signature_id,
        sent_field="confirmation_sent_at",
        build=build,
        retry_task="outcry.actions.tasks.send_signature_confirmation",
        attempt=attempt,
        on_bounce=_mark_bounced,
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
            actor=actor, action=AuditEvent.Action.CHANGE, obj=row, detail=f"added {count} offline"
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
            action=AuditEvent.Action.CHANGE,
            obj=row,
            detail=f"removed {row.count} offline",
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
            action=AuditEvent.Action.CHANGE,
            obj=blocked,
            detail=f"blocked {blocked.kind} {blocked.value}: {blocked.reason}"[:500],
        )
    return blocked


def blocked_source_remove(*, blocked: BlockedSource, actor) -> None:
    """Staff lift a block. Audited. Signatures flagged by it stay as they are."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CHANGE,
            obj=blocked,
            detail=f"unblocked {blocked.kind} {blocked.value}",
        )
        blocked.delete()
