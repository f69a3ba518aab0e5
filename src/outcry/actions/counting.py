"""Batched counting for letter, email and call actions (petitions keep their own in services).

The same design as signatures: a participation carries a ``counted`` flag; a task folds the
newly validated (and newly invalidated) ones into the action's ``count`` in batches, so no
counter row is written per supporter and running it twice never counts anyone twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outcry.actions.models import Call, CallAction, Letter, LetterAction, ParticipationState
from outcry.core.queue import enqueue

BATCH_SIZE = 5000
# The counted action types, by the name the count task carries.
KINDS = {
    "letter": (LetterAction, Letter),
    "call": (CallAction, Call),
}


def _key(kind: str, action_id: int) -> str:
    return f"action-count-pending:{kind}:{action_id}"


def action_request_count(*, kind: str, action_id: int) -> None:
    """Ask the worker to fold this action's new participations soon (call after commit)."""
    if cache.add(_key(kind, action_id), 1, timeout=int(settings.COUNT_BATCH_DELAY) + 60):
        enqueue(
            "outcry.actions.tasks.count_action",
            kind,
            action_id,
            run_after=timezone.now() + timedelta(seconds=settings.COUNT_BATCH_DELAY),
            with_transaction=False,
        )


def action_count(*, kind: str, action_id: int) -> int:
    """Fold new validations and invalidations into the action's count; returns the count."""
    action_model, model = KINDS[kind]
    cache.delete(_key(kind, action_id))
    validated = ParticipationState.VALIDATED
    while True:
        with transaction.atomic():
            to_add = list(
                model.objects.filter(
                    action_id=action_id, state=validated, counted=False
                ).values_list("pk", flat=True)[:BATCH_SIZE]
            )
            to_remove = list(
                model.objects.filter(action_id=action_id, counted=True)
                .exclude(state=validated)
                .values_list("pk", flat=True)[:BATCH_SIZE]
            )
            added = model.objects.filter(pk__in=to_add, state=validated, counted=False).update(
                counted=True
            )
            removed = (
                model.objects.filter(pk__in=to_remove, counted=True)
                .exclude(state=validated)
                .update(counted=False)
            )
            if added or removed:
                action_model.objects.filter(pk=action_id).update(
                    count=F("count") + added - removed, counted_at=timezone.now()
                )
        if len(to_add) < BATCH_SIZE and len(to_remove) < BATCH_SIZE:
            break
    return action_model.objects.values_list("count", flat=True).get(pk=action_id)


def action_recount(*, kind: str, action_id: int) -> int:
    """Reconcile the count with the rows themselves (staff action)."""
    action_model, model = KINDS[kind]
    validated = ParticipationState.VALIDATED
    with transaction.atomic():
        model.objects.filter(action_id=action_id, state=validated).update(counted=True)
        model.objects.filter(action_id=action_id).exclude(state=validated).update(counted=False)
        total = model.objects.filter(action_id=action_id, counted=True).count()
        action_model.objects.filter(pk=action_id).update(count=total, counted_at=timezone.now())
    return total
