"""Taking part, for every kind of action: one path records a participation and one path
confirms it; each kind (``services.signature_create``, ``letters.letter_create``,
``calls.call_report_create``, and any kind registered later) checks only its own fields and
hands the rest here with its ``ParticipationRules``.

Taking part is the hot path of a viral day: one short transaction writes the supporter (if
new), the participation (the person's words sealed), the consent records with the exact
wording shown, and the confirmation email task (an outbox row with the database queue). It
never talks to SMTP and never touches the action's row: counting is batched
(``counting``).

Every kind is screened the same way (``participation_verdict``): staff-blocked sources get
the usual page, no email, and never count; past a rate limit the person is never dropped
but either asked to solve the challenge (a kind whose page offers one) or flagged for a
moderator, still emailed, counting once the address's owner follows the link; a mailbox
being bombed through us is flagged and not emailed.
"""

import enum
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from outcry.actions import hooks
from outcry.actions.challenge import challenge_issue, challenge_solved
from outcry.actions.counting import action_request_count
from outcry.actions.models import BlockedSource, FlagReason, ParticipationState
from outcry.actions.registry import ActionType, action_type, action_types
from outcry.core.crypto import blind_index, email_hash, normalise_email, seal, unseal
from outcry.core.db.inserts import insert_row
from outcry.core.errors import (
    ActionClosed,
    AlreadyConfirmed,
    OutcryError,
    TokenExpired,
    TokenInvalid,
)
from outcry.core.mail import send_once
from outcry.core.queue import enqueue
from outcry.core.ratelimit import Limit, rate_limits_exceeded, sustained_bucket
from outcry.supporters.models import ConsentRecord
from outcry.supporters.services import (
    consent_record,
    supporter_confirm_email,
    supporter_prepare,
    supporter_rename,
    supporter_save,
)

State = ParticipationState
Purpose = ConsentRecord.Purpose


class ChallengeRequired(OutcryError):
    """Past a rate limit: the person's browser is asked to solve ``challenge`` first (or,
    without JavaScript, to send the form again as flagged). Nothing was written. The HTML
    view answers with the challenge page itself."""

    code = "challenge_required"
    status = 429
    default_message = _(
        "Many people have just taken part from your network. Please confirm that you are "
        "not a robot."
    )

    def __init__(self, *, challenge: str, difficulty: int) -> None:
        super().__init__()
        self.challenge = challenge
        self.difficulty = difficulty


@dataclass(frozen=True)
class ChallengeAnswer:
    """What the person sent back from the challenge page."""

    challenge: str = ""
    solution: str = ""
    # Sent without solving (no JavaScript): kept flagged, still emailed.
    fallback: bool = False


class Outcome(enum.Enum):
    """What became of a submission. The person sees the same page whatever it is (it must
    never reveal whether an address took part before); only a kind's own follow-up (a
    printed letter's PDF) may depend on it."""

    CREATED = "created"
    DUPLICATE = "duplicate"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class ConsentText:
    """The exact words a question was asked in, and their version."""

    wording: str
    version: str


@dataclass(frozen=True)
class Consents:
    """What the person answered to each consent question of the form, each answer with the
    exact words it was asked in (``None``: the form did not ask it, and nothing is
    recorded for it)."""

    keep_informed: bool = False
    named_to_target: bool = False
    # Their address given to the official as Reply-To (letters sent by email).
    reply_to: bool = False
    keep_informed_asked: ConsentText | None = None
    named_to_target_asked: ConsentText | None = None
    reply_to_asked: ConsentText | None = None

    def answers(self) -> list[tuple[str, ConsentText | None, bool]]:
        """(purpose, words shown, answer) for each question."""
        return [
            (Purpose.KEEP_INFORMED, self.keep_informed_asked, self.keep_informed),
            (Purpose.NAMED_TO_TARGET, self.named_to_target_asked, self.named_to_target),
            (Purpose.REPLY_TO_TARGET, self.reply_to_asked, self.reply_to),
        ]

    def declined(self) -> "Consents":
        """The same questions, every answer no: what a participation without a proven
        address may hold (a call reported without an email)."""
        return replace(self, keep_informed=False, named_to_target=False, reply_to=False)


@dataclass(frozen=True)
class Participant:
    """Who takes part, as they typed it on the form."""

    email: str
    first_name: str
    last_name: str
    country: str
    language: str
    city: str = ""

    def words(self) -> dict[str, str]:
        return participant_words(self.first_name, self.last_name, self.city)


