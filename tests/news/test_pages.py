"""News pages: the index, country pages like seed 003, topic pages, posts with a take-action
box, and the case page's merged timeline."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outcry.cases.models import CaseUpdate
from outcry.core.public_cache import public_memo_clear
from outcry.news.models import Post
from outcry.news.selectors import PAGE_SIZE
from tests.factories import CaseFactory, PetitionFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(
        r'<h3><a href="/[a-z]{2}/news/[^"]+/">([^<]+)</a></h3>', response.content.decode()
    )


def test_country_page_lists_its_posts_newest_first(client):
    """/en/countries/ru/ shows the country's statements, newest first, and only its own."""
    old = PostFactory(
        title="Old statement", published_at=timezone.now() - timezone.timedelta(days=30)
    )
    new = PostFactory(
        title="New statement", published_at=timezone.now() - timezone.timedelta(days=1)
    )
    PostFactory(title="About Belarus", countries=["BY"])
    response = client.get("/en/countries/ru/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Russia</h1>" in content or "<h1>Russian Federation</h1>" in content
    assert titles(response) == [new.title, old.title]


def test_country_code_is_case_insensitive_and_unknown_codes_are_404(client):
    """ru and RU name the same page; an unknown or malformed code is a 404, never a 500."""
    PostFactory(title="Visible")
    assert "Visible" in client.get("/en/countries/RU/").content.decode()
    for code in ["zz", "xx", "rus", "r", "%00%00", "ru%00", "é1", "1" * 300]:
        assert client.get(f"/en/countries/{code}/").status_code == 404


def test_unpublished_and_future_posts_are_not_listed(client):
    """Drafts and posts scheduled for later stay off every list."""
    PostFactory(title="Draft one", is_published=False)
    PostFactory(title="Scheduled", published_at=timezone.now() + timezone.timedelta(days=2))
    PostFactory(title="Out now")
    for url in ["/en/news/", "/en/countries/ru/"]:
        assert titles(client.get(url)) == ["Out now"]


def test_country_page_is_paginated_and_hostile_page_numbers_give_a_normal_page(client):
    """Past PAGE_SIZE posts a second page appears; page=abc, huge, negative or NUL page
    numbers answer with a normal page."""
    posts = PostFactory.create_batch(PAGE_SIZE + 3)
    first = client.get("/en/countries/ru/")
    assert len(titles(first)) == PAGE_SIZE
    assert 'rel="next"' in first.content.decode()
    second = client.get("/en/countries/ru/?page=2")
    assert titles(second) == [p.title for p in posts[PAGE_SIZE:]]
    for page in ["abc", "99999999999999999999999", "-1", "0", "%00", "1" * 5000, "2.5"]:
        response = client.get(f"/en/countries/ru/?page={page}")
        assert response.status_code == 200, page


def test_country_page_shows_open_actions_cases_feeds_and_subscribe(client):
    """Like seed 003: the country's open petitions (with their counts), its cases, the
    feeds as <link rel=alternate>, and a "Subscribe to <country>" email box beside them."""
    case = CaseFactory(name="Oyub Titiev", country="RU")
    petition = PetitionFactory(case=case, title="Free Oyub Titiev")
    PetitionFactory(case=case, title="Closed petition", closed=True)
    PetitionFactory(case=CaseFactory(country="BY"), title="Belarus petition")
    response = client.get("/en/countries/ru/")
    content = response.content.decode()
    assert "Free Oyub Titiev" in content
    assert f'data-count-url="/petitions/{petition.slug}/count.json"' in content
    assert "Closed petition" not in content and "Belarus petition" not in content
    assert "Oyub Titiev" in content
    assert '<link rel="alternate" type="application/rss+xml"' in content
    assert 'href="/en/feeds/countries/ru/rss/"' in content
    assert 'href="/en/feeds/countries/ru/atom/"' in content
    assert "Subscribe to Russian Federation" in content
    assert 'action="/en/subscribe/countries/ru/"' in content


def test_topic_page_lists_its_posts_with_feeds(client):
    """A topic page lists the posts filed under it, with its feeds and subscribe link."""
    topic = TopicFactory(slug="lgbti-rights", name="LGBTI rights")
    PostFactory(title="On topic", topics=[topic])
    PostFactory(title="Off topic")
    response = client.get("/en/topics/lgbti-rights/")
    assert titles(response) == ["On topic"]
    assert 'href="/en/feeds/topics/lgbti-rights/rss/"' in response.content.decode()
    assert client.get("/en/topics/no-such-topic/").status_code == 404


def test_news_index_lists_every_kind(client):
    """The site's news index shows statements, news, articles and interviews."""
    for kind in Post.Kind.values:
        PostFactory(title=f"A {kind}", kind=kind)
    response = client.get("/en/news/")
    assert sorted(titles(response)) == sorted(f"A {kind}" for kind in Post.Kind.values)
    assert 'href="/en/feeds/rss/"' in response.content.decode()


def test_post_page_shows_fields_and_take_action_box_with_live_count(client):
    """A post shows title, date, author, summary, rendered body, image alt text, its tags,
    and a take-action box for each linked petition with the live counter."""
    topic = TopicFactory(name="LGBTI rights")
    case = CaseFactory(name="Elena Milashina")
    petition = PetitionFactory(title="Investigate the purge", count=270_123, goal=300_000)
    post = PostFactory(
        kind=Post.Kind.INTERVIEW,
        title="Meet the journalist",
        author="Dmitry Savelau",
        summary="An interview.",
        body="**Dmitry:** You went into hiding?",
        topics=[topic],
        cases=[case],
        petitions=[petition],
    )
    content = client.get(post.get_absolute_url()).content.decode()
    assert "<h1>Meet the journalist</h1>" in content
    assert "Dmitry Savelau" in content
    assert "<strong>Dmitry:</strong> You went into hiding?" in content
    assert "Interview" in content
    assert "Take action" in content
    assert "270,123" in content
    assert f'data-count-url="/petitions/{petition.slug}/count.json"' in content
    assert "/static/outcry/count.js" in content
    assert 'href="/en/countries/ru/"' in content
    assert f'href="/en/topics/{topic.slug}/"' in content
    assert f'href="{case.get_absolute_url()}"' in content


def test_post_in_french_falls_back_to_english(client):
    """A post's French version is shown on /fr/; a missing translation falls back to English."""
    both = PostFactory(title="English title", title_fr="Titre français", slug="both")
    only_en = PostFactory(title="Only English", slug="only-en")
    assert "<h1>Titre français</h1>" in client.get("/fr/news/both/").content.decode()
    assert "<h1>Only English</h1>" in client.get("/fr/news/only-en/").content.decode()
    assert both.pk and only_en.pk


def test_unpublished_post_page_is_404(client):
    post = PostFactory(is_published=False)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert client.get("/en/news/no-such-post/").status_code == 404


def test_case_page_timeline_merges_updates_and_posts_by_date(client):
    """The case page shows one timeline: its dated updates and its posts, newest first."""
    case = CaseFactory(name="Elena")
    CaseUpdate.objects.create(case=case, date=date(2017, 4, 3), title="Threats after the report")
    CaseUpdate.objects.create(case=case, date=date(2020, 2, 6), title="Attacked in Grozny")
    PostFactory(
        title="Five critical updates",
        cases=[case],
        published_at=timezone.make_aware(timezone.datetime(2017, 4, 24, 12)),
    )
    PostFactory(title="Not about her")
    content = client.get(case.get_absolute_url()).content.decode()
    timeline = content[content.index('class="timeline"') :]
    order = [
        timeline.index("Attacked in Grozny"),
        timeline.index("Five critical updates"),
        timeline.index("Threats after the report"),
    ]
    assert order == sorted(order)
    assert "Not about her" not in content
    assert 'href="/en/feeds/cases/' in content


def _queries(client, url: str) -> int:
    # The queries of a render, not of a page served from the public cache (or a process's
    # copy of it).
    cache.clear()
    public_memo_clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url", ["/en/news/", "/en/countries/ru/", "/en/topics/t/"], ids=["index", "country", "topic"]
)
def test_list_pages_use_a_fixed_number_of_queries(client, url, django_assert_max_num_queries):
    """The list pages cost the same few queries with 2 posts as with a full page of them."""
    topic = TopicFactory(slug="t")
    for _ in range(2):
        case = CaseFactory()
        PetitionFactory(case=case)
    PostFactory.create_batch(2, topics=[topic], petitions=[PetitionFactory()])
    few = _queries(client, url)
    PostFactory.create_batch(PAGE_SIZE, topics=[topic], petitions=[PetitionFactory()])
    CaseFactory.create_batch(3)
    assert _queries(client, url) == few
    cache.clear()
    public_memo_clear()
    with django_assert_max_num_queries(6):
        client.get(url)


def test_post_page_query_count_is_bounded(client, django_assert_max_num_queries):
    """A post page with tags and several petitions needs a handful of queries."""
    post = PostFactory(
        topics=TopicFactory.create_batch(3),
        cases=CaseFactory.create_batch(3),
        petitions=PetitionFactory.create_batch(3),
    )
    with django_assert_max_num_queries(6):
        assert client.get(post.get_absolute_url()).status_code == 200
