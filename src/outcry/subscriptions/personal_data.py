"""What the subscriptions app holds about a supporter, for "my data", erasure and
"unsubscribe from everything"; registered from ``SubscriptionsConfig.ready()``."""

from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def subscriptions_export(supporter: Supporter) -> list[dict]:
    return [
        {
            "kind": subscription.kind,
            "about": subscription.subject,
            "language": subscription.language,
            "requested_at": _iso(subscription.created_at),
            "confirmed_at": _iso(subscription.confirmed_at),
            "ended_at": _iso(subscription.ended_at),
        }
        for subscription in Subscription.objects.filter(supporter=supporter)
        .select_related("topic", "case")
        .order_by("created_at")
    ]


def subscriptions_erase(supporter: Supporter) -> None:
    """Nobody counts subscriptions of the erased: they go."""
    Subscription.objects.filter(supporter=supporter).delete()
