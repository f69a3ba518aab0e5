"""What happens elsewhere when a participation of any kind is confirmed.

Apps above this one (subscriptions: "keep me informed" becomes a subscription to the case)
must act when a signer, a letter writer or a caller confirms their address, and this app
may not import them. They register a plain function here from their ``AppConfig.ready()``;
``participation_confirm`` (the one confirm core of every kind) calls each one inside its
own transaction, so what they write exists if, and only if, the confirmation does. Unlike
a Django signal this is an explicit, ordered call in the service, easy to follow from the
call site, and not fired by a bare ``save()``.
"""

from collections.abc import Callable
from typing import Any

from outcry.actions.models import Participation

# A participation of any kind comes here once its address is confirmed (a call report,
# counted without that round trip, too): only then is its "keep me informed" the owner's.
Confirmed = Participation
# Called as ``receiver(participation, resume_email=...)``: ``resume_email`` is the wording
# (``wording``, ``version``) of the box ticked on the confirmation page to hear from us
# again after an "unsubscribe from everything", or None.
ConfirmationReceiver = Callable[..., None]

_on_confirmed: dict[str, ConfirmationReceiver] = {}


def on_confirmed(label: str, receiver: ConfirmationReceiver) -> None:
    """Call ``receiver(participation)`` whenever one is confirmed (idempotent per label).
    Its action is ``getattr(participation, type_of(participation).action_field)``."""
    _on_confirmed[label] = receiver


def confirmed(participation: Confirmed, *, resume_email: Any = None) -> None:
    for label in sorted(_on_confirmed):
        _on_confirmed[label](participation, resume_email=resume_email)
