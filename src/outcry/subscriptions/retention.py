"""Retention: a set time after an action closes (per action, or the site default), its
participants who did not ask to hear more are anonymised (as alphagov/e-petitions does six
months after a petition closes). Every registered action type is covered
(``outcry.actions.registry``): petitions, letters and emails, calls, and any kind added.

An action with no closing date is treated as closing ``RETENTION_MAX_OPEN_DAYS`` after it
was opened, so no one is kept forever because nobody closed it; and while such an action is
still taking part, each participant also keeps at least the action's period from their own
participation (a late signer is not erased the day after signing).

It lives here, not in actions or supporters, because "asked to hear more" is known here:
an active subscription, or a confirmed "keep me informed" when acting. Delivered packages'
files expire in the same daily run (``outcry.deliveries.services.packages_expire``).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from outcry.actions.models import Petition
from outcry.actions.registry import action_types, type_of
from outcry.core.audit import audit_record
from outcry.core.queue import enqueue
from outcry.core.services import ip_hashes_expire
from outcry.deliveries.services import packages_expire
from outcry.subscriptions.models import Subscription, SubscriptionRequest
from outcry.subscriptions.tokens import confirmation_max_age
from outcry.supporters.models import Supporter
from outcry.supporters.personal_data import retain_all
from outcry.supporters.services import supporter_erase

logger = logging.getLogger(__name__)


def retention_days(action) -> int:
    """The action's own period, or the site's default."""
    if action.retention_days is not None:
        return action.retention_days
    return int(settings.RETENTION_DAYS_AFTER_CLOSE)


def _retention_starts_at(action) -> datetime:
    if action.closes_at is not None:
        return action.closes_at
    return action.created_at + timedelta(days=settings.RETENTION_MAX_OPEN_DAYS)


def retention_ends_at(action) -> datetime:
    """When this action's participants' data is due to go (but see ``_participants``: on
    an action with no closing date, each participant keeps their own period too)."""
    return _retention_starts_at(action) + timedelta(days=retention_days(action))


def actions_due(*, now: datetime | None = None) -> list:
    """Every action, of every type, whose retention period has ended."""
    now = now or timezone.now()
    return [
        action
        for kind in action_types()
        for action in kind.action_model.objects.filter(
            Q(closes_at__lte=now)
            | Q(
                closes_at__isnull=True,
                created_at__lte=now - timedelta(days=settings.RETENTION_MAX_OPEN_DAYS),
            )
        ).order_by("pk")
        if retention_ends_at(action) <= now
    ]


def petitions_due(*, now: datetime | None = None) -> list[Petition]:
    petition = type_of(Petition)
    return [action for action in actions_due(now=now) if type_of(action) is petition]


def _participants(action, now: datetime):
    """The action's participations that are due."""
    rows = type_of(action).participations(action).filter(supporter__isnull=False)
    if action.closes_at is None:
        rows = rows.filter(created_at__lte=now - timedelta(days=retention_days(action)))
    return rows


def _still_needed(action, now: datetime) -> Q:
    """The supporter also took part in an action whose period has not run out (open, or
    closed recently: a letter may still be waiting its turn to the target)."""
    due = {(type(a), a.pk) for a in actions_due(now=now)}
    needed = Q()
    longest = timedelta(days=max(int(settings.RETENTION_DAYS_AFTER_CLOSE), 0))
    for kind in action_types():
        action_model, link = kind.action_model, kind.action_field
        live = [
            pk
            for pk in action_model.objects.values_list("pk", flat=True)
            if (action_model, pk) not in due
        ]
        longest_here = max(
            [longest]
            + [
                timedelta(days=days)
                for days in action_model.objects.filter(retention_days__isnull=False)
                .values_list("retention_days", flat=True)
                .distinct()
            ]
        )
        rows = kind.participation_model.objects.filter(supporter=OuterRef("pk")).filter(
            Q(**{f"{link}_id__in": live})
            | Q(**{f"{link}__closes_at__isnull": True}, created_at__gt=now - longest_here)
        )
        needed |= Q(Exists(rows))
    return needed


def _opted_in() -> Q:
    """An active subscription, or a proven "keep me informed" on any action."""
    opted_in = Q(Exists(Subscription.objects.active().filter(supporter=OuterRef("pk"))))
    for kind in action_types():
        opted_in |= Q(
            Exists(
                kind.participation_model.objects.filter(
                    kind.proven, supporter=OuterRef("pk"), keep_informed=True
                )
            )
        )
    return opted_in


def supporters_to_anonymise(*, petition=None, action=None, now: datetime | None = None):
    """Participants of ``action`` who are due, did not opt in to hear more, and whose data
    no other action still needs. (``petition=`` is the older name of ``action=``.)"""
    action = action if action is not None else petition
    now = now or timezone.now()
    due = _participants(action, now).values("supporter_id")
    return (
        Supporter.objects.filter(erased_at__isnull=True, pk__in=due)
        .exclude(_opted_in())
        .exclude(_still_needed(action, now))
    )


