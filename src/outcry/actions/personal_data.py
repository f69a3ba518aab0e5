"""What the actions app holds about a supporter, for their export and their erasure.

Registered with ``outcry.supporters.personal_data`` from ``ActionsConfig.ready()``, for
every registered action kind (``outcry.actions.registry``). Erasure keeps what the counts
need (country, state, counted, dates) and removes everything that could lead back to the
person: the email hash becomes a random value (so the uniqueness constraint still holds and
nobody can be matched to it), the IP hash, the source and the sealed fields go, and each
kind's own ``erase_values`` are written over its own fields.
"""

import uuid

from django.db import transaction

from outcry.actions.models import ParticipationState
from outcry.actions.registry import ActionType, action_types, participations_of_supporter
from outcry.core.crypto import unseal
from outcry.supporters.models import Supporter

ERASED_PREFIX = "erased:"


def _erased_hash() -> str:
    return f"{ERASED_PREFIX}{uuid.uuid4().hex}"


def _described(kind: ActionType, row) -> dict:
    """One participation as its supporter's export shows it: what every kind shares, the
    kind's own ``export_fields``, and what they wrote (opened)."""
    action = getattr(row, kind.action_field)
    return {
        "type": row._meta.model_name,
        "action": action.title,
        "action_slug": action.slug,
        "state": row.state,
        "country": row.country.code,
        "language": row.language,
        "keep_informed": row.keep_informed,
        "named_to_target": row.named_to_target,
        "source": row.source,
        "created_at": row.created_at.isoformat(),
        "validated_at": row.validated_at.isoformat() if row.validated_at else None,
        "confirmed_at": row.confirmed_at.isoformat() if row.confirmed_at else None,
        **{name: getattr(row, name) for name in kind.export_fields},
        **unseal(row.personal_data),
    }


def actions_export(supporter: Supporter) -> list[dict]:
    """Every action the supporter took, of every registered kind, with what they wrote."""
    return [
        _described(kind, row)
        for kind, queryset in participations_of_supporter(supporter)
        for row in queryset
    ]


def actions_erase(supporter: Supporter) -> None:
    with transaction.atomic():
        for kind, queryset in participations_of_supporter(supporter):
            for pk in queryset.values_list("pk", flat=True):
                erased = {
                    "email_hash": _erased_hash(),
                    "personal_data": "",
                    "ip_hash": "",
                    "named_to_target": False,
                    "source": "",
                    "flag_reason": "",
                    "keep_informed": False,
                }
                # The kind's own fields that could lead back to the person.
                kind.participation_model.objects.filter(pk=pk).update(**erased | kind.erase_values)
            # Never confirmed, never counted, and no one can confirm it now: void it, so
            # no reminder goes to an address we no longer hold.
            queryset.filter(state=ParticipationState.PENDING).update(
                state=ParticipationState.INVALIDATED
            )


def actions_withdraw(supporter: Supporter) -> bool:
    """Unsubscribed from everything: no "keep me informed" follow-ups any more."""
    changed = 0
    for _kind, queryset in participations_of_supporter(supporter):
        changed += queryset.filter(keep_informed=True).update(keep_informed=False)
    return bool(changed)


def personal_data_models() -> tuple[str, ...]:
    """Every registered kind's participation model ("actions.letter"), asked when the
    personal-data registry is read, so kinds registered by other apps are covered."""
    return tuple(kind.participation_model._meta.label_lower for kind in action_types())
