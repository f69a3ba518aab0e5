"""Retention: a set time after a petition closes, its signers who did not ask to hear
more are anonymised (as alphagov/e-petitions does six months after a petition closes).

It lives here, not in actions or supporters, because "asked to hear more" is known here:
an active subscription, or a "keep me informed" signature.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from outcry.actions.models import Call, Letter, Petition, Signature
from outcry.core.audit import audit_record
from outcry.core.models import AuditEvent
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.tokens import confirmation_max_age
from outcry.supporters.models import Supporter
from outcry.supporters.services import supporter_erase

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 180


def retention_days(petition: Petition) -> int:
    if petition.retention_days is not None:
        return petition.retention_days
    return int(getattr(settings, "RETENTION_DAYS_AFTER_CLOSE", DEFAULT_RETENTION_DAYS))


def retention_ends_at(petition: Petition) -> datetime | None:
    """When this petition's signers' data is due to go; None while it has no closing date."""
    if petition.closes_at is None:
        return None
    return petition.closes_at + timedelta(days=retention_days(petition))


def petitions_due(*, now: datetime | None = None) -> list[Petition]:
    now = now or timezone.now()
    candidates = Petition.objects.filter(anonymised_at__isnull=True, closes_at__lte=now)
    return [p for p in candidates if (end := retention_ends_at(p)) is not None and end <= now]


def _still_needed_elsewhere(petition: Petition, now: datetime):
    """Signatures on other petitions whose retention has not run out (open, or closed
    recently): the signer's record is still needed there."""
    kept_petitions = [
        p.pk
        for p in Petition.objects.exclude(pk=petition.pk).filter(anonymised_at__isnull=True)
        if (end := retention_ends_at(p)) is None or end > now
    ]
    return Signature.objects.filter(supporter=OuterRef("pk"), petition_id__in=kept_petitions)


def _letters_and_calls_still_needed(now: datetime):
    """Letters and calls on actions still open or closed within the retention period: a
    letter may still be waiting for its turn to the target, so its writer is kept."""
    cutoff = now - timedelta(
        days=int(getattr(settings, "RETENTION_DAYS_AFTER_CLOSE", DEFAULT_RETENTION_DAYS))
    )
    live = Q(action__closes_at__isnull=True) | Q(action__closes_at__gt=cutoff)
    return [
        Exists(model.objects.filter(live, supporter=OuterRef("pk"))) for model in (Letter, Call)
    ]


def supporters_to_anonymise(*, petition: Petition, now: datetime | None = None):
    """Signers of ``petition`` who did not opt in to hear more, and whose data no other
    petition still needs."""
    now = now or timezone.now()
    opted_in = Q(Exists(Subscription.objects.active().filter(supporter=OuterRef("pk"))))
    for model in (Signature, Letter, Call):
        opted_in |= Q(Exists(model.objects.filter(supporter=OuterRef("pk"), keep_informed=True)))
    still_needed = Q(Exists(_still_needed_elsewhere(petition, now)))
    for needed in _letters_and_calls_still_needed(now):
        still_needed |= Q(needed)
    return (
        Supporter.objects.filter(erased_at__isnull=True, signatures__petition=petition)
        .exclude(opted_in)
        .exclude(still_needed)
        .distinct()
    )


def petition_apply_retention(*, petition: Petition, now: datetime | None = None) -> int:
    """Anonymise the petition's signers who are due; the petition's counts (and its
    signatures' countries) stay. Returns how many supporters were anonymised."""
    now = now or timezone.now()
    anonymised = 0
    for supporter in supporters_to_anonymise(petition=petition, now=now).iterator():
        # No suppression entry: these people asked for nothing to stop, they just did not
        # ask to hear more. One audit row for the run, not one per person.
        supporter_erase(supporter=supporter, suppress=False, audit=False, why="retention")
        anonymised += 1
    Petition.objects.filter(pk=petition.pk).update(anonymised_at=now)
    audit_record(
        actor=None,
        action=AuditEvent.Action.CHANGE,
        obj=petition,
        detail=f"retention: {anonymised} signer(s) anonymised "
        f"{retention_days(petition)} days after the petition closed",
    )
    logger.info("retention: petition %s: %s supporter(s) anonymised", petition.pk, anonymised)
    return anonymised


def unconfirmed_subscribers(*, now: datetime | None = None):
    """People who asked to subscribe and never followed the link, well past its expiry,
    and did nothing else: whoever typed the address may not have owned it."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=confirmation_max_age()) - timedelta(days=1)
    return (
        Supporter.objects.filter(
            erased_at__isnull=True, email_confirmed_at__isnull=True, created_at__lt=cutoff
        )
        .filter(Exists(Subscription.objects.filter(supporter=OuterRef("pk"))))
        .exclude(Exists(Signature.objects.filter(supporter=OuterRef("pk"))))
        .exclude(Exists(Letter.objects.filter(supporter=OuterRef("pk"))))
        .exclude(Exists(Call.objects.filter(supporter=OuterRef("pk"))))
    )


def unconfirmed_subscribers_purge(*, now: datetime | None = None) -> int:
    """Erase them (no suppression: the owner may subscribe later). One audit row."""
    purged = 0
    for supporter in unconfirmed_subscribers(now=now).iterator():
        supporter_erase(supporter=supporter, suppress=False, audit=False, why="never confirmed")
        purged += 1
    if purged:
        audit_record(
            actor=None,
            action=AuditEvent.Action.CHANGE,
            object_type="supporters.supporter",
            detail=f"retention: {purged} never-confirmed subscriber(s) erased",
        )
    return purged


RETENTION_INTERVAL = timedelta(days=1)
_NEXT_RUN_KEY = "retention:next-run-queued"


def retention_schedule_next() -> bool:
    """Queue the next daily run, unless one was queued within the day (so starting the
    chain twice does not double it). Returns whether it queued one."""
    from outcry.subscriptions import tasks

    lifetime = int(RETENTION_INTERVAL.total_seconds()) - 3600
    if not cache.add(_NEXT_RUN_KEY, 1, timeout=lifetime):
        return False
    tasks.apply_retention.using(run_after=timezone.now() + RETENTION_INTERVAL).enqueue(
        reschedule=True
    )
    return True


def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Apply retention to every petition that is due. Idempotent: a petition is done once."""
    now = now or timezone.now()
    return {
        petition.slug: petition_apply_retention(petition=petition, now=now)
        for petition in petitions_due(now=now)
    }
