"""Reads for messages of solidarity."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from outcry.actions.models import ParticipationState
from outcry.solidarity.models import SolidarityAction, SolidarityMessage

SHOWN_ON_PAGE = 30


def action_for_page(*, slug: str) -> SolidarityAction:
    """A public solidarity action (not a draft, its case published or standing alone)."""
    return get_object_or_404(SolidarityAction.objects.public().select_related("case"), slug=slug)


def messages_shown(*, action: SolidarityAction, limit: int = SHOWN_ON_PAGE) -> QuerySet:
    """The approved messages the public may read: the display copy only (first name,
    country, text), never the sealed words, the address or anything else."""
    if not action.show_on_case_page:
        return SolidarityMessage.objects.none()
    return (
        SolidarityMessage.objects.filter(action=action, state=ParticipationState.VALIDATED)
        .exclude(shown_text="")
        .only("pk", "action_id", "country", "message_language", "shown_name", "shown_text")
        .order_by("-validated_at", "-pk")[:limit]
    )


def messages_for_pack(*, action: SolidarityAction) -> QuerySet:
    """Every approved message of the action, by language then oldest first."""
    return SolidarityMessage.objects.filter(
        action=action, state=ParticipationState.VALIDATED
    ).order_by("message_language", "validated_at", "pk")
