"""What the actions app holds about a supporter (their signatures), for "my data" and
erasure; registered in ``outcry.supporters.personal_data`` from ``ActionsConfig.ready()``."""

import uuid

from outcry.actions.models import Signature
from outcry.supporters.models import Supporter


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def signatures_export(supporter: Supporter) -> list[dict]:
    return [
        {
            "petition": signature.petition.title,
            "petition_slug": signature.petition.slug,
            "state": signature.state,
            "country": str(signature.country),
            "language": signature.language,
            "keep_informed": signature.keep_informed,
            "source": signature.source,
            "signed_at": _iso(signature.created_at),
            "confirmed_at": _iso(signature.validated_at),
        }
        for signature in supporter.signatures.select_related("petition").order_by("created_at")
    ]


def signatures_erase(supporter: Supporter) -> None:
    """Signatures stay, so counts and counts by country stay right; what could link one to
    the person goes (the keyed hash of their email, the hashed address, where they came
    from). Each gets a random stand-in hash: the one-per-petition constraint still holds.
    Unconfirmed ones are voided, so no reminder goes to an address we no longer hold."""
    # A signature never confirmed was never counted, and no one can confirm it now: void.
    supporter.signatures.filter(state=Signature.State.PENDING).update(
        state=Signature.State.INVALIDATED
    )
    for signature in supporter.signatures.only("pk"):
        Signature.objects.filter(pk=signature.pk).update(
            email_hash=f"erased:{uuid.uuid4().hex}",
            ip_hash="",
            flag_reason="",
            source="",
            keep_informed=False,
        )


def signatures_withdraw(supporter: Supporter) -> bool:
    """Unsubscribed from everything: no "keep me informed" follow-ups any more."""
    return bool(supporter.signatures.filter(keep_informed=True).update(keep_informed=False))
