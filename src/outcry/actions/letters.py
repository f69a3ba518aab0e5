"""Every write to letter and email actions: taking a supporter's letter, confirming it,
and sending it to the target without flooding them.

Like signing, taking a letter is one short transaction that never talks to SMTP. The
supporter confirms their address first (the same signed-link pattern as signatures): only
then is the letter counted and, on the email route, queued for the target. The web tier
seals what the supporter wrote (their name as signed, city, their version of the letter);
the worker opens it to send.

Sending to the target is throttled per target address, over all actions: at most
``hourly_cap`` emails in any hour and ``daily_cap`` in any 24 hours (the action's caps), or
one daily digest bundling the letters. A dispatcher task moves queued letters into the
window (``letter_dispatch``) and each scheduled letter is sent by ``send_once``: 4xx is
retried with backoff, never twice. A 5xx about the address (no such mailbox, mailbox
disabled) marks the office's address bounced (staff see the reason on the office) and
nothing more goes to it until staff correct it; a 5xx about the message (a spam or content
filter, its size) fails that letter only.

Edited letters are held for a moderator when staff ask for it on the action, or when many
near-identical edits come from new addresses (a flood); held letters go once approved.
"""

import re
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.actions import composition, emails
from outcry.actions.counting import action_request_count
from outcry.actions.models import Letter, LetterAction, ParticipationState, TargetDigest
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
from outcry.core.audit import AUDIT_IDS_LIMIT, audit_record
from outcry.core.confirmation import ResumeEmail
from outcry.core.crypto import blind_index, unseal
from outcry.core.errors import OutcryError
from outcry.core.mail import refusal_of, send_once
from outcry.core.queue import enqueue
from outcry.targets.models import Office
from outcry.targets.services import office_mark_email_bounced

CONFIRM_TOKEN_SALT = "outcry.actions.letter-confirm"  # noqa: S105 - a salt, not a secret
DIGEST_INTERVAL = timedelta(days=1)
DIGEST_MAX_LETTERS = 2000

# Past a rate limit a letter is flagged for moderators but still emailed (the letter page
# has no challenge): the writer may be one of many real people behind one address (a
# campus, a carrier's NAT, Tor), and the letter counts, and goes to the official, only once
# its address's owner confirms it.
LETTER = ParticipationRules(
    kind="letter",
    token_salt=CONFIRM_TOKEN_SALT,
    confirmation_task="outcry.actions.tasks.send_letter_confirmation",
    confirm_related=("action", "action__office", "action__case", "supporter"),
)


class LetterTooLong(OutcryError):
    """The supporter's letter is over the action's maximum length."""

    code = "letter_too_long"
    status = 400
    default_message = _("Your letter is too long. Please shorten it.")


class RouteUnavailable(OutcryError):
    """The chosen route is not offered on this action (or the office has no usable email)."""

    code = "route_unavailable"
    status = 400
    default_message = _(
        "This official has no email address we can use: please post your letter, or call."
    )


def routes_available(action: LetterAction, office: Office | None = None) -> list[str]:
    """The routes a supporter may choose: email only where the office has a usable address."""
    office = office or action.office
    routes = []
    if action.route_email and office.email_usable:
        routes.append(Letter.Route.EMAIL)
    if action.route_print and action.kind == LetterAction.Kind.LETTER:
        routes.append(Letter.Route.PRINT)
    return routes


_WORD = re.compile(r"\w+")
# Two edits whose fingerprints differ in at most this many of 64 bits are near-identical.
NEAR_IDENTICAL_BITS = 3


def _words(text: str) -> Counter:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def edit_fingerprint(*, body: str, model: str) -> str:
    """A keyed SimHash of the words a supporter added to the model letter ("" when they
    only removed some). Everyone's edit starts from the same model letter, so only what
    they added says whether many letters carry the same words."""
    added = _words(body) - _words(model)
    if not added:
        return ""
    weights = [0] * 64
    for word, count in added.items():
        bits = int(blind_index(f"letter-edit:{word}")[:16], 16)
        for i in range(64):
            weights[i] += count if bits >> i & 1 else -count
    return f"{sum(1 << i for i, weight in enumerate(weights) if weight > 0):016x}"


