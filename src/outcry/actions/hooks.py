"""What happens elsewhere when a signature is confirmed.

Apps above this one (subscriptions: "keep me informed" becomes a subscription to the case)
must act when a signer confirms, and this app may not import them. They register a plain
function here from their ``AppConfig.ready()``; ``signature_confirm`` calls each one inside
its own transaction, so what they write exists if, and only if, the confirmation does.
Unlike a Django signal this is an explicit, ordered call in the service, easy to follow
from the call site, and not fired by a bare ``save()``.
"""

from collections.abc import Callable

from outcry.actions.models import Signature

SignatureReceiver = Callable[[Signature], None]

_on_confirmed: dict[str, SignatureReceiver] = {}


def on_signature_confirmed(label: str, receiver: SignatureReceiver) -> None:
    """Call ``receiver(signature)`` whenever a signature is confirmed (idempotent per label)."""
    _on_confirmed[label] = receiver


def signature_confirmed(signature: Signature) -> None:
    for label in sorted(_on_confirmed):
        _on_confirmed[label](signature)