def action_apply_retention(*, action, now: datetime | None = None) -> int:
    """Anonymise the action's participants who are due; its counts (and its participations'
    countries) stay. Returns how many supporters were anonymised."""
    now = now or timezone.now()
    anonymised = 0
    for supporter in supporters_to_anonymise(action=action, now=now).iterator():
        # No suppression entry: these people asked for nothing to stop, they just did not
        # ask to hear more. One audit row for the run, not one per person.
        supporter_erase(supporter=supporter, suppress=False, audit=False, why="retention")
        anonymised += 1
    first_time = action.anonymised_at is None
    type(action).objects.filter(pk=action.pk).update(anonymised_at=now)
    if anonymised or first_time:
        audit_record(
            actor=None,
            event=f"{action._meta.label_lower}.anonymised",
            obj=action,
            extra={"count": anonymised, "days_after_close": retention_days(action)},
        )
    logger.info("retention: %s %s: %s anonymised", action._meta.label, action.pk, anonymised)
    return anonymised


def petition_apply_retention(*, petition: Petition, now: datetime | None = None) -> int:
    return action_apply_retention(action=petition, now=now)


def unconfirmed_subscribers(*, now: datetime | None = None):
    """People who asked to subscribe and never followed the link, well past its expiry,
    and did nothing else: whoever typed the address may not have owned it."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=confirmation_max_age()) - timedelta(days=1)
    supporters = Supporter.objects.filter(
        erased_at__isnull=True, email_confirmed_at__isnull=True, created_at__lt=cutoff
    ).filter(Exists(Subscription.objects.filter(supporter=OuterRef("pk"))))
    for kind in action_types():
        supporters = supporters.exclude(
            Exists(kind.participation_model.objects.filter(supporter=OuterRef("pk")))
        )
    return supporters


def unconfirmed_subscribers_purge(*, now: datetime | None = None) -> int:
    """Erase them (no suppression: the owner may subscribe later). One audit row."""
    purged = 0
    for supporter in unconfirmed_subscribers(now=now).iterator():
        supporter_erase(supporter=supporter, suppress=False, audit=False, why="never confirmed")
        purged += 1
    if purged:
        audit_record(
            actor=None,
            event="subscriptions.subscription.unconfirmed_erased",
            extra={"count": purged},
        )
    return purged


RETENTION_INTERVAL = timedelta(days=1)
_NEXT_RUN_KEY = "retention:next-run-queued"


def retention_schedule_next() -> bool:
    """Queue the next daily run, unless one was queued within the day (so starting the
    chain twice does not double it). Returns whether it queued one."""
    lifetime = int(RETENTION_INTERVAL.total_seconds()) - 3600
    if not cache.add(_NEXT_RUN_KEY, 1, timeout=lifetime):
        return False
    enqueue(
        "outcry.subscriptions.tasks.apply_retention",
        reschedule=True,
        run_after=timezone.now() + RETENTION_INTERVAL,
        with_transaction=False,
    )
    return True


def action_key(action) -> str:
    """A petition by its slug (the key reports had before other kinds existed); other
    actions by their model and slug (slugs are unique per kind)."""
    if type_of(action) is type_of(Petition):
        return action.slug
    return f"{action._meta.model_name}:{action.slug}"


def retention_apply(*, now: datetime | None = None) -> dict[str, int]:
    """Apply retention to every action that is due, and expire delivered packages' files.

    Returns, per action, how many were anonymised, for the actions where anything happened
    or that were due for the first time. Idempotent: the erased are not erased twice, and
    an action still open past its period is visited again for its late participants.
    """
    now = now or timezone.now()
    done = {}
    for action in actions_due(now=now):
        first_time = action.anonymised_at is None
        anonymised = action_apply_retention(action=action, now=now)
        if anonymised or first_time:
            done[action_key(action)] = anonymised
    packages_expire(now=now)
    return done


def stale_subscription_requests_purge(*, now: datetime) -> int:
    """Subscribe forms the worker never took (their task lost), a day on: the person saw
    "check your email" and got nothing, and may send the form again; the sealed address
    is not kept waiting for ever."""
    deleted, _ = SubscriptionRequest.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return deleted


def retention_run_all(now: datetime | None = None) -> dict:
    """The daily run: this module's retention, then every other app's (registered with the
    supporters' personal-data registry)."""
    now = now or timezone.now()
    done = {
        "actions": retention_apply(now=now),
        "subscribers": unconfirmed_subscribers_purge(now=now),
        "subscription_requests": stale_subscription_requests_purge(now=now),
    }
    done |= retain_all(now=now, skip="subscriptions")
    done["ip_hashes"] = ip_hashes_expire()
    return done
