"""Reads for mailings: who a segment reaches, progress and results."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from outcry.actions.models import Signature
from outcry.cases.models import Case
from outcry.mailings.models import Mailing, MailingRecipient, Segment
from outcry.subscriptions.selectors import subscribers
from outcry.supporters.models import Supporter
from outcry.supporters.selectors import mailable_supporters


def segment_supporters(*, segment: Segment) -> QuerySet[Supporter]:
    """Everyone the segment's criteria select, among those who may be mailed at all."""
    supporters = mailable_supporters()
    sub_countries = list(segment.subscribed_countries)
    sub_topics = list(segment.subscribed_topics.values_list("pk", flat=True))
    sub_cases = list(segment.subscribed_cases.values_list("pk", flat=True))
    if sub_countries or sub_topics or sub_cases:
        chosen = subscribers(countries=sub_countries, topics=sub_topics, cases=sub_cases)
        supporters = supporters.filter(pk__in=chosen.values("pk"))
    if segment.countries:
        supporters = supporters.filter(country__in=list(segment.countries))
    if segment.language_list:
        supporters = supporters.filter(language__in=segment.language_list)
    took = list(segment.took_action.values_list("pk", flat=True))
    if took:
        supporters = supporters.filter(
            Exists(
                Signature.objects.filter(
                    supporter=OuterRef("pk"),
                    petition__in=took,
                    state=Signature.State.VALIDATED,
                )
            )
        )
    not_took = list(segment.not_took_action.values_list("pk", flat=True))
    if not_took:
        # Anyone who signed at all (even if not yet confirmed) has acted: leave them out.
        supporters = supporters.exclude(
            Exists(
                Signature.objects.filter(supporter=OuterRef("pk"), petition__in=not_took).exclude(
                    state=Signature.State.INVALIDATED
                )
            )
        )
    if segment.signed_up_after:
        supporters = supporters.filter(created_at__date__gte=segment.signed_up_after)
    if segment.signed_up_before:
        supporters = supporters.filter(created_at__date__lt=segment.signed_up_before)
    return supporters


def case_followers(*, case: Case) -> QuerySet[Supporter]:
    """A case's subscribers, and those of its signers who asked to be kept informed."""
    informed_signers = Signature.objects.filter(
        supporter=OuterRef("pk"),
        petition__case=case,
        keep_informed=True,
        state=Signature.State.VALIDATED,
    )
    return mailable_supporters().filter(
        Q(pk__in=subscribers(cases=[case.pk]).values("pk")) | Q(Exists(informed_signers))
    )


def mailing_audience(*, mailing: Mailing) -> QuerySet[Supporter]:
    """Who the mailing would go to if it were sent now."""
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
    actions = Signature.objects.filter(source=mailing.source).count()
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
