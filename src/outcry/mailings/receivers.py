"""Bounces and complaints reported by an email service, through django-anymail's tracking
webhooks (``/anymail/<service>/tracking/``), and unsubscribe requests mailed to the
List-Unsubscribe ``mailto:`` address, through its inbound webhooks
(``/anymail/<service>/inbound/``). The receivers only hand over to a service."""

from anymail.signals import EventType, RejectReason, inbound, tracking

from outcry.mailings import services

_KINDS = {
    EventType.BOUNCED: "bounce",
    EventType.REJECTED: "bounce",
    EventType.COMPLAINED: "complaint",
}


_BAD_ADDRESS = {RejectReason.BOUNCED, RejectReason.INVALID, RejectReason.SPAM}


def on_tracking_event(sender, event, esp_name, **kwargs) -> None:
    kind = _KINDS.get(event.event_type)
    if kind is None:
        return
    if event.event_type == EventType.REJECTED and event.reject_reason not in _BAD_ADDRESS:
        return  # rejected for another reason (e.g. the service's own suppression list)
    services.delivery_problem_apply(
        kind=kind,
        email=event.recipient or "",
        message_id=event.message_id or "",
        detail=" ".join(
            str(part)
            for part in (esp_name, event.event_type, event.reject_reason, event.description)
            if part
        ),
    )


def on_inbound_message(sender, event, esp_name, **kwargs) -> None:
    """Mail to the List-Unsubscribe mailto: address, routed to an inbound webhook."""
    services.recipient_unsubscribe_by_mail(subject=event.message.subject or "")


def connect() -> None:
    tracking.connect(on_tracking_event, dispatch_uid="outcry.mailings.tracking")
    inbound.connect(on_inbound_message, dispatch_uid="outcry.mailings.inbound")
