from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from outcry.cases.models import Case, CaseUpdate


def cases_published() -> QuerySet[Case]:
    return Case.objects.published().order_by("-updated_at")


def case_for_page(*, slug: str) -> Case:
    return get_object_or_404(
        Case.objects.published().prefetch_related(
            Prefetch("updates", queryset=CaseUpdate.objects.order_by("-date", "-created_at"))
        ),
        slug=slug,
    )
