"""Every write to the target directory (the CSV import lives in ``imports``).

Letter and call pages show an office's holder, address, phone and whether its email
works, and are served from the public cache (``outcry.core.public_cache``): every write
here, in the import and in the admin calls ``directory_changed`` so they are rendered
afresh. What changes with the date alone (a tenure that starts or ends today) is seen
within ``PUBLIC_CACHE_SECONDS``."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from outcry.core.content import content_audit
from outcry.core.public_cache import public_content_changed
from outcry.targets.models import Office, Target, Tenure

Actor = AbstractBaseUser | AnonymousUser

EMAIL_PERM = "targets.change_office_email"


def directory_changed() -> None:
    """An office, a person or a tenure was written: public pages that name them are stale
    (now, and once the current transaction commits)."""
    public_content_changed()


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
        directory_changed()
    return tenure


def office_mark_email_bounced(*, office_id: int, email: str, reason: str) -> bool:
    """The office's mail server refused ``email`` for good: stop sending to it.

    Only marks the office if its address is still ``email`` (staff may have corrected it
    meanwhile). Returns whether it marked it.
    """
    marked = bool(
        Office.objects.filter(pk=office_id, email=email, email_bounced_at__isnull=True).update(
            email_bounced_at=timezone.now(), email_bounce_reason=reason[:500]
        )
    )
    if marked:  # the letter page no longer offers to send by email
        directory_changed()
    return marked


def office_email_change(*, office: Office, email: str, actor: Actor) -> Office:
    """Give ``office`` a new email address (an administrator's change, audited with the old
    and new address).

    The office's letters go to its address with supporters' names and Reply-To addresses,
    so a new address is held: nothing queued or scheduled is sent to it (the letters wait,
    ``email_usable`` being false) until an administrator confirms it with
    ``office_email_confirm``. A bounce on the old address no longer applies."""
    if not actor.has_perm(EMAIL_PERM):
        raise PermissionDenied
    with transaction.atomic():
        locked = Office.objects.select_for_update().get(pk=office.pk)
        old = locked.email
        if email == old:
            return office
        bounced = (locked.email_bounced_at, locked.email_bounce_reason)
        locked.email = email
        locked.email_held_since = timezone.now() if email else None
        locked.email_bounced_at, locked.email_bounce_reason = None, ""
        locked.full_clean()
        locked.save(
            update_fields=[
                "email",
                "email_held_since",
                "email_bounced_at",
                "email_bounce_reason",
                "updated_at",
            ]
        )
        content_audit(
            actor=actor,
            event="targets.office.email_changed",
            obj=locked,
            changes={"email": (old, email)}
            # The bounce the old address had is cleared with it.
            | ({"email_bounced_at": (bounced[0], None)} if bounced[0] else {}),
        )
        directory_changed()
    for name in ("email", "email_held_since", "email_bounced_at", "email_bounce_reason"):
        setattr(office, name, getattr(locked, name))
    return office


def office_email_confirm(*, office: Office, actor: Actor) -> bool:
    """An administrator confirms the office's new address: letters waiting for the office
    may go to it from the next dispatch. Returns whether it was held."""
    if not actor.has_perm(EMAIL_PERM):
        raise PermissionDenied
    with transaction.atomic():
        locked = Office.objects.select_for_update().get(pk=office.pk)
        if locked.email_held_since is None:
            return False
        Office.objects.filter(pk=office.pk).update(email_held_since=None)
        content_audit(
            actor=actor,
            event="targets.office.email_confirmed",
            obj=locked,
            changes={"email_held_since": (locked.email_held_since, None)},
        )
        directory_changed()
    office.email_held_since = None
    return True
