"""Writing actions (petitions, letter and email actions, call actions), one set for every kind.

All kinds share a status (draft → open → closed) and a closing date; petitions can also
pause signing. Each write is atomic, audited with the acting user and the old and new
values (``actions.<kind>.<event>``), and followed by the content hook
(``outcry.core.content``), which keeps search in step. A change of status or of the pause
is always its own event, whichever way it comes (these functions, an ``action_update``
from the API, the admin's form), so the audit reads the same for each.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models, transaction
from django.utils import timezone

from outcry.actions.models import Action, ActionStatus
from outcry.core.content import (
    apply_fields,
    content_audit,
    content_deleted,
    content_saved,
    field_changes,
    written_fields,
)

Actor = AbstractBaseUser | AnonymousUser | None

# The events the status changes make.
_STATUS_EVENTS = {
    ActionStatus.OPEN: "published",
    ActionStatus.CLOSED: "closed",
    ActionStatus.DRAFT: "withdrawn",
}
# Written only through their own events, never as a plain field change.
_TRANSITIONS = ("status", "signing_paused")


def _event(action: Action | type[Action], what: str) -> str:
    return f"{action._meta.label_lower}.{what}"


def action_create(*, model: type[Action], fields: dict[str, Any], actor: Actor) -> Action:
    """Create an action of ``model`` from ``fields`` (model field names; ``title_fr`` for a
    translation). It is created as a draft; a ``status`` or ``signing_paused`` in
    ``fields`` then follows as its own audited event."""
    fields = dict(fields)
    wanted = {name: fields.pop(name) for name in _TRANSITIONS if name in fields}
    with transaction.atomic():
        action = model()
        apply_fields(action, fields)
        action.status = ActionStatus.DRAFT
        action.full_clean()
        action.save()
        content_audit(
            actor=actor,
            event=_event(action, "created"),
            obj=action,
            changes=field_changes(None, action),
        )
        _transitions(action=action, wanted=wanted, actor=actor)
        content_saved(action)
    return action


def action_update(*, action: Action, fields: dict[str, Any], actor: Actor) -> Action:
    """Change an action's fields; a new ``status`` or ``signing_paused`` is applied as
    ``action_publish`` / ``action_close`` / ``action_pause`` / ``action_resume`` would."""
    fields = dict(fields)
    wanted = {name: fields.pop(name) for name in _TRANSITIONS if name in fields}
    model = type(action)
    with transaction.atomic():
        before = model.objects.select_for_update().get(pk=action.pk)
        apply_fields(action, fields)
        for name in _TRANSITIONS:
            if _has_field(model, name):
                setattr(action, name, getattr(before, name))
        changes = field_changes(before, action)
        if changes:
            action.full_clean()
            action.save(update_fields=written_fields(model))
            content_audit(actor=actor, event=_event(action, "updated"), obj=action, changes=changes)
        moved = _transitions(action=action, wanted=wanted, actor=actor)
        if changes or moved:
            content_saved(action)
    return action


def action_publish(*, action: Action, actor: Actor) -> Action:
    """Open an action to the public; nothing happens if it is open. (A closing date in the
    past still keeps it from taking part: see ``is_open``.)"""
    return _transition(action=action, wanted={"status": ActionStatus.OPEN}, actor=actor)


def action_close(*, action: Action, actor: Actor) -> Action:
    """Close an action; without a closing date it gets today's, from which the retention
    of its participants' data counts."""
    return _transition(action=action, wanted={"status": ActionStatus.CLOSED}, actor=actor)


def action_pause(*, action: Action, actor: Actor) -> Action:
    """Stop taking part for now (a petition under attack by bots)."""
    return _transition(action=action, wanted={"signing_paused": True}, actor=actor)


def action_resume(*, action: Action, actor: Actor) -> Action:
    """Take part again after a pause."""
    return _transition(action=action, wanted={"signing_paused": False}, actor=actor)


def action_delete(*, action: Action, actor: Actor) -> None:
    """Delete an action (refused by the database while participations point at it)."""
    model = type(action)
    with transaction.atomic():
        action_id = action.pk
        content_audit(
            actor=actor,
            event=_event(action, "deleted"),
            obj=action,
            changes={name: (old, None) for name, (_n, old) in field_changes(None, action).items()},
        )
        action.delete()
        content_deleted(model, [action_id])


def _transition(*, action: Action, wanted: dict[str, Any], actor: Actor) -> Action:
    with transaction.atomic():
        if _transitions(action=action, wanted=wanted, actor=actor):
            content_saved(action)
    return action


def _has_field(model: type[models.Model], name: str) -> bool:
    return any(field.name == name for field in model._meta.concrete_fields)


def _transitions(*, action: Action, wanted: dict[str, Any], actor: Actor) -> bool:
    """Apply a new status and/or pause, each audited as its own event; True if any changed."""
    model = type(action)
    for name in wanted:
        if not _has_field(model, name):
            raise ValueError(f"{model.__name__} has no {name}")
    current = model.objects.select_for_update().get(pk=action.pk)
    moved = False
    if "status" in wanted and wanted["status"] != current.status:
        status = ActionStatus(wanted["status"])
        changes = {"status": (current.status, status.value)}
        update: dict[str, Any] = {"status": status.value}
        if status == ActionStatus.CLOSED and current.closes_at is None:
            # Retention counts from the closing date: closing by status records it.
            update["closes_at"] = timezone.now()
            changes["closes_at"] = (None, update["closes_at"])
        model.objects.filter(pk=action.pk).update(**update)
        for name, value in update.items():
            setattr(action, name, value)
        content_audit(
            actor=actor, event=_event(action, _STATUS_EVENTS[status]), obj=action, changes=changes
        )
        moved = True
    if "signing_paused" in wanted and bool(wanted["signing_paused"]) != current.signing_paused:
        paused = bool(wanted["signing_paused"])
        model.objects.filter(pk=action.pk).update(signing_paused=paused)
        action.signing_paused = paused
        content_audit(
            actor=actor,
            event=_event(action, "paused" if paused else "resumed"),
            obj=action,
            changes={"signing_paused": (current.signing_paused, paused)},
        )
        moved = True
    return moved
