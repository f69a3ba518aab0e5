"""One batched counting path for every action type (petitions, letters, calls, and any kind
registered later).

A participation carries a ``counted`` flag; a task folds the newly validated (and newly
invalidated) ones into the action's ``count`` in batches, so no counter row is written per
supporter and running it twice, or in two workers, never counts anyone twice — the way
alphagov/e-petitions learned to count after its hot-row trouble in 2019.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation

from outcry.actions.models import ParticipationState
from outcry.actions.registry import action_type
from outcry.actions.selectors import action_count_data
from outcry.core.public_cache import (
    public_count,
    public_count_forget,
    public_count_store,
    public_page_forget,
)
from outcry.core.queue import COUNTS, enqueue

BATCH_SIZE = 5000


def _key(kind: str, action_id: int) -> str:
    return f"action-count-pending:{kind}:{action_id}"


def action_request_count(*, kind: str, action_id: int) -> None:
    """Ask the worker to count this action's new confirmations soon. Call after commit.

    One count task is queued per COUNT_BATCH_DELAY window: the key is removed by the task
    before it counts, so a confirmation that committed after that sees no key and queues
    the next task, and one that found the key is seen by the pending task.
    """

    if cache.add(_key(kind, action_id), 1, timeout=int(settings.COUNT_BATCH_DELAY) + 60):
        enqueue(
            "outcry.actions.tasks.count_action",
            kind,
            action_id,
            run_after=timezone.now() + timedelta(seconds=settings.COUNT_BATCH_DELAY),
            with_transaction=False,
            # Exact within COUNT_BATCH_DELAY whatever the email backlog: not behind it.
            queue=COUNTS,
        )


def action_count(*, kind: str, action_id: int) -> int:
    """Fold new validations and invalidations into the action's count; returns the count."""
    registered = action_type(kind)
    action_model = registered.action_model
    participations = registered.participations_of(action_id)
    cache.delete(_key(kind, action_id))
    validated = ParticipationState.VALIDATED
    changed = False
    while True:
        with transaction.atomic():
            to_add = list(
                participations.filter(state=validated, counted=False).values_list("pk", flat=True)[
                    :BATCH_SIZE
                ]
            )
            to_remove = list(
                participations.filter(counted=True)
                .exclude(state=validated)
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            rows = registered.participation_model.objects
            added = rows.filter(pk__in=to_add, state=validated, counted=False).update(counted=True)
            removed = (
                rows.filter(pk__in=to_remove, counted=True)
                .exclude(state=validated)
                .update(counted=False)
            )
            if added or removed:
                changed = True
                action_model.objects.filter(pk=action_id).update(
                    count=F("count") + added - removed, counted_at=timezone.now()
                )
        if len(to_add) < BATCH_SIZE and len(to_remove) < BATCH_SIZE:
            break
    action = action_model.objects.get(pk=action_id)
    _publish_count(kind=kind, slug=action.slug)
    if changed:
        _forget_pages(action)
    return action.count


def _forget_pages(action) -> None:
    """The action's cached page in every language shows the count it was rendered with:
    dropped once the count has changed, so a page is never more than a fold behind."""
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            public_page_forget(language=language, path=action.get_absolute_url())


def _publish_count(*, kind: str, slug: str) -> None:
    """Put the count just folded where the count JSON reads it, so every web process
    serves it within its own memo's second; an action no longer public is forgotten."""
    try:
        public_count_store(f"{kind}:{slug}", action_count_data(kind=kind, slug=slug))
    except Http404:
        public_count_forget(f"{kind}:{slug}")


def action_count_public(*, kind: str, slug: str) -> dict:
    """The count JSON's data for a public action (404 otherwise): as last folded, at
    most ``PUBLIC_CACHE_SECONDS`` old, usually as fresh as the last fold."""
    return public_count(f"{kind}:{slug}", lambda: action_count_data(kind=kind, slug=slug))


def action_recount(*, kind: str, action_id: int) -> int:
    """Reconcile the count with the rows themselves (staff action and command)."""
    registered = action_type(kind)
    participations = registered.participations_of(action_id)
    validated = ParticipationState.VALIDATED
    with transaction.atomic():
        participations.filter(state=validated).update(counted=True)
        participations.exclude(state=validated).update(counted=False)
        total = participations.filter(counted=True).count()
        registered.action_model.objects.filter(pk=action_id).update(
            count=total, counted_at=timezone.now()
        )
    slug = registered.action_model.objects.values_list("slug", flat=True).get(pk=action_id)
    _publish_count(kind=kind, slug=slug)
    return total
