"""What mailings hold about a supporter: who was sent what (for "my data" and erasure)."""

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


def register() -> None:
    personal_data.register("mailings", export=export, erase=erase)
