"""Reads of supporters. Each staff read of personal data is audited by the caller."""

from django.db.models import Exists, OuterRef, QuerySet

from outcry.core.crypto import unseal
from outcry.supporters.models import Supporter, Suppression


def supporter_personal_data(*, supporter: Supporter) -> dict[str, str]:
    """Open the sealed fields. Needs a private key (the worker and the staff admin)."""
    return unseal(supporter.personal_data)


def email_hash_is_suppressed(*, email_hash: str) -> bool:
    return Suppression.objects.filter(email_hash=email_hash).exists()


def mailable_supporters() -> QuerySet[Supporter]:
    """Everyone who may be sent a mailing at all (before any segment applies).

    The address was proven by following a link; its owner was not erased, did not
    unsubscribe from everything, and it neither bounced for good nor complained; and its
    keyed hash is not on the suppression list (which outlives erasure and re-signing).
    """
    return Supporter.objects.filter(
        email_confirmed_at__isnull=False,
        erased_at__isnull=True,
        unsubscribed_at__isnull=True,
        undeliverable_at__isnull=True,
    ).exclude(Exists(Suppression.objects.filter(email_hash=OuterRef("email_hash"))))