def _always(participation) -> bool:
    return True


@dataclass(frozen=True)
class ParticipationRules:
    """How one kind takes part and is confirmed: what differs between kinds, and nothing
    else (the rest is this module's)."""

    # The registry's key of the kind (``"petition"``, ``"letter"``, ``"call"``).
    kind: str
    # Signs the emailed confirmation link; a link for one kind never confirms another.
    token_salt: str
    # The dotted path of the task that emails the confirmation link (by pk).
    confirmation_task: str
    # What the person reads when the action is not open.
    closed_message: str | Promise = _("This action is closed.")
    # Past a rate limit: True asks for the challenge (the kind's page offers one), False
    # flags the participation straight away (still emailed, counting once confirmed).
    challenge: bool = False
    # True when the act is its own proof (a call report): validated, hence counted, when
    # made; the emailed link then proves only the address (for naming and keeping
    # informed) and an email is optional. False: pending until the link is followed.
    counted_when_made: bool = False
    # Whether a new participation (past the screening) gets the confirmation email.
    asks_confirmation: Callable[[Any], bool] = _always
    # Called with the existing participation when the same address takes part again and
    # the screening would have emailed it (e.g. a polite "you have already signed").
    on_duplicate: Callable[[Any], None] | None = None
    # Loaded with the participation a confirmation link names (its pages show them).
    confirm_related: tuple[str, ...] = ("supporter",)
    # False when following the link proves only the address and something else validates
    # the participation later (a moderator approving a message of solidarity).
    validated_on_confirm: bool = True
    # False when the kind asks for a first name only: its confirmation must not rename
    # the supporter record (it would drop the surname another action gave).
    adopts_name: bool = True

    @property
    def action_type(self) -> ActionType:
        return action_type(self.kind)

    @property
    def awaiting(self) -> tuple[str, ...]:
        """The states a confirmation link may confirm (a flagged participation too: its
        address's owner proving themselves is what the flag waited for)."""
        if self.counted_when_made:
            return (State.PENDING, State.VALIDATED, State.FLAGGED)
        return (State.PENDING, State.FLAGGED)


# --- screening ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    state: str
    flag_reason: str
    # Whether the address may be emailed (its confirmation link).
    send_email: bool


def _email_domain(email: str) -> str:
    return normalise_email(email).rpartition("@")[2]


def _blocked_reason(*, domain: str, ip_hash: str) -> str:
    """BLOCKED_DOMAIN or BLOCKED_IP when staff block this source, else "". One query."""
    # Plain SQL: building this through the ORM cost more than the rest of the verdict, on
    # the path every signature takes.
    where, params = [], []
    if domain:
        labels = domain.split(".")
        domains = [".".join(labels[i:]) for i in range(len(labels))]  # and its parents
        where.append(f"(kind = %s AND value IN ({', '.join(['%s'] * len(domains))}))")
        params += [BlockedSource.Kind.EMAIL_DOMAIN.value, *domains]
    if ip_hash:
        where.append("(kind = %s AND value = %s)")
        params += [BlockedSource.Kind.IP_HASH.value, ip_hash]
    if not where:
        return ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind FROM {BlockedSource._meta.db_table} WHERE {' OR '.join(where)}",  # noqa: S608 - placeholders only
            params,
        )
        kinds = {kind for (kind,) in cursor.fetchall()}
    if BlockedSource.Kind.EMAIL_DOMAIN in kinds:
        return FlagReason.BLOCKED_DOMAIN
    if BlockedSource.Kind.IP_HASH in kinds:
        return FlagReason.BLOCKED_IP
    return ""


