"""What mailings hold about a supporter: who was sent what (for "my data" and erasure)."""

from datetime import datetime, timedelta

from django.conf import settings

from outcry.mailings.models import MailingRecipient
from outcry.supporters import personal_data
from outcry.supporters.models import Supporter


def export(supporter: Supporter) -> list[dict]:
    return [
        {
            "mailing": recipient.mailing.name,
            "language": recipient.language,
            "sent_under_consent": recipient.basis,
            "status": recipient.status,
            "sent_at": recipient.sent_at.isoformat() if recipient.sent_at else None,
            "unsubscribed_through_it": bool(recipient.unsubscribed_at),
        }
        for recipient in MailingRecipient.objects.filter(supporter=supporter)
        .select_related("mailing")
        .order_by("pk")
    ]


def erase(supporter: Supporter) -> None:
    # The rows stay for the mailing's counts; what tied them to the person goes.
    MailingRecipient.objects.filter(supporter=supporter).update(
        view_data="", message_id="", basis=""
    )


def retain(now: datetime) -> int:
    """RETENTION_DAYS_AFTER_CLOSE after sending, a recipient row keeps only what the
    mailing's counts need: its encrypted merge values (their name, for the view-in-browser
    page) and the Message-ID (to match a late bounce) go."""
    cutoff = now - timedelta(days=settings.RETENTION_DAYS_AFTER_CLOSE)
    return (
        MailingRecipient.objects.filter(sent_at__lt=cutoff)
        .exclude(view_data="", message_id="")
        .update(view_data="", message_id="")
    )


def register() -> None:
    personal_data.register(
        "mailings",
        export=export,
        erase=erase,
        models=("mailings.mailingrecipient",),
        retain=retain,
        retains=("mailings.mailingrecipient",),
    )
