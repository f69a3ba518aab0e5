from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from outcry.cases.models import Case, CaseUpdate

TIMELINE_POSTS = 50


def cases_published() -> QuerySet[Case]:
    return Case.objects.published().order_by("-updated_at")


def case_for_page(*, slug: str) -> Case:
    return get_object_or_404(
        Case.objects.published().prefetch_related(
            Prefetch("updates", queryset=CaseUpdate.objects.order_by("-date", "-created_at"))
        ),
        slug=slug,
    )


@dataclass
class TimelineEntry:
    """One dated line of a case's timeline: an update on the case, or a post about it."""

    date: date
    kind: str  # "update" or "post"
    title: str
    obj: object


def case_timeline(*, case: Case) -> list[TimelineEntry]:
    """The case's dated updates and its published posts, newest first, in one list.

    Posts come through the reverse relation ``case.posts`` (news tags posts with cases;
    cases never import news), so the timeline is empty of posts where news is absent.
    """
    entries = [
        TimelineEntry(date=update.date, kind="update", title=update.title, obj=update)
        for update in case.updates.all()
    ]
    posts = getattr(case, "posts", None)
    if posts is not None:
        for post in posts.published().order_by("-published_at")[:TIMELINE_POSTS]:
            entries.append(
                TimelineEntry(
                    date=timezone.localdate(post.published_at),
                    kind="post",
                    title=post.title,
                    obj=post,
                )
            )
    # Stable sort: on the same day, updates keep their order and come before posts.
    entries.sort(key=lambda entry: entry.date, reverse=True)
    return entries