def _limits_passed(*, ip_hash: str, domain: str, email: str) -> tuple[str, bool]:
    """The limit this submission passed (IP burst, IP sustained, email domain), or "";
    and whether the mailbox it would email has had too many of our emails. Every counter
    is hit in one statement (or one Redis round trip).

    One budget per address whatever the kind (the ``sign`` counters and ``SIGN_…``
    settings): a flood that moves from a petition to a letter is still one flood."""
    limits: dict[str, Limit] = {}
    if ip_hash:
        limits[FlagReason.IP_BURST] = Limit(
            f"sign:{ip_hash}", settings.SIGN_RATE_BURST_PER_MINUTE, 60
        )
        limits[FlagReason.IP_SUSTAINED] = Limit(
            f"sign:{sustained_bucket(ip_hash)}", settings.SIGN_RATE_SUSTAINED_PER_HOUR, 3600
        )
    # One flood source need not be one IP: many new addresses at one small domain are too.
    if domain and domain not in settings.SIGN_DOMAIN_RATE_EXEMPT:
        limits[FlagReason.DOMAIN_RATE] = Limit(
            f"sign-domain:{blind_index(domain)}", settings.SIGN_DOMAIN_RATE_PER_HOUR, 3600
        )
    if email:
        limits[FlagReason.MAILBOX_RATE] = Limit(
            f"sign-mailbox:{mailbox_key(email)}", settings.SIGN_MAILBOX_RATE_PER_HOUR, 3600
        )
    passed = dict(zip(limits, rate_limits_exceeded(list(limits.values())), strict=True))
    reason = next(
        (
            reason
            for reason in (FlagReason.IP_BURST, FlagReason.IP_SUSTAINED, FlagReason.DOMAIN_RATE)
            if passed.get(reason)
        ),
        "",
    )
    return reason, passed.get(FlagReason.MAILBOX_RATE, False)


def mailbox_key(email: str) -> str:
    """The mailbox an address reaches, plus tags folded (``a+1@x`` and ``a+2@x`` are one),
    as a blind index. Only for throttling mail: identity (dedup) keeps the tags, since at
    most providers they may be different people's addresses only by convention."""
    local, _at, domain = normalise_email(email).rpartition("@")
    return blind_index(f"{local.split('+', 1)[0]}@{domain}")


def _past_limit_state(
    *, rules: ParticipationRules, action, email: str, answer: ChallengeAnswer | None
) -> str:
    """The state of a submission past a rate limit: pending when the challenge was solved,
    else flagged. Raises ChallengeRequired when the kind asks for one and neither an answer
    nor the fallback was sent."""
    if not rules.challenge:
        return State.FLAGGED
    subject = f"{action.pk}:{email_hash(email)}"
    answer = answer or ChallengeAnswer()
    if challenge_solved(challenge=answer.challenge, solution=answer.solution, subject=subject):
        return State.PENDING
    if answer.fallback:
        return State.FLAGGED
    raise ChallengeRequired(
        challenge=challenge_issue(subject=subject),
        difficulty=settings.SIGN_CHALLENGE_DIFFICULTY_BITS,
    )


def participation_verdict(
    *, rules: ParticipationRules, action, email: str, ip_hash: str, answer: ChallengeAnswer | None
) -> Verdict:
    """The state, flag reason and whether to email, for a new submission of any kind.

    Blocked sources get no email and never count. Past a rate limit see
    ``_past_limit_state``; the limit is kept as the flag reason either way, so moderators
    can look at a wave. An email-less submission (a call report) is screened by its
    address alone.
    """
    domain = _email_domain(email) if email else ""
    blocked = _blocked_reason(domain=domain, ip_hash=ip_hash)
    if blocked:
        return Verdict(State.FLAGGED, blocked, send_email=False)
    reason, mailbox_flooded = _limits_passed(ip_hash=ip_hash, domain=domain, email=email)
    state = State.VALIDATED if rules.counted_when_made else State.PENDING
    if reason:
        state = _past_limit_state(rules=rules, action=action, email=email, answer=answer)
    if mailbox_flooded:
        # Someone is mail-bombing one mailbox through us: keep it for a moderator, unsent.
        return Verdict(State.FLAGGED, FlagReason.MAILBOX_RATE, send_email=False)
    return Verdict(state, reason, send_email=True)


# --- taking part -------------------------------------------------------------------------


def participant_words(first_name: str, last_name: str, city: str) -> dict[str, str]:
    """What a participation seals of the person as they gave it when acting."""
    return {
        "name": f"{first_name} {last_name}".strip(),
        "first_name": first_name,
        "last_name": last_name,
        "city": city,
    }


def consents_record(*, supporter, language: str, source_url: str, consents: Consents) -> None:
    """Record what a supporter answered when acting, with the words they were shown.

    "Keep me informed" is recorded either way. A consent to share something (their name
    with the official, their address as Reply-To) is recorded only when given: "no" is the
    default and shares nothing, and the hot path stays a row lighter for most people.
    """
    for purpose, asked, given in consents.answers():
        if asked is None or (not given and purpose != Purpose.KEEP_INFORMED):
            continue
        consent_record(
            supporter=supporter,
            purpose=purpose,
            wording=asked.wording,
            wording_version=asked.version,
            language=language,
            given=given,
            source_url=source_url,
        )