def _near_identical(first: str, second: str) -> bool:
    return (int(first, 16) ^ int(second, 16)).bit_count() <= NEAR_IDENTICAL_BITS


def letter_create(
    *,
    action: LetterAction,
    email: str,
    first_name: str,
    last_name: str,
    country: str,
    city: str,
    language: str,
    body: str | None,
    route: str,
    consents: Consents,
    source_url: str,
    ip_hash: str,
    source: str = "",
) -> Outcome:
    """Take a supporter's letter; the caller shows the same page whatever the outcome.

    ``body`` is the supporter's version when they edited the model letter (None when not).
    A second letter from the same address on the same action writes nothing. Raises
    ActionClosed, RouteUnavailable or LetterTooLong.
    """
    body = _letter_body(action=action, route=route, body=body)
    # Replies can reach the writer only from an email the official receives.
    consents = replace(consents, reply_to=consents.reply_to and route == Letter.Route.EMAIL)
    return participation_create(
        rules=LETTER,
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
        own_fields=_letter_columns(
            action=action, language=language, route=route, body=body, reply_to=consents.reply_to
        ),
        own_words={} if body is None else {"body": body},
    )


def _letter_body(*, action: LetterAction, route: str, body: str | None) -> str | None:
    """The supporter's own version to keep (None: the model letter), once the route and
    its length are allowed."""
    if route not in routes_available(action):
        raise RouteUnavailable
    if body is None or not action.editable:
        return None
    if len(body) > action.max_length:
        raise LetterTooLong
    return body


def _letter_columns(
    *, action: LetterAction, language: str, route: str, body: str | None, reply_to: bool
) -> dict:
    """A letter's own columns: how it goes, and whether (and how) its writer edited it."""
    fingerprint = ""
    if body is not None:
        fingerprint = edit_fingerprint(body=body, model=composition.model_body(action, language))
    return {
        "route": route,
        "reply_to": reply_to,
        "edited": body is not None,
        "edit_fingerprint": fingerprint,
    }


def confirmation_token(letter: Letter) -> str:
    return participation_token(letter, rules=LETTER)


def letter_to_confirm(*, token: str) -> Letter:
    """The letter the link names, still awaiting confirmation, read only (the page with the
    button), or TokenExpired / TokenInvalid / AlreadyConfirmed."""
    return participation_to_confirm(rules=LETTER, token=token)


def letter_confirm(
    *, token: str, resume_email: ResumeEmail | None = None, found: Letter | None = None
) -> Letter:
    """Confirm the letter the link names: it is counted once, and on the email route
    queued for the target (or held for a moderator). ``resume_email`` as for
    ``signature_confirm``, and ``found``."""
    letter = found or letter_to_confirm(token=token)
    target_status, held_because, flood = _target_decision(letter, timezone.now())

    def towards_the_target(letter: Letter) -> None:
        if flood:
            # The flood's letters not yet on their way wait for a moderator too.
            Letter.objects.filter(pk__in=flood, target_status=Letter.TargetStatus.QUEUED).update(
                target_status=Letter.TargetStatus.HELD,
                held_because=Letter.HoldReason.FLOOD,
            )
        if target_status == Letter.TargetStatus.QUEUED:
            action_id = letter.action_id
            transaction.on_commit(lambda: letter_request_dispatch(action_id=action_id))

    return participation_confirm(
        rules=LETTER,
        participation=letter,
        resume_email=resume_email,
        also_set={"target_status": target_status, "held_because": held_because},
        then=towards_the_target,
    )


