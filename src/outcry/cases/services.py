"""Every write to cases: each is atomic, audited with the acting user and the old and new
values, and followed by the content hook (``outcry.core.content``) that keeps search in step."""

from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from outcry.cases.models import Case, CaseUpdate
from outcry.core.content import (
    apply_fields,
    content_audit,
    content_deleted,
    content_saved,
    field_changes,
    publication_set,
    written_fields,
)

Actor = AbstractBaseUser | AnonymousUser | None

# Staff-only notes about a person at risk: the audit says they changed, never what they say.
WITHHELD = ("sensitive_notes",)


def case_create(*, fields: dict[str, Any], actor: Actor) -> Case:
    """Create a case from ``fields`` (model field names, ``summary_fr`` for a translation).

    ``is_published`` is taken as a publication after the creation, audited as such.
    """
    fields = dict(fields)
    publish = bool(fields.pop("is_published", False))
    with transaction.atomic():
        case = Case()
        apply_fields(case, fields)
        case.full_clean()
        case.save()
        content_audit(
            actor=actor,
            event="cases.case.created",
            obj=case,
            changes=field_changes(None, case),
            withheld=WITHHELD,
        )
        if publish:
            publication_set(obj=case, published=True, actor=actor)
        content_saved(case)
    return case


def case_update(*, case: Case, fields: dict[str, Any], actor: Actor) -> Case:
    """Change a case's fields; a change of ``is_published`` is a publication (or its
    withdrawal), audited as one. Once a dated update has set the status, the timeline
    decides it: a different ``status`` is refused."""
    fields = dict(fields)
    publish = fields.pop("is_published", None)
    with transaction.atomic():
        before = Case.objects.select_for_update().get(pk=case.pk)
        apply_fields(case, fields)
        case.is_published = before.is_published
        if case.status != before.status and _timeline_sets_status(case):
            raise ValidationError(
                {"status": _("The case's timeline sets its status: add a dated update instead.")}
            )
        changes = field_changes(before, case)
        if changes:
            case.full_clean()
            case.save(update_fields=written_fields(Case))
            content_audit(
                actor=actor,
                event="cases.case.updated",
                obj=case,
                changes=changes,
                withheld=WITHHELD,
            )
        published = False
        if publish is not None:
            published = publication_set(obj=case, published=bool(publish), actor=actor)
        if changes or published:
            content_saved(case)
    return case


def case_publish(*, case: Case, actor: Actor) -> Case:
    """Publish a case (nothing happens if it already is)."""
    with transaction.atomic():
        if publication_set(obj=case, published=True, actor=actor):
            content_saved(case)
    return case


def case_unpublish(*, case: Case, actor: Actor) -> Case:
    """Withdraw a case from the public pages (nothing happens if it is not published)."""
    with transaction.atomic():
        if publication_set(obj=case, published=False, actor=actor):
            content_saved(case)
    return case


def case_delete(*, case: Case, actor: Actor) -> None:
    """Delete a case (refused by the database while actions point at it)."""
    with transaction.atomic():
        case_id = case.pk
        content_audit(
            actor=actor,
            event="cases.case.deleted",
            obj=case,
            changes={name: (old, None) for name, (_n, old) in field_changes(None, case).items()},
            withheld=WITHHELD,
        )
        case.delete()
        content_deleted(Case, [case_id])


def _timeline_sets_status(case: Case) -> bool:
    return case.updates.exclude(new_status="").exists()


def case_update_add(
    *,
    case: Case,
    date: date,
    title: str,
    body: str = "",
    new_status: str = "",
    translations: dict[str, dict[str, str]] | None = None,
    actor: Actor = None,
) -> CaseUpdate:
    """Add a dated update to the case's timeline; with ``new_status``, the case takes it.

    The case keeps the status of its latest dated update that set one, so back-dating an
    old update never overrides newer news. ``actor`` is None when the system adds it (a
    recorded delivery).
    """
    with transaction.atomic():
        update = CaseUpdate(case=case, date=date, title=title, body=body, new_status=new_status)
        for language, fields in (translations or {}).items():
            for field, value in fields.items():
                setattr(update, f"{field}_{language}", value)
        update.full_clean()
        update.save()
        content_audit(
            actor=actor,
            event="cases.caseupdate.added",
            obj=update,
            changes=field_changes(None, update),
        )
        _sync_status_audited(case=case, actor=actor)
    return update


def case_update_change(*, update: CaseUpdate, fields: dict[str, Any], actor: Actor) -> CaseUpdate:
    """Correct a dated update; the case's status follows its timeline again."""
    with transaction.atomic():
        before = CaseUpdate.objects.select_for_update().get(pk=update.pk)
        apply_fields(update, fields)
        changes = field_changes(before, update)
        if changes:
            update.full_clean()
            update.save(update_fields=written_fields(CaseUpdate))
            content_audit(
                actor=actor, event="cases.caseupdate.changed", obj=update, changes=changes
            )
            _sync_status_audited(case=update.case, actor=actor)
    return update


def case_update_remove(*, update: CaseUpdate, actor: Actor) -> None:
    """Delete a dated update; the case's status follows what is left of its timeline."""
    with transaction.atomic():
        case = update.case
        content_audit(
            actor=actor,
            event="cases.caseupdate.removed",
            obj=update,
            changes={name: (new, None) for name, (_o, new) in field_changes(None, update).items()},
        )
        update.delete()
        _sync_status_audited(case=case, actor=actor)


def _sync_status_audited(*, case: Case, actor: Actor) -> None:
    old = Case.objects.values_list("status", flat=True).get(pk=case.pk)
    case_sync_status(case=case)
    if case.status != old:
        content_audit(
            actor=actor,
            event="cases.case.status_changed",
            obj=case,
            changes={"status": (old, case.status)},
        )


def case_sync_status(*, case: Case) -> None:
    """Set the case's status from its latest dated update that names one."""
    latest = case.updates.exclude(new_status="").order_by("-date", "-created_at").first()
    if latest is not None and case.status != latest.new_status:
        Case.objects.filter(pk=case.pk).update(status=latest.new_status)
        case.status = latest.new_status