def participation_create(
    *,
    rules: ParticipationRules,
    action,
    participant: Participant,
    consents: Consents,
    source_url: str,
    ip_hash: str,
    source: str = "",
    challenge_answer: ChallengeAnswer | None = None,
    own_fields: Mapping[str, Any] | None = None,
    own_words: Mapping[str, str] | None = None,
    screened_out: bool = False,
) -> Outcome:
    """Record that ``participant`` takes part in ``action``; the caller shows the same page
    whatever the outcome.

    ``own_fields`` are the kind's own columns (a letter's route), ``own_words`` what it
    seals beside the person's name and city (an edited letter). ``source`` must be
    validated already (``forms.clean_source``). ``screened_out``: the kind's own screening
    found it unwanted (a message with a term staff mark as spam): it is kept invalidated,
    for the moderators, and never emailed nor counted. The same address taking part twice in one
    action writes nothing (a database constraint): see ``ParticipationRules.on_duplicate``.
    Raises ActionClosed, or ChallengeRequired (see ``participation_verdict``).
    """
    if not action.is_open:
        raise ActionClosed(rules.closed_message)
    email = participant.email.strip()
    if not email and not rules.counted_when_made:
        raise ValueError("an email address is needed to take part in this kind of action")
    consents = consents if email else consents.declined()
    # Read and sealed before the transaction, which on SQLite holds the one write lock:
    # inside it, only the writes.
    supporter = (
        supporter_prepare(
            email=email,
            first_name=participant.first_name,
            last_name=participant.last_name,
            country=participant.country,
            language=participant.language,
        )
        if email
        else None
    )
    # The name as given here, sealed with the city (and the kind's own words) in one box:
    # the package and this participation's emails use it, never the name another form
    # first typed. Without an address there is nobody to name: nothing is kept.
    sealed_words = seal({**participant.words(), **(own_words or {})}) if supporter else ""
    refused: ChallengeRequired | None = None
    # One transaction for the rate-limit counters and the writes: on SQLite one turn of
    # the write lock per submission, not two.
    with transaction.atomic():
        try:
            verdict = participation_verdict(
                rules=rules, action=action, email=email, ip_hash=ip_hash, answer=challenge_answer
            )
        except ChallengeRequired as exc:
            refused = exc  # raised once the counters it hit are committed
        else:
            if screened_out:
                verdict = Verdict(State.INVALIDATED, verdict.flag_reason, send_email=False)
            outcome = _participation_take(
                rules=rules,
                action=action,
                supporter=supporter,
                consents=consents,
                row={
                    "country": participant.country,
                    "language": participant.language,
                    "ip_hash": ip_hash,
                    "source": source,
                    "state": verdict.state,
                    "flag_reason": verdict.flag_reason,
                    "validated_at": timezone.now() if verdict.state == State.VALIDATED else None,
                    "personal_data": sealed_words,
                    **(own_fields or {}),
                },
                verdict=verdict,
                source_url=source_url,
            )
    if refused is not None:
        raise refused
    return outcome


def _participation_take(
    *,
    rules: ParticipationRules,
    action,
    supporter,
    consents: Consents,
    row: dict[str, Any],
    verdict: Verdict,
    source_url: str,
) -> Outcome:
    """The writes, in a savepoint: a second participation by one address (a database
    constraint) undoes them and only them, and is answered as a duplicate."""
    try:
        with transaction.atomic():
            participation = _participation_write(
                rules=rules,
                action=action,
                supporter=supporter,
                consents=consents,
                row=row,
                source_url=source_url,
            )
            _participation_follow_up(rules=rules, participation=participation, verdict=verdict)
    except IntegrityError:
        kind = rules.action_type
        existing = (
            kind.participations(action).filter(email_hash=supporter.email_hash).first()
            if supporter is not None
            else None
        )
        if existing is None:  # not a duplicate after all: let the error surface
            raise
        if verdict.send_email and rules.on_duplicate is not None:
            # Also how the owner of an address that a blocked source used gets their link:
            # the stored participation is theirs once they confirm it.
            rules.on_duplicate(existing)
        return Outcome.DUPLICATE
    return Outcome.FLAGGED if verdict.state == State.FLAGGED else Outcome.CREATED