def _target_decision(letter: Letter, now) -> tuple[str, str, list[int]]:
    """Where a letter goes once confirmed: (target status, why held, the other letters of
    the flood it belongs to)."""
    if not (letter.route == Letter.Route.EMAIL and letter.action.route_email):
        return Letter.TargetStatus.NOT_SENT, "", []
    held_because, flood = _hold_reason(letter, now)
    if held_because:
        return Letter.TargetStatus.HELD, held_because, flood
    return Letter.TargetStatus.QUEUED, "", []


def _hold_reason(letter: Letter, now) -> tuple[str, list[int]]:
    """Why this letter must wait for a moderator ("" when it need not), and the other
    letters of the flood it belongs to, if any."""
    if not letter.edited:
        return "", []
    if letter.action.moderate_edited:
        return Letter.HoldReason.REVIEW, []
    since = now - timedelta(hours=settings.LETTER_FLOOD_WINDOW_HOURS)
    if not letter.edit_fingerprint or letter.supporter.created_at < since:
        return "", []
    recent = (
        Letter.objects.filter(
            action_id=letter.action_id, created_at__gte=since, supporter__created_at__gte=since
        )
        .exclude(edit_fingerprint="")
        .exclude(pk=letter.pk)
        .order_by("-pk")
        .values_list("pk", "edit_fingerprint")[:5000]
    )
    flood = [pk for pk, mark in recent if _near_identical(mark, letter.edit_fingerprint)]
    if len(flood) + 1 <= settings.LETTER_FLOOD_THRESHOLD:
        return "", []
    return Letter.HoldReason.FLOOD, flood


def letters_moderate(*, letters, approve: bool, actor) -> int:
    """A moderator approves held letters (they join the queue to the target) or refuses
    them (never sent, no longer counted). Returns how many changed; audited."""
    held = Letter.TargetStatus.HELD
    with transaction.atomic():
        pks = list(letters.filter(target_status=held).values_list("pk", flat=True))
        chosen = Letter.objects.filter(pk__in=pks, target_status=held)
        action_ids = set(chosen.values_list("action_id", flat=True))
        if approve:
            changed = chosen.update(target_status=Letter.TargetStatus.QUEUED)
        else:
            changed = chosen.update(
                target_status=Letter.TargetStatus.DECLINED, state=ParticipationState.INVALIDATED
            )
        audit_record(
            actor=actor,
            event="actions.letter.approved" if approve else "actions.letter.rejected",
            extra={"count": changed, "ids": pks[:AUDIT_IDS_LIMIT]},
        )
        for action_id in action_ids:
            if approve:
                transaction.on_commit(lambda a=action_id: letter_request_dispatch(action_id=a))
            else:
                transaction.on_commit(
                    lambda a=action_id: action_request_count(kind="letter", action_id=a)
                )
    return changed


def letter_held_text(*, letter: Letter) -> str:
    """The words of an edited letter, for the moderator deciding whether it goes (staff
    admin only: it opens the sealed box; the caller audits the read)."""
    return unseal(letter.personal_data).get("body", "")


def letter_send_confirmation(*, letter_id: int, attempt: int = 0) -> str:
    return participation_send_confirmation(
        rules=LETTER, participation_id=letter_id, attempt=attempt, email=emails.letter_confirmation
    )


# --- to the target, throttled ------------------------------------------------------------


def _dispatch_key(action_id: int) -> str:
    return f"letter-dispatch-pending:{action_id}"


def letter_request_dispatch(*, action_id: int) -> None:
    """Ask the worker to move this action's queued letters towards the target soon.

    Debounced like the counts: one dispatch per few seconds however many confirmations.
    """

    delay = settings.LETTER_DISPATCH_DELAY
    if cache.add(_dispatch_key(action_id), 1, timeout=int(delay) + 60):
        if delay:
            enqueue(
                "outcry.actions.tasks.dispatch_letters",
                action_id,
                run_after=timezone.now() + timedelta(seconds=delay),
                with_transaction=False,
            )
        else:
            enqueue("outcry.actions.tasks.dispatch_letters", action_id, with_transaction=False)


