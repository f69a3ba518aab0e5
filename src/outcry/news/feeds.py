"""RSS 2.0 and Atom feeds (Django's syndication framework) for the site, each country, each
topic and each case, in the language of the URL (/en/feeds/…, /fr/feeds/…).

Item descriptions are the post's summary (or body) rendered and sanitised like the page;
characters XML 1.0 cannot carry are removed rather than failing the feed. A case's feed
merges its posts with its dated updates and never carries the case's sensitive fields.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.translation import gettext as _

from outcry.core.text import render_markdown
from outcry.news import selectors
from outcry.news.models import Post

_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text) -> str:
    """Text without the control characters XML 1.0 forbids."""
    return _XML_UNSAFE.sub("", str(text or ""))


@dataclass
class FeedEntry:
    title: str
    description: str
    link: str
    pubdate: datetime
    updated: datetime | None = None
    author: str = ""
    categories: list[str] = field(default_factory=list)


def post_entry(post: Post) -> FeedEntry:
    return FeedEntry(
        title=post.title,
        description=render_markdown(post.summary or post.body),
        link=post.get_absolute_url(),
        pubdate=post.published_at,
        updated=post.updated_at,
        author=post.author,
        categories=[str(post.get_kind_display())] + [topic.name for topic in post.topics.all()],
    )


class PostFeed(Feed):
    """The shape every feed shares; subclasses say which posts and what the feed is."""

    feed_type = Rss201rev2Feed

    def author_name(self, obj) -> str:
        return settings.ORGANISATION["name"]

    def feed_copyright(self, obj) -> str:
        return settings.ORGANISATION["name"]

    def title(self, obj) -> str:
        return xml_safe(self.feed_title(obj))

    def description(self, obj) -> str:
        return xml_safe(self.feed_description(obj))

    def subtitle(self, obj) -> str:
        return self.description(obj)

    def feed_title(self, obj) -> str:
        raise NotImplementedError

    def feed_description(self, obj) -> str:
        return _("News and statements from %(organisation)s") % {
            "organisation": settings.ORGANISATION["name"]
        }

    def entries(self, obj) -> list[FeedEntry]:
        return [post_entry(post) for post in selectors.feed_posts(posts=self.posts(obj))]

    def items(self, obj) -> list[FeedEntry]:
        return self.entries(obj)

    def item_title(self, item: FeedEntry) -> str:
        return xml_safe(item.title)

    def item_description(self, item: FeedEntry) -> str:
        return xml_safe(item.description)

    def item_link(self, item: FeedEntry) -> str:
        return item.link

    def item_guid(self, item: FeedEntry) -> str:
        return settings.SITE_URL + item.link

    def item_pubdate(self, item: FeedEntry) -> datetime:
        return item.pubdate

    def item_updateddate(self, item: FeedEntry) -> datetime:
        return item.updated or item.pubdate

    def item_author_name(self, item: FeedEntry) -> str:
        return xml_safe(item.author) or None

    def item_categories(self, item: FeedEntry) -> list[str]:
        return [xml_safe(c) for c in item.categories]


class SiteFeed(PostFeed):
    def feed_title(self, obj) -> str:
        return settings.ORGANISATION["name"]

    def link(self, obj) -> str:
        return reverse("news-index")

    def posts(self, obj):
        return selectors.posts_published()


class CountryFeed(PostFeed):
    def get_object(self, request, code: str):
        return selectors.country_for_code(code=code)

    def feed_title(self, obj) -> str:
        return f"{obj.name} · {settings.ORGANISATION['name']}"

    def feed_description(self, obj) -> str:
        return _("News and statements on %(country)s") % {"country": obj.name}

    def link(self, obj) -> str:
        return reverse("country-detail", kwargs={"code": obj.code.lower()})

    def posts(self, obj):
        return selectors.posts_for_country(code=obj.code)


class TopicFeed(PostFeed):
    def get_object(self, request, slug: str):
        return selectors.topic_for_page(slug=slug)

    def feed_title(self, obj) -> str:
        return f"{obj.name} · {settings.ORGANISATION['name']}"

    def feed_description(self, obj) -> str:
        return _("News and statements on %(topic)s") % {"topic": obj.name}

    def link(self, obj) -> str:
        return reverse("topic-detail", kwargs={"slug": obj.slug})

    def posts(self, obj):
        return selectors.posts_for_topic(topic=obj)


class CaseFeed(PostFeed):
    """A case's timeline as a feed: its dated updates and the posts tagged with it."""

    def get_object(self, request, slug: str):
        return selectors.case_for_feed(slug=slug)

    def feed_title(self, obj) -> str:
        return f"{obj.name} · {settings.ORGANISATION['name']}"

    def feed_description(self, obj) -> str:
        # The public summary only: the description may be withheld (pseudonym).
        return obj.summary or _("Updates on %(name)s") % {"name": obj.name}

    def link(self, obj) -> str:
        return obj.get_absolute_url()

    def posts(self, obj):
        return selectors.posts_published().filter(cases=obj)

    def entries(self, obj) -> list[FeedEntry]:
        entries = super().entries(obj)
        for update in obj.updates.order_by("-date", "-created_at")[: selectors.FEED_SIZE]:
            when = datetime.combine(update.date, time(12), tzinfo=UTC)
            entries.append(
                FeedEntry(
                    title=update.title,
                    description=render_markdown(update.body),
                    link=f"{obj.get_absolute_url()}#update-{update.pk}",
                    pubdate=when,
                    updated=update.created_at,
                    categories=[str(update.get_new_status_display())] if update.new_status else [],
                )
            )
        entries.sort(key=lambda entry: entry.pubdate, reverse=True)
        return entries[: selectors.FEED_SIZE]


def _atom(feed_class: type[PostFeed]) -> type[PostFeed]:
    return type(f"{feed_class.__name__}Atom", (feed_class,), {"feed_type": Atom1Feed})


site_rss, site_atom = SiteFeed(), _atom(SiteFeed)()
country_rss, country_atom = CountryFeed(), _atom(CountryFeed)()
topic_rss, topic_atom = TopicFeed(), _atom(TopicFeed)()
case_rss, case_atom = CaseFeed(), _atom(CaseFeed)()
