"""Reads for the public news pages: the index, country and topic pages, posts, search."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_countries import countries
from django_countries.fields import Country

from outcry.actions.models import Petition
from outcry.actions.registry import action_type, type_of
from outcry.actions.selectors import ActionCard, action_cards
from outcry.cases.models import Case
from outcry.news import search
from outcry.news.models import Post, PostAction, Topic

PAGE_SIZE = 20
FEED_SIZE = 30
MAX_QUERY_LENGTH = 200
# Fields a list needs; the body (possibly long) is never loaded for a list.
LIST_FIELDS = ["id", "slug", "kind", "title", "summary", "published_at", "author"]


def _list_fields() -> list[str]:
    fields = list(LIST_FIELDS)
    for code, _name in settings.LANGUAGES:
        fields += [f"title_{code}", f"summary_{code}"]
    return fields


def posts_published() -> QuerySet[Post]:
    """Published posts, newest first, with what a list shows (not their bodies)."""
    return Post.objects.published().only(*_list_fields()).order_by("-published_at", "-id")


def posts_page(*, posts: QuerySet[Post], page: str | None) -> Page:
    """One page of posts. A page that is not a number gives the first page, a page past
    the end the last one: hostile or stale page numbers get a normal page, not an error."""
    if page is not None and len(page) > 12:
        page = None
    return Paginator(posts, PAGE_SIZE).get_page(page)


def country_for_code(*, code: str) -> Country:
    """The country for a two-letter ISO code in any case; unknown codes are a 404."""
    code = (code or "").upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha() or code not in countries:
        raise Http404("Unknown country")
    return Country(code=code)


def posts_for_country(*, code: str) -> QuerySet[Post]:
    # The multiple CountryField is stored as "GB,RU": a two-letter code can only match
    # itself (codes are separated by commas).
    return posts_published().filter(countries__contains=code)


def _linked_from_posts(posts: QuerySet[Post]) -> Q:
    """Petitions that one of ``posts`` (published) links in its "take action" box."""
    return Q(
        pk__in=PostAction.objects.filter(
            kind=type_of(Petition).key, post__in=posts.filter(is_published=True)
        ).values("action_id")
    )


def petitions_open_for_country(*, code: str) -> QuerySet[Petition]:
    return _petitions_open().filter(
        Q(case__country=code, case__is_published=True)
        | _linked_from_posts(Post.objects.filter(countries__contains=code))
    )


def _petitions_open() -> QuerySet[Petition]:
    now = timezone.now()
    return (
        Petition.objects.public()
        .filter(status=Petition.Status.OPEN)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .only("id", "slug", "title", "count", "offline_count", "goal", "status", "closes_at")
        .order_by("-created_at")
        .distinct()
    )


def cases_for_country(*, code: str) -> QuerySet[Case]:
    return (
        Case.objects.published()
        .filter(country=code)
        .only("id", "slug", "name", "status", "country", "summary")
        .order_by("name")
    )


def topic_for_page(*, slug: str) -> Topic:
    return get_object_or_404(Topic, slug=slug)


def posts_for_topic(*, topic: Topic) -> QuerySet[Post]:
    return posts_published().filter(topics=topic)


def petitions_open_for_topic(*, topic: Topic) -> QuerySet[Petition]:
    return _petitions_open().filter(_linked_from_posts(Post.objects.filter(topics=topic)))


def cases_for_topic(*, topic: Topic) -> QuerySet[Case]:
    return (
        Case.objects.published()
        .filter(posts__topics=topic, posts__is_published=True)
        .only("id", "slug", "name", "status", "country", "summary")
        .distinct()
        .order_by("name")
    )


def post_for_page(*, slug: str) -> Post:
    """A published post with its tags."""
    return get_object_or_404(
        Post.objects.published().prefetch_related(
            "topics",
            Prefetch("cases", queryset=Case.objects.published().only("id", "slug", "name")),
        ),
        slug=slug,
    )


def post_actions(*, post: Post) -> list[ActionCard]:
    """The post's "take action" box: its linked actions of every kind that are public
    (an action of a hidden case that does not stand alone is left out), in staff's order,
    each with its count in its kind's words. One query per kind linked."""
    links = list(post.action_links.values_list("kind", "action_id"))
    found = {}
    for kind_key in {kind for kind, _id in links}:
        kind = action_type(kind_key)
        ids = [action_id for key, action_id in links if key == kind_key]
        for action in kind.action_model.objects.public().filter(pk__in=ids):
            found[kind_key, action.pk] = action
    return action_cards(found[link] for link in links if link in found)


def case_for_feed(*, slug: str) -> Case:
    return get_object_or_404(Case.objects.published(), slug=slug)


def feed_posts(*, posts: QuerySet[Post]) -> list[Post]:
    """The newest posts of a feed, with everything the feed writes (bodies, topics)."""
    return list(
        Post.objects.filter(pk__in=posts.values("pk"))
        .prefetch_related("topics")
        .order_by("-published_at", "-id")[:FEED_SIZE]
    )


def search_page(*, q: str, language: str, page: str | None):
    """Search results for a query, paginated like the lists."""
    hits = search.search(q=q, language=language)
    return Paginator(hits, PAGE_SIZE).get_page(page if page and len(page) <= 12 else None)
