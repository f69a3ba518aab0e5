"""What happens elsewhere when a signature or a letter is confirmed.

Apps above this one (subscriptions: "keep me informed" becomes a subscription to the case)
must act when a signer or a letter writer confirms their address, and this app may not
import them. They register a plain function here from their ``AppConfig.ready()``;
``signature_confirm`` and ``letter_confirm`` call each one inside their own transaction, so
what they write exists if, and only if, the confirmation does. Unlike a Django signal this
is an explicit, ordered call in the service, easy to follow from the call site, and not
fired by a bare ``save()``.
"""

from collections.abc import Callable
from typing import Any

from outcry.actions.models import Letter, Signature

# A call report is not here: it is taken without an email round trip, so its "keep me
# informed" was never proven to come from the address's owner.
Confirmed = Signature | Letter
# Called as ``receiver(participation, resume_email=...)``: ``resume_email`` is the wording
# (``wording``, ``version``) of the box ticked on the confirmation page to hear from us
# again after an "unsubscribe from everything", or None.
ConfirmationReceiver = Callable[..., None]

_on_confirmed: dict[str, ConfirmationReceiver] = {}


def on_confirmed(label: str, receiver: ConfirmationReceiver) -> None:
    """Call ``receiver(signature_or_letter)`` whenever one is confirmed (idempotent per
    label). ``participation.action`` is its petition or letter action."""
    _on_confirmed[label] = receiver


def confirmed(participation: Confirmed, *, resume_email: Any = None) -> None:
    for label in sorted(_on_confirmed):
        _on_confirmed[label](participation, resume_email=resume_email)
