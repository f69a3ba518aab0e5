"""What the actions app holds about a supporter, for their export and their erasure.

Registered with ``outcry.supporters.personal_data`` from ``ActionsConfig.ready()``. Erasure
keeps what the counts need (country, state, counted, dates) and removes everything that
could lead back to the person: the email hash becomes a random value (so the uniqueness
constraint still holds and nobody can be matched to it), the IP hash and sealed fields go.
"""

import uuid

from django.db import transaction

from outcry.actions.models import Call, Letter, Signature
from outcry.core.crypto import unseal
from outcry.supporters.models import Supporter

ERASED_PREFIX = "erased:"


def _erased_hash() -> str:
    return f"{ERASED_PREFIX}{uuid.uuid4().hex}"


def _participations(supporter: Supporter):
    """(model, queryset, how to describe a row) for every action type a supporter can take."""
    yield Signature, Signature.objects.filter(supporter=supporter).select_related("petition")
    yield Letter, Letter.objects.filter(supporter=supporter).select_related("action")
    yield Call, Call.objects.filter(supporter=supporter).select_related("action")


def _describe(row) -> dict:
    if isinstance(row, Letter | Call):
        described = {
            "type": "letter" if isinstance(row, Letter) else "call",
            "action": row.action.title,
            "action_slug": row.action.slug,
            "state": row.state,
            "country": row.country.code,
            "language": row.language,
            "keep_informed": row.keep_informed,
            "named_to_target": row.named_to_target,
            "created_at": row.created_at.isoformat(),
            **unseal(row.personal_data),
        }
        if isinstance(row, Letter):
            described |= {
                "route": row.route,
                "reply_to": row.reply_to,
                "sent_to_target": row.target_status,
            }
        else:
            described["outcome"] = row.outcome
        return described
    if isinstance(row, Signature):
        return {
            "type": "signature",
            "action": row.petition.title,
            "action_slug": row.petition.slug,
            "state": row.state,
            "country": row.country.code,
            "language": row.language,
            "keep_informed": row.keep_informed,
            "named_to_target": row.named_to_target,
            "source": row.source,
            "created_at": row.created_at.isoformat(),
            "confirmed_at": row.validated_at.isoformat() if row.validated_at else None,
            **unseal(row.personal_data),
        }
    raise TypeError(row)


def actions_export(supporter: Supporter) -> list[dict]:
    """Every action the supporter took, with what they wrote (opened)."""
    return [_describe(row) for _, queryset in _participations(supporter) for row in queryset]


def actions_erase(supporter: Supporter) -> None:
    with transaction.atomic():
        for model, queryset in _participations(supporter):
            for pk in queryset.values_list("pk", flat=True):
                fields = {"email_hash": _erased_hash(), "personal_data": ""}
                if hasattr(model, "ip_hash"):
                    fields["ip_hash"] = ""
                if hasattr(model, "named_to_target"):
                    fields["named_to_target"] = False
                if hasattr(model, "source"):
                    fields["source"] = ""
                if hasattr(model, "flag_reason"):
                    fields["flag_reason"] = ""
                model.objects.filter(pk=pk).update(keep_informed=False, **fields)
        # Never confirmed, never counted, and no one can confirm it now: void it, so no
        # reminder goes to an address we no longer hold.
        for _model, queryset in _participations(supporter):
            queryset.filter(state="pending").update(state="invalidated")


def actions_withdraw(supporter: Supporter) -> bool:
    """Unsubscribed from everything: no "keep me informed" follow-ups any more."""
    changed = 0
    for _, queryset in _participations(supporter):
        changed += queryset.filter(keep_informed=True).update(keep_informed=False)
    return bool(changed)
