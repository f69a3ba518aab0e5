"""Every write to cases."""

from datetime import date

from django.db import transaction

from outcry.cases.models import Case, CaseUpdate


def case_update_add(
    *,
    case: Case,
    date: date,
    title: str,
    body: str = "",
    new_status: str = "",
    translations: dict[str, dict[str, str]] | None = None,
) -> CaseUpdate:
    """Add a dated update to the case's timeline; with ``new_status``, the case takes it.

    The case keeps the status of its latest dated update that set one, so back-dating an
    old update never overrides newer news.
    """
    with transaction.atomic():
        update = CaseUpdate(case=case, date=date, title=title, body=body, new_status=new_status)
        for language, fields in (translations or {}).items():
            for field, value in fields.items():
                setattr(update, f"{field}_{language}", value)
        update.full_clean()
        update.save()
        if new_status:
            case_sync_status(case=case)
    return update


def case_sync_status(*, case: Case) -> None:
    """Set the case's status from its latest dated update that names one."""
    latest = case.updates.exclude(new_status="").order_by("-date", "-created_at").first()
    if latest is not None and case.status != latest.new_status:
        Case.objects.filter(pk=case.pk).update(status=latest.new_status)
        case.status = latest.new_status
