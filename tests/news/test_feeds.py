"""RSS 2.0 and Atom feeds for the site, each country, topic and case, in each language:
valid (feedparser reports no error), discoverable, and never failing on odd input."""

from datetime import date

import feedparser
import pytest

from outcry.cases.models import CaseUpdate
from tests.factories import CaseFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db

FORMATS = ["rss", "atom"]
LANGUAGES = ["en", "fr"]


@pytest.fixture
def world(db):
    topic = TopicFactory(slug="lgbti-rights", name="LGBTI rights", name_fr="Droits LGBTI")
    case = CaseFactory(slug="elena", name="Elena Milashina")
    CaseUpdate.objects.create(case=case, date=date(2017, 4, 3), title="Threats", body="Threats.")
    PostFactory(
        title="Chechnya statement",
        title_fr="Déclaration Tchétchénie",
        topics=[topic],
        cases=[case],
        author="Press office",
    )
    PostFactory(title="Second statement", body="Some **bold** text & an ampersand < less")
    return {"topic": topic, "case": case}


def feed_urls(language: str) -> list[str]:
    urls = []
    for fmt in FORMATS:
        urls += [
            f"/{language}/feeds/{fmt}/",
            f"/{language}/feeds/countries/ru/{fmt}/",
            f"/{language}/feeds/topics/lgbti-rights/{fmt}/",
            f"/{language}/feeds/cases/elena/{fmt}/",
        ]
    return urls


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_feed_is_valid_and_has_entries(client, world, language):
    """Each feed parses with feedparser without error (bozo == 0), has entries with
    absolute links, and declares the URL's language."""
    for url in feed_urls(language):
        response = client.get(url)
        assert response.status_code == 200, url
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        assert parsed.entries, url
        assert all(e.link.startswith("http") for e in parsed.entries), url
        assert parsed.feed.get("language", language).startswith(language), url
        expected_type = "atom" if "atom" in url else "rss"
        assert parsed.version.startswith(expected_type), (url, parsed.version)


def test_feed_items_follow_the_url_language(client, world):
    """The French feed carries French titles; the English one English titles."""
    fr = feedparser.parse(client.get("/fr/feeds/rss/").content)
    en = feedparser.parse(client.get("/en/feeds/rss/").content)
    assert "Déclaration Tchétchénie" in [e.title for e in fr.entries]
    assert "Chechnya statement" in [e.title for e in en.entries]


def test_case_feed_merges_updates_and_posts(client, world):
    """A case's feed has its dated updates and the posts tagged with it, and nothing else."""
    parsed = feedparser.parse(client.get("/en/feeds/cases/elena/rss/").content)
    assert sorted(e.title for e in parsed.entries) == ["Chechnya statement", "Threats"]


def test_country_feed_lists_only_that_country(client, world):
    PostFactory(title="Belarus only", countries=["BY"])
    parsed = feedparser.parse(client.get("/en/feeds/countries/ru/rss/").content)
    assert "Belarus only" not in [e.title for e in parsed.entries]
    by = feedparser.parse(client.get("/en/feeds/countries/by/atom/").content)
    assert [e.title for e in by.entries] == ["Belarus only"]


def test_feeds_are_discoverable_from_pages(client, world):
    """Pages link their feeds with <link rel=alternate> for RSS and Atom."""
    pages = {
        "/en/news/": "/en/feeds/",
        "/en/countries/ru/": "/en/feeds/countries/ru/",
        "/en/topics/lgbti-rights/": "/en/feeds/topics/lgbti-rights/",
        world["case"].get_absolute_url(): "/en/feeds/cases/elena/",
    }
    for page, feed in pages.items():
        content = client.get(page).content.decode()
        assert 'type="application/rss+xml" title="' in content, page
        assert f'href="{feed}rss/"' in content, page
        assert f'href="{feed}atom/"' in content, page


def test_control_characters_in_a_post_do_not_break_the_feed(client, db):
    """Characters XML 1.0 cannot hold are dropped from the feed, which stays valid."""
    PostFactory(title="Bell\x07 and \x1b escape", summary="Form\x0cfeed", author="A\x08B")
    for url in ["/en/feeds/rss/", "/en/feeds/atom/"]:
        response = client.get(url)
        assert response.status_code == 200
        parsed = feedparser.parse(response.content)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Bell and  escape"


@pytest.mark.parametrize(
    "url",
    [
        "/en/feeds/countries/zz/rss/",
        "/en/feeds/countries/%00/atom/",
        "/en/feeds/countries/" + "a" * 5000 + "/rss/",
        "/en/feeds/topics/nope/rss/",
        "/en/feeds/cases/nope/atom/",
        "/en/feeds/rss/?page=abc&q=%00",
    ],
)
def test_hostile_feed_requests_get_a_4xx_or_a_feed(client, db, url):
    """Unknown countries, topics and cases are 404; junk parameters are ignored."""
    response = client.get(url)
    assert response.status_code in {200, 404}
    if response.status_code == 200:
        assert feedparser.parse(response.content).bozo == 0


def test_empty_feeds_are_valid(client, db):
    """A feed with no posts yet is still a valid feed."""
    TopicFactory(slug="empty")
    for url in ["/en/feeds/rss/", "/fr/feeds/atom/", "/en/feeds/topics/empty/rss/"]:
        assert feedparser.parse(client.get(url).content).bozo == 0
