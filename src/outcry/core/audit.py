"""Writing the audit log."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from outcry.core.models import AuditEvent


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    objects: Iterable[models.Model] | None = None,
    object_type: str = "",
    detail: str = "",
) -> AuditEvent:
    """Write one audit row for ``actor`` doing ``action`` to ``obj`` (or to ``objects``)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = str(obj.pk)
    elif objects is not None:
        ids = [str(o.pk) for o in objects]
        object_id = ids[0] if len(ids) == 1 else ""
        detail = (detail + " " if detail else "") + f"ids={','.join(ids)}"
    else:
        object_id = ""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_username=user.get_username() if user else "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )
