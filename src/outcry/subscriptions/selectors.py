"""Reads of subscriptions: who hears about what."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from outcry.cases.models import Case
from outcry.news.models import Topic
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter
from outcry.supporters.selectors import mailable_supporters


def active_subscriptions_about(
    *,
    countries: Iterable[str] = (),
    topics: Iterable[Topic | int] = (),
    cases: Iterable[Case | int] = (),
) -> QuerySet[Subscription]:
    """Active (confirmed, not ended) subscriptions to any of these countries (ISO codes),
    topics or cases. Nothing given: none."""
    countries, topics, cases = [str(c).upper() for c in countries], list(topics), list(cases)
    scope = Q(pk__in=[])
    if countries:
        scope |= Q(kind=Subscription.Kind.COUNTRY, country__in=countries)
    if topics:
        scope |= Q(kind=Subscription.Kind.TOPIC, topic__in=topics)
    if cases:
        scope |= Q(kind=Subscription.Kind.CASE, case__in=cases)
    return Subscription.objects.active().filter(scope)


def subscribers(
    *,
    countries: Iterable[str] = (),
    topics: Iterable[Topic | int] = (),
    cases: Iterable[Case | int] = (),
) -> QuerySet[Supporter]:
    """Mailable supporters with an active (confirmed, not ended) subscription to any of
    these countries (ISO codes), topics or cases. Nothing given: nobody."""
    wanted = active_subscriptions_about(countries=countries, topics=topics, cases=cases)
    return mailable_supporters().filter(Exists(wanted.filter(supporter=OuterRef("pk"))))


def subscriptions_of(*, supporter: Supporter) -> QuerySet[Subscription]:
    """A supporter's subscriptions for the preference centre (pending ones included)."""
    return (
        Subscription.objects.filter(supporter=supporter)
        .select_related("topic", "case")
        .order_by("kind", "created_at")
    )
