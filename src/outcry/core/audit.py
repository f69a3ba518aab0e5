"""Writing the audit log, and the one registry of what it may record.

Every event type is declared once, with a translated label, by the app that writes it: a
module ``audit.py`` in the app calls ``audit_event("app.model.verb", _("label"))``. Core
imports every app's ``audit`` module when it is ready (``autodiscover_modules``), so the
registry is complete before any request or task runs, and ``audit_record`` refuses an
event nobody declared: a typo or a forgotten declaration fails the first test that
reaches it instead of writing a row the data-protection page cannot name.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from outcry.core.models import AuditEvent

AUDIT_EVENTS: dict[str, Promise | str] = {}

# A batch (a moderation queue, a retention run) records at most this many ids.
AUDIT_IDS_LIMIT = 1000


def audit_event(event: str, label: Promise | str) -> str:
    """Declare the event type ``event`` (``<app>.<model>.<verb>``) with its label."""
    parts = event.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"An audit event is named <app>.<model>.<verb>, not {event!r}.")
    AUDIT_EVENTS[event] = label
    return event


def audit_events_for_model(label_lower: str, verbose_name: Promise | str, verbs: dict) -> None:
    """Declare ``<label_lower>.<verb>`` for each verb, labelled "<model>: <verb label>"."""
    for verb, verb_label in verbs.items():
        audit_event(f"{label_lower}.{verb}", format_lazy("{}: {}", verbose_name, verb_label))


def audit_event_label(event: str) -> str:
    """The event's translated label (the raw name for an old row of an event since retired)."""
    return str(AUDIT_EVENTS.get(event, event))


def _actor_fields(actor: AbstractBaseUser | AnonymousUser | None) -> dict[str, Any]:
    if actor is not None and actor.is_authenticated:
        return {
            "actor": actor,
            "actor_username": actor.get_username(),
            "actor_kind": AuditEvent.ActorKind.STAFF,
        }
    return {"actor": None, "actor_username": "", "actor_kind": AuditEvent.ActorKind.SYSTEM}


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    event: str,
    obj: models.Model | None = None,
    objects: Iterable[models.Model] | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit row for ``actor`` (None: the system) doing ``event`` to ``obj``, or
    to ``objects`` (their ids go into ``extra["ids"]``), with ``extra`` (ids, counts, old and
    new values: never an email address or a name).

    Without an object the row's type is the event's ``<app>.<model>``, so a search or a
    batch known only by ids is still found by type."""
    if event not in AUDIT_EVENTS:
        raise ValueError(f"Audit event {event!r} is not declared in any app's audit.py.")
    extra = dict(extra or {})
    object_type = event.rsplit(".", 1)[0]
    object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    elif objects is not None:
        objects = list(objects)
        if objects:
            object_type = objects[0]._meta.label_lower
        ids = [o.pk for o in objects]
        if len(ids) == 1:
            object_id = str(ids[0])
        extra.setdefault("count", len(ids))
        extra["ids"] = ids[:AUDIT_IDS_LIMIT]
    if len(extra.get("ids", ())) == 1 and not object_id:
        object_id = str(extra["ids"][0])
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        event=event,
        object_type=object_type,
        object_id=object_id,
        extra=extra,
    )


# Core's own events: logins and the audit trail itself.
audit_event("auth.login.failed", _("Failed login"))
audit_event("auth.login.locked_out", _("Login locked out"))
audit_event("auth.mfa.verified", _("Second factor passed"))
audit_event("auth.mfa.failed", _("Wrong second-factor code"))
audit_event("auth.mfa.enrolled", _("Second factor set up"))
audit_event("auth.mfa.removed", _("Second factor removed"))
audit_event("auth.mfa.reset", _("Second factor reset by an administrator"))
audit_event("core.auditevent.searched", _("Audit trail searched"))
audit_event("core.auditevent.exported", _("Audit trail exported"))
audit_event("core.personal_data.resealed", _("Personal data re-sealed with a new key"))
