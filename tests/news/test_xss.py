"""An XSS corpus in every text field of a post never renders active content: not on the
post page, the lists, the case timeline, the feeds, search results or sharing metadata."""

import pytest

from outcry.news.models import Post
from tests.factories import CaseFactory, PetitionFactory, PostFactory, TopicFactory
from tests.news.conftest import XSS_CORPUS, XSS_TEXT, active_content, feed_html_fields

pytestmark = pytest.mark.django_db


def hostile_post(payload: str, **extra) -> Post:
    """A post whose every text field, in both languages, holds the payload."""
    short = payload[:200]
    return PostFactory(
        title=f"xssword {short}",
        title_fr=f"xssword {short}",
        summary=f"xssword {payload}",
        summary_fr=f"xssword {payload}",
        body=f"xssword\n\n{payload}",
        body_fr=f"xssword\n\n{payload}",
        author=short,
        image_alt=short,
        **extra,
    )


def pages_for(post: Post, topic, case) -> list[str]:
    return [
        post.get_absolute_url(),
        "/en/news/",
        "/fr/news/",
        "/en/countries/ru/",
        f"/en/topics/{topic.slug}/",
        case.get_absolute_url(),
        "/en/search/?q=xssword",
        "/fr/search/?q=xssword",
    ]


FEEDS = [
    "/en/feeds/rss/",
    "/en/feeds/atom/",
    "/fr/feeds/rss/",
    "/en/feeds/countries/ru/rss/",
    "/en/feeds/countries/ru/atom/",
]


@pytest.mark.parametrize("payload", [*XSS_CORPUS, XSS_TEXT], ids=lambda p: p[:30])
def test_xss_corpus_in_every_post_field_renders_inert(client, payload):
    """Every page that shows the post, and every feed, is free of active content."""
    topic = TopicFactory(name=payload[:200])
    case = CaseFactory()
    petition = PetitionFactory(case=case)
    post = hostile_post(payload, topics=[topic], cases=[case], petitions=[petition])
    for url in pages_for(post, topic, case):
        response = client.get(url)
        assert response.status_code == 200, url
        assert active_content(response.content.decode()) == [], url
    for url in [
        *FEEDS,
        f"/en/feeds/topics/{topic.slug}/atom/",
        f"/en/feeds/cases/{case.slug}/rss/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        for html in feed_html_fields(response.content):
            assert active_content(html) == [], (url, html[:200])


def test_search_finds_the_hostile_post_and_escapes_its_snippet(client):
    """The search page shows the hostile post (so the check above is exercised) with its
    markup escaped; only <mark> is real markup in a snippet."""
    hostile_post("<script>alert('xss-1')</script> <b>bold</b>")
    content = client.get("/en/search/?q=xssword").content.decode()
    assert "<mark>xssword</mark>" in content
    assert "<script>alert" not in content
    assert "<b>bold</b>" not in content


def test_post_metadata_is_escaped(client):
    """OpenGraph and Twitter tags carry the hostile title as an attribute value only."""
    post = hostile_post('"><script>alert(1)</script>')
    content = client.get(post.get_absolute_url()).content.decode()
    assert 'content="xssword &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in content
    assert active_content(content) == []