def _participation_write(
    *,
    rules: ParticipationRules,
    action,
    supporter,
    consents: Consents,
    row: dict[str, Any],
    source_url: str,
):
    """The supporter (when there is an address and it is new), the participation and the
    consents."""
    if supporter is not None:
        supporter = supporter_save(supporter=supporter)
    kind = rules.action_type
    participation = kind.participation_model(
        **{kind.action_field: action},
        supporter=supporter,
        email_hash=supporter.email_hash if supporter else "",
        keep_informed=consents.keep_informed,
        named_to_target=consents.named_to_target,
        **row,
    )
    insert_row(participation)
    if supporter is not None:
        consents_record(
            supporter=supporter,
            language=row["language"],
            source_url=source_url,
            consents=consents,
        )
    return participation


def _participation_follow_up(*, rules: ParticipationRules, participation, verdict: Verdict) -> None:
    """What goes with a new participation, in its transaction: the confirmation email (the
    task row exists if and only if the participation does) and, for a kind counted when
    made, a count soon after commit."""

    if participation.state == State.VALIDATED:
        kind, action_id = rules.kind, _action_id(rules, participation)
        transaction.on_commit(lambda: action_request_count(kind=kind, action_id=action_id))
    if (
        verdict.send_email
        and participation.supporter_id is not None
        and rules.asks_confirmation(participation)
    ):
        # A signature's reminder is queued by the worker once the confirmation went out.
        enqueue(rules.confirmation_task, participation.pk)


def _action_id(rules: ParticipationRules, participation) -> int:
    return getattr(participation, f"{rules.action_type.action_field}_id")


# --- confirming --------------------------------------------------------------------------


def confirmation_token(participation, *, rules: ParticipationRules) -> str:
    return signing.TimestampSigner(salt=rules.token_salt).sign(participation.uuid.hex)


def confirmation_uuid(*, token: str, salt: str) -> uuid.UUID:
    """The UUID a confirmation link names, or TokenExpired / TokenInvalid."""
    signer = signing.TimestampSigner(salt=salt)
    try:
        uuid_hex = signer.unsign(token, max_age=settings.SIGNATURE_CONFIRMATION_MAX_AGE)
        return uuid.UUID(hex=uuid_hex)
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    # ValueError: a value signed with our key but not by us (no timestamp, not a UUID).
    except (signing.BadSignature, ValueError) as exc:
        raise TokenInvalid from exc


def _already_confirmed(rules: ParticipationRules, participation) -> bool:
    if participation.confirmed_at is not None:
        return True
    validates = rules.validated_on_confirm and not rules.counted_when_made
    return validates and participation.state == State.VALIDATED


def participation_to_confirm(*, rules: ParticipationRules, token: str):
    """The participation the link names, still awaiting its confirmation, read only (the
    page with the button), or TokenExpired / TokenInvalid / AlreadyConfirmed."""
    participation_uuid = confirmation_uuid(token=token, salt=rules.token_salt)
    # No ORDER BY (``first()`` would add one): the UUID is unique, and compiling the
    # ordering of this many joined columns was a tenth of a confirmation's time.
    participation = next(
        iter(
            rules.action_type.participation_model.objects.select_related(*rules.confirm_related)
            .filter(uuid=participation_uuid, supporter__isnull=False)
            .order_by()[:1]
        ),
        None,
    )
    if participation is None or participation.state == State.INVALIDATED:
        raise TokenInvalid
    if _already_confirmed(rules, participation):
        raise AlreadyConfirmed
    return participation


def participation_confirm(
    *,
    rules: ParticipationRules,
    participation,
    resume_email: Any = None,
    also_set: Mapping[str, Any] | None = None,
    then: Callable[[Any], None] | None = None,
):
    """Confirm ``participation`` (from ``participation_to_confirm``): its address's owner
    followed the link and pressed the button.

    One conditional UPDATE (still awaiting, not confirmed) makes a replayed link or a
    second press change nothing (AlreadyConfirmed, or TokenInvalid when staff
    invalidated it meanwhile). It sets ``confirmed_at`` and, unless the kind is counted when
    made, validates it (then a count is asked for after commit); ``also_set`` are the
    kind's own columns set in the same UPDATE. In the same transaction: the supporter's
    address is confirmed, the ``hooks.confirmed`` receivers run (``resume_email`` as in
    ``outcry.core.confirmation``), the supporter adopts the name given here, and ``then``
    does the kind's own work.
    """
    now = timezone.now()
    changes = {"confirmed_at": now, **(also_set or {})}
    validates = rules.validated_on_confirm and not rules.counted_when_made
    if validates:
        changes.update(state=State.VALIDATED, validated_at=now)
    model = rules.action_type.participation_model
    with transaction.atomic():
        confirmed = model.objects.filter(
            pk=participation.pk, confirmed_at__isnull=True, state__in=rules.awaiting
        ).update(**changes)
        if confirmed:
            for name, value in changes.items():
                setattr(participation, name, value)
            supporter_confirm_email(supporter_id=participation.supporter_id, now=now)
            hooks.confirmed(participation, resume_email=resume_email)
            if rules.adopts_name:
                participation_adopt_name(participation=participation)
            if then is not None:
                then(participation)
            if validates:
                kind, action_id = rules.kind, _action_id(rules, participation)
                transaction.on_commit(lambda: action_request_count(kind=kind, action_id=action_id))
    if not confirmed:
        participation.refresh_from_db(fields=["state", "confirmed_at"])
        if _already_confirmed(rules, participation):
            raise AlreadyConfirmed
        raise TokenInvalid
    return participation


