"""Reads for the public petition pages."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from outcry.actions.models import Petition


def petition_for_page(*, slug: str) -> Petition:
    return get_object_or_404(Petition.objects.public().select_related("case", "target"), slug=slug)


def petitions_open() -> QuerySet[Petition]:
    return Petition.objects.filter(status=Petition.Status.OPEN).select_related("case", "target")


def petition_count(*, slug: str) -> dict:
    petition = get_object_or_404(
        Petition.objects.public().only("signature_count", "goal", "counted_at"), slug=slug
    )
    return {
        "count": petition.signature_count,
        "goal": petition.goal,
        "updated": petition.counted_at.isoformat() if petition.counted_at else None,
    }
