"""What happens elsewhere when published content (a case, an action, a post) is written.

The apps that own cases, actions and posts sit low in the layers; apps above them (news
keeps the search index) must follow every save and delete, and may not be imported from
below. They register a plain function here from their ``AppConfig.ready()``; the services
that write content call ``content_saved`` / ``content_deleted`` inside their own
transaction. Inside, not on commit: the search index lives in the same database, so its
rows are written and rolled back with the content they describe, and a crash between the
commit and a later callback can never leave the index out of step. As in
``outcry.actions.hooks`` (and unlike a Django signal) it is an explicit, ordered call in
the service, easy to follow from the call site, and not fired by a bare ``save()``.

The audit format of content changes lives here too, so that every service writes it the
same way: the dotted event, and ``extra["changes"]``, each changed field with its old and
new value.
"""

import json
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from outcry.core.audit import audit_record
from outcry.core.models import AuditEvent
from outcry.core.public_cache import public_content_changed

SavedReceiver = Callable[[models.Model], None]
DeletedReceiver = Callable[[type[models.Model], list[Any]], None]

_on_saved: dict[str, SavedReceiver] = {}
_on_deleted: dict[str, DeletedReceiver] = {}


def on_content_saved(label: str, receiver: SavedReceiver) -> None:
    """Call ``receiver(obj)`` after every service write of a case, an action or a post
    (idempotent per label; receivers run in label order and ignore models they do not
    follow)."""
    _on_saved[label] = receiver


def on_content_deleted(label: str, receiver: DeletedReceiver) -> None:
    """Call ``receiver(model, ids)`` after a service deletes content (idempotent per label)."""
    _on_deleted[label] = receiver


def content_saved(obj: models.Model) -> None:
    # Cached public pages and counts are rendered afresh once this commits.
    public_content_changed()
    for label in sorted(_on_saved):
        _on_saved[label](obj)


def content_deleted(model: type[models.Model], ids: Iterable[Any]) -> None:
    ids = list(ids)
    if not ids:
        return
    public_content_changed()
    for label in sorted(_on_deleted):
        _on_deleted[label](model, ids)


Changes = dict[str, tuple[Any, Any]]


def _audited_fields(model: type[models.Model]) -> list[models.Field]:
    """The concrete fields whose changes are worth recording: not the primary key, not
    the timestamps Django sets itself, and not the original column of a translated field
    (its per-language columns, ``title_en``, ``title_fr``…, say what changed)."""
    names = {f.name for f in model._meta.concrete_fields}
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False):
            continue
        if getattr(field, "auto_now_add", False):
            continue
        if f"{field.name}_{settings.LANGUAGE_CODE}" in names:
            continue
        fields.append(field)
    return fields


def _value(obj: models.Model, field: models.Field) -> Any:
    # The value as the database stores it: a country as its code, a file as its name.
    return field.get_prep_value(getattr(obj, field.attname))


def field_values(obj: models.Model) -> dict[str, Any]:
    """The audited fields of ``obj`` with their values (a foreign key as its id)."""
    return {field.attname: _value(obj, field) for field in _audited_fields(type(obj))}


def field_changes(before: models.Model | None, after: models.Model) -> Changes:
    """``{attname: (old, new)}`` for each audited field whose value differs; with no
    ``before`` (a creation) every field that holds something, old ``None``."""
    new = field_values(after)
    if before is None:
        return {name: (None, value) for name, value in new.items() if value not in (None, "")}
    old = field_values(before)
    return {name: (old[name], new[name]) for name in new if old[name] != new[name]}


def content_audit(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    event: str,
    obj: models.Model,
    changes: Changes | None = None,
    withheld: Collection[str] = (),
) -> AuditEvent:
    """Write the audit row of a content change: ``event`` (a dotted name such as
    ``cases.case.published``), then each changed field's old and new values as JSON.

    Fields in ``withheld`` (staff-only notes about a person at risk) are recorded as
    changed, never with their values: the audit log must not become a second copy of
    what the model keeps out of every other view."""
    recorded = {}
    for name, (old, new) in (changes or {}).items():
        recorded[name] = {"withheld": True} if name in withheld else {"old": old, "new": new}
    # Through the JSON encoder now, so dates and decimals are stored as the text they print.
    extra = json.loads(json.dumps({"changes": recorded}, cls=DjangoJSONEncoder)) if recorded else {}
    return audit_record(actor=actor, event=event, obj=obj, extra=extra)


def publication_set(
    *, obj: models.Model, published: bool, actor: AbstractBaseUser | AnonymousUser | None
) -> bool:
    """Write ``obj``'s ``is_published`` (and ``updated_at``) and its audit row
    (``<app>.<model>.published`` / ``.unpublished``), the row locked meanwhile; False when
    it already had that value. Call inside the service's transaction."""
    model = type(obj)
    old = model.objects.select_for_update().values_list("is_published", flat=True).get(pk=obj.pk)
    obj.is_published = published
    if old == published:
        return False
    obj.updated_at = timezone.now()
    model.objects.filter(pk=obj.pk).update(is_published=published, updated_at=obj.updated_at)
    event = "published" if published else "unpublished"
    content_audit(
        actor=actor,
        event=f"{obj._meta.label_lower}.{event}",
        obj=obj,
        changes={"is_published": (old, published)},
    )
    return True


def apply_fields(obj: models.Model, fields: dict[str, Any]) -> None:
    """Set ``fields`` on ``obj``; only editable concrete fields may be named (a counter,
    a timestamp or an unknown name is refused, so a caller cannot write what the counting
    task or Django keeps)."""
    editable = {}
    for field in type(obj)._meta.concrete_fields:
        if field.editable and not field.primary_key:
            editable[field.name] = field
            editable[field.attname] = field
    unknown = sorted(set(fields) - set(editable))
    if unknown:
        raise ValueError(f"Not editable on {type(obj).__name__}: {', '.join(unknown)}")
    for name, value in fields.items():
        setattr(obj, name, value)


def written_fields(model: type[models.Model]) -> list[str]:
    """What a service's save writes: every editable column and the ``auto_now`` stamp,
    never a column written elsewhere (counters, anonymisation times), which a copy
    loaded earlier would put back to an old value."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key and (field.editable or getattr(field, "auto_now", False))
    ]


def form_fields(form) -> dict[str, Any]:
    """The model fields a ModelForm edits, with the values it has set on its instance:
    what an admin hands to a service's ``fields``."""
    model = type(form.instance)
    names = {f.name for f in model._meta.concrete_fields if f.editable and not f.primary_key}
    return {name: getattr(form.instance, name) for name in form.cleaned_data if name in names}
