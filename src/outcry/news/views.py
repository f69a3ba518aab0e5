from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from outcry.news import selectors, sharing


def _feeds(name: str, **kwargs) -> dict[str, str]:
    return {
        "rss": reverse(f"feed-{name}-rss", kwargs=kwargs),
        "atom": reverse(f"feed-{name}-atom", kwargs=kwargs),
    }


@require_GET
def news_index(request: HttpRequest) -> HttpResponse:
    page = selectors.posts_page(posts=selectors.posts_published(), page=request.GET.get("page"))
    return render(
        request,
        "news/post_list.html",
        {"page": page, "feeds": _feeds("site"), "subscribe_url": reverse("feed-site-rss")},
    )


@require_GET
def country_detail(request: HttpRequest, code: str) -> HttpResponse:
    country = selectors.country_for_code(code=code)
    page = selectors.posts_page(
        posts=selectors.posts_for_country(code=country.code), page=request.GET.get("page")
    )
    feeds = _feeds("country", code=country.code.lower())
    return render(
        request,
        "news/country_detail.html",
        {
            "country": country,
            "page": page,
            "petitions": selectors.petitions_open_for_country(code=country.code),
            "cases": selectors.cases_for_country(code=country.code),
            "feeds": feeds,
            # The news index's "Subscribe" is its feed; these pages show the email box.
            "subscribe_url": feeds["rss"],
            "meta": sharing.share_metadata(
                title=str(country.name),
                description=_("News and statements on %(country)s") % {"country": country.name},
                url=request.path,
                kind="website",
            ),
        },
    )


@require_GET
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = selectors.topic_for_page(slug=slug)
    page = selectors.posts_page(
        posts=selectors.posts_for_topic(topic=topic), page=request.GET.get("page")
    )
    feeds = _feeds("topic", slug=topic.slug)
    return render(
        request,
        "news/topic_detail.html",
        {
            "topic": topic,
            "page": page,
            "petitions": selectors.petitions_open_for_topic(topic=topic),
            "cases": selectors.cases_for_topic(topic=topic),
            "feeds": feeds,
            "subscribe_url": feeds["rss"],
            "meta": sharing.share_metadata(
                title=topic.name,
                description=topic.description,
                url=request.path,
                kind="website",
            ),
        },
    )


@require_GET
def post_detail(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_page(slug=slug)
    url = post.get_absolute_url()
    return render(
        request,
        "news/post_detail.html",
        {
            "post": post,
            "actions": selectors.post_actions(post=post),
            "feeds": _feeds("site"),
            "share_links": sharing.share_links(url=url, title=post.title),
            "meta": sharing.share_metadata(
                title=post.title,
                description=post.summary or post.body,
                url=url,
                image_url=post.image.url if post.image else "",
                image_alt=post.image_alt,
                published_at=post.published_at,
            ),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").replace("\x00", "").strip()
    error, page, status = "", None, 200
    if len(q) > selectors.MAX_QUERY_LENGTH:
        error = _("Your search is too long: please use at most %(max)d characters.") % {
            "max": selectors.MAX_QUERY_LENGTH
        }
        q, status = q[: selectors.MAX_QUERY_LENGTH], 400
    elif q:
        page = selectors.search_page(q=q, language=get_language(), page=request.GET.get("page"))
    return render(
        request,
        "news/search.html",
        {"q": q, "error": error, "page": page, "feeds": _feeds("site")},
        status=status,
    )
