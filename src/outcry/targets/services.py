"""Every write to the target directory (the CSV import lives in ``imports``)."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from outcry.targets.models import Office, Target, Tenure


def tenure_begin(*, office: Office, target: Target, started_on: date) -> Tenure:
    """``target`` takes ``office`` on ``started_on``; the current holder (if another
    person) leaves it that day. Taking an office one already holds changes nothing."""
    with transaction.atomic():
        current = (
            Tenure.objects.select_for_update().filter(office=office, ended_on__isnull=True).first()
        )
        if current is not None:
            if current.target_id == target.pk:
                return current
            current.ended_on = started_on
            current.full_clean()
            current.save(update_fields=["ended_on"])
        tenure = Tenure(office=office, target=target, started_on=started_on)
        tenure.full_clean()
        tenure.save()
    return tenure


def office_mark_email_bounced(*, office_id: int, email: str, reason: str) -> bool:
    """The office's mail server refused ``email`` for good: stop sending to it.

    Only marks the office if its address is still ``email`` (staff may have corrected it
    meanwhile). Returns whether it marked it.
    """
    return bool(
        Office.objects.filter(pk=office_id, email=email, email_bounced_at__isnull=True).update(
            email_bounced_at=timezone.now(), email_bounce_reason=reason[:500]
        )
    )


def office_clear_email_bounce(*, office: Office) -> None:
    Office.objects.filter(pk=office.pk).update(email_bounced_at=None, email_bounce_reason="")
    office.email_bounced_at, office.email_bounce_reason = None, ""