def _window_counts(email: str, now) -> tuple[int, int]:
    # Exact match (the office's address as stored), so the window index serves it.
    recent = Letter.objects.filter(target_email=email)
    hour = recent.filter(target_scheduled_at__gt=now - timedelta(hours=1)).count()
    day = recent.filter(target_scheduled_at__gt=now - timedelta(days=1)).count()
    return hour, day


def letter_dispatch(*, action_id: int) -> str:
    """Schedule as many queued letters as the target's windows allow, and come back when
    there is room again. Safe to run twice at once: the office row is locked meanwhile."""

    cache.delete(_dispatch_key(action_id))
    action = LetterAction.objects.select_related("office").get(pk=action_id)
    queued = Letter.objects.filter(action_id=action_id, target_status=Letter.TargetStatus.QUEUED)
    now = timezone.now()
    with transaction.atomic():
        office = Office.objects.select_for_update().get(pk=action.office_id)
        if not office.email_usable:
            return "no usable address"  # letters wait; staff correcting the address resumes
        if not queued.exists():
            return "nothing queued"
        if action.digest:
            return _dispatch_digest(action, office.email, queued, now)
        hour, day = _window_counts(office.email, now)
        room = max(0, min(action.hourly_cap - hour, action.daily_cap - day))
        batch = list(queued.order_by("validated_at", "pk").values_list("pk", flat=True)[:room])
        Letter.objects.filter(pk__in=batch).update(
            target_status=Letter.TargetStatus.SCHEDULED,
            target_email=office.email,
            target_scheduled_at=now,
        )
        for pk in batch:
            enqueue("outcry.actions.tasks.send_letter_to_target", pk)
        if queued.exists():
            _dispatch_later(action_id, _next_room(action, office.email, now))
    return f"scheduled {len(batch)}"


def _dispatch_later(action_id: int, when) -> None:
    """Come back at ``when``: one deferred dispatch per action and moment, however many
    confirmations ask for it meanwhile."""

    key = f"letter-dispatch-at:{action_id}:{when.isoformat()}"
    timeout = int((when - timezone.now()).total_seconds()) + 60
    if cache.add(key, 1, timeout=max(timeout, 60)):
        enqueue("outcry.actions.tasks.dispatch_letters", action_id, run_after=when)


def _next_room(action: LetterAction, email: str, now):
    """When the earliest email in a full window leaves it."""
    recent = Letter.objects.filter(target_email=email, target_scheduled_at__isnull=False)
    hour, day = _window_counts(email, now)
    if day >= action.daily_cap:
        window = timedelta(days=1)
        oldest = recent.filter(target_scheduled_at__gt=now - window)
    else:
        window = timedelta(hours=1)
        oldest = recent.filter(target_scheduled_at__gt=now - window)
    first = oldest.order_by("target_scheduled_at").values_list("target_scheduled_at", flat=True)
    first = first.first()
    return (first + window if first else now) + timedelta(seconds=1)


