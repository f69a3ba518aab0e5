"""Reads for mailings: who a segment reaches (only people whose consent covers the
mailing), why each of them gets it, progress and results."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from outcry.actions.models import Letter, ParticipationState, Signature
from outcry.actions.registry import action_type, action_types
from outcry.cases.models import Case
from outcry.mailings.models import Mailing, MailingRecipient, Segment
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import active_subscriptions_about
from outcry.supporters.models import Supporter
from outcry.supporters.selectors import mailable_supporters


@dataclass(frozen=True)
class ConsentScope:
    """What a mailing is about, as far as consent goes: the countries, topics and cases
    whose subscribers it may reach. Empty: it is general news, which any consent covers
    (any active subscription, any confirmed "keep me informed")."""

    countries: tuple[str, ...] = ()
    topics: tuple[int, ...] = ()
    cases: tuple[int, ...] = ()

    @property
    def is_any(self) -> bool:
        return not (self.countries or self.topics or self.cases)

    def __or__(self, other: "ConsentScope") -> "ConsentScope":
        if self.is_any or other.is_any:
            return ConsentScope()
        return ConsentScope(
            countries=tuple(sorted({*self.countries, *other.countries})),
            topics=tuple(sorted({*self.topics, *other.topics})),
            cases=tuple(sorted({*self.cases, *other.cases})),
        )


def segment_scope(*, segment: Segment) -> ConsentScope:
    return ConsentScope(
        countries=tuple(str(code) for code in segment.subscribed_countries),
        topics=tuple(segment.subscribed_topics.values_list("pk", flat=True)),
        cases=tuple(segment.subscribed_cases.values_list("pk", flat=True)),
    )


def mailing_scope(*, mailing: Mailing) -> ConsentScope:
    """A mailing of a case update is about the case (and its segment's scope, if any)."""
    scopes = []
    if mailing.segment_id is not None:
        scopes.append(segment_scope(segment=mailing.segment))
    if mailing.case_update_id is not None:
        scopes.append(ConsentScope(cases=(mailing.case_update.case_id,)))
    if not scopes:
        return ConsentScope()
    scope = scopes[0]
    for other in scopes[1:]:
        scope = scope | other
    return scope


def covering_subscriptions(*, scope: ConsentScope) -> QuerySet[Subscription]:
    """Active subscriptions that cover a mailing of this scope."""
    if scope.is_any:
        return Subscription.objects.active()
    return active_subscriptions_about(
        countries=scope.countries, topics=scope.topics, cases=scope.cases
    )


# Where a confirmed "keep me informed" is recorded: the participation model, the field
# naming its action, the state that means confirmed, and the key naming it in a basis.
# A call report is not here: it is taken without an email round trip, so its "keep me
# informed" was never proven to come from the address's owner.
KEEP_INFORMED_SOURCES = (
    (Signature, "petition", Signature.State.VALIDATED, "petition"),
    (Letter, "action", ParticipationState.VALIDATED, "letter"),
)


def covering_keep_informed(
    *, model, action_field: str, confirmed_state: str, scope: ConsentScope
) -> QuerySet:
    """Confirmed "keep me informed" participations that cover a mailing of this scope:
    any of them for general news, else those on actions of the scope's cases.

    Turning off the case in the preference centre (or unsubscribing from everything)
    withdraws it: an ended subscription to the action's case outweighs the tick.
    """
    rows = model.objects.filter(keep_informed=True, state=confirmed_state)
    if not scope.is_any:
        rows = rows.filter(**{f"{action_field}__case__in": list(scope.cases)})
    withdrawn = Subscription.objects.filter(
        supporter=OuterRef("supporter"),
        kind=Subscription.Kind.CASE,
        case=OuterRef(f"{action_field}__case"),
        ended_at__isnull=False,
    )
    return rows.exclude(Exists(withdrawn))


def _keep_informed_by_source(scope: ConsentScope) -> list[tuple[str, str, QuerySet]]:
    return [
        (
            key,
            action_field,
            covering_keep_informed(
                model=model, action_field=action_field, confirmed_state=state, scope=scope
            ),
        )
        for model, action_field, state, key in KEEP_INFORMED_SOURCES
    ]


def consented_supporters(*, scope: ConsentScope) -> QuerySet[Supporter]:
    """Everyone who may be mailed at all and holds a consent covering a mailing of this
    scope: an active subscription matching it, or a confirmed "keep me informed".
    Every segment and every mailing audience starts from here."""
    consent = Q(Exists(covering_subscriptions(scope=scope).filter(supporter=OuterRef("pk"))))
    for _key, _field, rows in _keep_informed_by_source(scope):
        consent |= Q(Exists(rows.filter(supporter=OuterRef("pk"))))
    return mailable_supporters().filter(consent)


def with_consent_basis(
    supporters: QuerySet[Supporter], *, scope: ConsentScope
) -> QuerySet[Supporter]:
    """Annotate each supporter with the consents that put them in a mailing of this
    scope: ``basis_petition`` / ``basis_letter`` (the action of their latest covering
    "keep me informed") and ``basis_subscription`` (their oldest covering subscription)."""
    annotations = {}
    for key, action_field, rows in _keep_informed_by_source(scope):
        annotations[f"basis_{key}"] = Subquery(
            rows.filter(supporter=OuterRef("pk"))
            .order_by("-validated_at", "-pk")
            .values(f"{action_field}_id")[:1]
        )
    annotations["basis_subscription"] = Subquery(
        covering_subscriptions(scope=scope)
        .filter(supporter=OuterRef("pk"))
        .order_by("confirmed_at", "pk")
        .values("pk")[:1]
    )
    return supporters.annotate(**annotations)


def basis_of_subscriptions(subscription_ids: Iterable[int]) -> dict[int, str]:
    """The basis key of each subscription: ``country:RU``, ``topic:<id>``, ``case:<id>``."""
    keys = {}
    for pk, kind, country, topic_id, case_id in Subscription.objects.filter(
        pk__in=list(subscription_ids)
    ).values_list("pk", "kind", "country", "topic_id", "case_id"):
        scope = {"country": country, "topic": topic_id, "case": case_id}[kind]
        keys[pk] = f"{kind}:{scope}"
    return keys


def _took_action(segment: Segment, *, took: bool) -> Q | None:
    """Whether a supporter took part in the segment's "took action on" actions (``took``)
    or in its "did not yet take action on" ones, of every kind; None when it has none.

    Taking action is a validated participation; to be left out, any participation that
    staff did not invalidate is enough (even one not yet confirmed: they have acted)."""
    ids_by_kind: dict[str, list[int]] = {}
    for kind_key, action_id in segment.actions.filter(took=took).values_list("kind", "action_id"):
        ids_by_kind.setdefault(kind_key, []).append(action_id)
    if not ids_by_kind:
        return None
    condition = Q()
    for kind_key, ids in ids_by_kind.items():
        kind = action_type(kind_key)
        rows = kind.participation_model.objects.filter(
            supporter=OuterRef("pk"), **{f"{kind.action_field}_id__in": ids}
        )
        if took:
            rows = rows.filter(state=ParticipationState.VALIDATED)
        else:
            rows = rows.exclude(state=ParticipationState.INVALIDATED)
        condition |= Q(Exists(rows))
    return condition


def segment_supporters(*, segment: Segment) -> QuerySet[Supporter]:
    """Everyone the segment's criteria select, among those whose consent covers it.

    The segment's subscriptions (countries, topics, cases) say what it is about: people
    subscribed to any of them, or who asked to be kept informed on an action of one of
    its cases. A segment without them is general news: any consent covers it. Every
    other criterion only narrows that set: "took action on X" is X's participants who
    hold such a consent, never everyone who signed X.
    """
    supporters = consented_supporters(scope=segment_scope(segment=segment))
    if segment.countries:
        supporters = supporters.filter(country__in=list(segment.countries))
    if segment.language_list:
        supporters = supporters.filter(language__in=segment.language_list)
    took, not_took = _took_action(segment, took=True), _took_action(segment, took=False)
    if took is not None:
        supporters = supporters.filter(took)
    if not_took is not None:
        supporters = supporters.exclude(not_took)
    if segment.signed_up_after:
        supporters = supporters.filter(created_at__date__gte=segment.signed_up_after)
    if segment.signed_up_before:
        supporters = supporters.filter(created_at__date__lt=segment.signed_up_before)
    return supporters


def case_followers(*, case: Case) -> QuerySet[Supporter]:
    """A case's subscribers, and those of its participants who asked to be kept informed."""
    return consented_supporters(scope=ConsentScope(cases=(case.pk,)))


def mailing_audience(*, mailing: Mailing) -> QuerySet[Supporter]:
    """Who the mailing would go to if it were sent now (the count shown before sending,
    and the rows written when it starts, are this query)."""
    audience = Supporter.objects.none()
    if mailing.segment_id is not None:
        audience = segment_supporters(segment=mailing.segment)
    if mailing.case_update_id is not None:
        followers = case_followers(case=mailing.case_update.case)
        if mailing.segment_id is None:
            return followers
        return mailable_supporters().filter(
            Q(pk__in=audience.values("pk")) | Q(pk__in=followers.values("pk"))
        )
    return audience


def mailing_progress(*, mailing: Mailing) -> dict[str, int]:
    """How many recipients are in each state (one grouped query)."""
    counts = {status: 0 for status in MailingRecipient.Status.values}
    for row in (
        MailingRecipient.objects.filter(mailing=mailing)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts[s] for s in MailingRecipient.Status.values)
    counts["done"] = counts["total"] - counts["pending"] - counts["claimed"]
    return counts


def mailing_results(*, mailing: Mailing) -> dict[str, int]:
    """Aggregate results, never per person: sent, failed, bounced, unsubscribed, actions."""
    progress = mailing_progress(mailing=mailing)
    unsubscribed = MailingRecipient.objects.filter(
        mailing=mailing, unsubscribed_at__isnull=False
    ).count()
    # Participations of every kind that came through the mailing's links.
    actions = sum(
        kind.participation_model.objects.filter(source=mailing.source).count()
        for kind in action_types()
    )
    return {
        "recipients": progress["total"],
        "sent": progress["sent"],
        "waiting": progress["pending"] + progress["claimed"],
        "failed": progress["failed"],
        "bounced": progress["bounced"],
        "skipped": progress["skipped"],
        "cancelled": progress["cancelled"],
        "unsubscribed": unsubscribed,
        "actions": actions,
    }