def participation_send_confirmation(
    *,
    rules: ParticipationRules,
    participation_id: int,
    attempt: int,
    email: Callable[..., Any],
    after_send: Callable[[Any], None] | None = None,
) -> str:
    """Email the link that confirms a participation's address, at most once (the worker's
    job: ``email(participation, token=…)`` opens the sealed words). Nothing goes once the
    participation no longer awaits its confirmation; a permanent refusal marks it bounced;
    a temporary one is retried by ``rules.confirmation_task``."""
    model = rules.action_type.participation_model

    def build(participation):
        if participation.state not in rules.awaiting or _already_confirmed(rules, participation):
            return None
        return email(participation, token=confirmation_token(participation, rules=rules))

    def bounced(participation, exc: Exception) -> None:
        model.objects.filter(pk=participation.pk).update(confirmation_bounced=True)

    return send_once(
        queryset=model.objects.select_related(rules.action_type.action_field, "supporter"),
        pk=participation_id,
        sent_field="confirmation_sent_at",
        build=build,
        retry_task=rules.confirmation_task,
        attempt=attempt,
        on_bounce=bounced,
        after_send=after_send,
    )


# Participations the screening chose not to email (``participation_verdict``): a blocked
# source, a flooded mailbox. Their flag reason says so, and keeps saying so.
UNSENT_FLAG_REASONS = (FlagReason.BLOCKED_DOMAIN, FlagReason.BLOCKED_IP, FlagReason.MAILBOX_RATE)


def participation_confirmations_requeue(*, older_than: timedelta, within: timedelta) -> int:
    """Queue again the confirmation email of every participation that should have had one
    more than ``older_than`` ago (and less than ``within`` ago) and has none; the number
    queued.

    With a queue outside the database (RQ) a task is sent once the participation's
    transaction has committed: a web process killed between the two leaves a participation
    whose email no queue holds, and which would never count. This finds them. A task that is
    merely late (a worker stopped for a while) is queued twice, harmlessly: the email is
    claimed by one conditional UPDATE before it goes (``send_once``), so it goes once.
    """
    now = timezone.now()
    queued = 0
    for kind in action_types():
        if not kind.participation_rules:
            continue
        rules: ParticipationRules = import_string(kind.participation_rules)
        waiting = (
            kind.participation_model.objects.filter(
                state__in=rules.awaiting,
                supporter__isnull=False,
                confirmed_at__isnull=True,
                confirmation_sent_at__isnull=True,
                confirmation_bounced=False,
                created_at__lte=now - older_than,
                created_at__gte=now - within,
            )
            .exclude(flag_reason__in=UNSENT_FLAG_REASONS)
            .order_by("pk")
        )
        for participation in waiting.iterator():
            # The confirmed are already filtered out (``confirmed_at`` empty; a state a
            # confirmation moves to is outside ``rules.awaiting``).
            if not rules.asks_confirmation(participation):
                continue
            enqueue(rules.confirmation_task, participation.pk, with_transaction=False)
            queued += 1
    return queued


def participation_adopt_name(*, participation) -> None:
    """The participation is confirmed: its address's owner gave this name, so the
    supporter record takes it (in the worker, which alone can open and reseal the record).
    Queued with the confirmation; an unconfirmed action never renames anyone."""

    # In the confirmation's transaction with the database queue (no second write after
    # commit), after it with RQ: either way the task exists if and only if it commits.
    enqueue(
        "outcry.actions.tasks.adopt_confirmed_name",
        participation._meta.label_lower,
        participation.pk,
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