def _dispatch_digest(action: LetterAction, email: str, queued, now) -> str:
    """A digest gathers a day of letters: the first goes a day after the first letter
    began to wait, the next a day after the previous one, each with what waits then."""

    last = (
        TargetDigest.objects.filter(action=action, email=email)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    first_waiting = queued.order_by("validated_at").values_list("validated_at", flat=True)[0]
    due = (last or first_waiting) + DIGEST_INTERVAL
    if due > now:
        _dispatch_later(action.pk, due)
        return "digest later"
    digest = TargetDigest.objects.create(action=action, email=email)
    batch = list(queued.order_by("validated_at", "pk").values_list("pk", flat=True))
    batch = batch[:DIGEST_MAX_LETTERS]
    Letter.objects.filter(pk__in=batch).update(
        target_status=Letter.TargetStatus.IN_DIGEST,
        digest=digest,
        target_email=email,
        target_scheduled_at=now,
    )
    enqueue("outcry.actions.tasks.send_target_digest", digest.pk)
    if len(batch) == DIGEST_MAX_LETTERS:  # more wait: the next digest in a day
        _dispatch_later(action.pk, now + DIGEST_INTERVAL)
    return f"digest of {len(batch)}"


def _office_still_takes(letter_email: str, office: Office) -> bool:
    return office.email_usable and office.email.lower() == letter_email.lower()


def letter_send_to_target(*, letter_id: int, attempt: int = 0) -> str:
    def build(letter: Letter):
        if letter.target_status != Letter.TargetStatus.SCHEDULED:
            return None
        office = Office.objects.get(pk=letter.action.office_id)
        if not _office_still_takes(letter.target_email, office):
            # Bounced or changed since scheduling: back in the queue, nothing sent.
            Letter.objects.filter(pk=letter.pk).update(target_status=Letter.TargetStatus.QUEUED)
            return None
        return emails.letter_to_target(letter)

    def bounced(letter: Letter, exc: Exception) -> None:
        refusal = refusal_of(exc)
        if refusal.about_the_address:
            office_mark_email_bounced(
                office_id=letter.action.office_id, email=letter.target_email, reason=refusal.text
            )
            status = Letter.TargetStatus.BOUNCED
        else:
            status = Letter.TargetStatus.REFUSED  # this letter only: the office stays open
        Letter.objects.filter(pk=letter.pk).update(target_status=status, target_error=refusal.text)

    def sent(letter: Letter) -> None:
        Letter.objects.filter(pk=letter.pk).update(target_status=Letter.TargetStatus.SENT)

    return send_once(
        queryset=Letter.objects.select_related("action", "action__office", "supporter"),
        pk=letter_id,
        sent_field="target_sent_at",
        build=build,
        retry_task="outcry.actions.tasks.send_letter_to_target",
        attempt=attempt,
        on_bounce=bounced,
        after_send=sent,
    )


def digest_send(*, digest_id: int, attempt: int = 0) -> str:
    def build(digest: TargetDigest):
        office = Office.objects.get(pk=digest.action.office_id)
        letters = digest.letters.filter(target_status=Letter.TargetStatus.IN_DIGEST)
        if not letters.exists():
            return None
        if not _office_still_takes(digest.email, office):
            letters.update(target_status=Letter.TargetStatus.QUEUED, digest=None)
            return None
        return emails.target_digest(digest)

    def bounced(digest: TargetDigest, exc: Exception) -> None:
        refusal = refusal_of(exc)
        if refusal.about_the_address:
            office_mark_email_bounced(
                office_id=digest.action.office_id, email=digest.email, reason=refusal.text
            )
            status = Letter.TargetStatus.BOUNCED
        else:
            status = Letter.TargetStatus.REFUSED
        TargetDigest.objects.filter(pk=digest.pk).update(error=refusal.text)
        digest.letters.update(target_status=status, target_error=refusal.text)

    def sent(digest: TargetDigest) -> None:
        digest.letters.filter(target_status=Letter.TargetStatus.IN_DIGEST).update(
            target_status=Letter.TargetStatus.SENT, target_sent_at=timezone.now()
        )

    return send_once(
        queryset=TargetDigest.objects.select_related("action", "action__office"),
        pk=digest_id,
        sent_field="sent_at",
        build=build,
        retry_task="outcry.actions.tasks.send_target_digest",
        attempt=attempt,
        on_bounce=bounced,
        after_send=sent,
    )


def letters_resume(*, action: LetterAction, actor=None) -> int:
    """After staff correct a bounced address: bounced letters go back in the queue (audited,
    with how many). Returns that number."""
    with transaction.atomic():
        resumed = Letter.objects.filter(
            action=action, target_status=Letter.TargetStatus.BOUNCED
        ).update(target_status=Letter.TargetStatus.QUEUED, target_sent_at=None, target_error="")
        audit_record(
            actor=actor, event="actions.letter.resumed", obj=action, extra={"count": resumed}
        )
        transaction.on_commit(lambda: letter_request_dispatch(action_id=action.pk))
    return resumed
