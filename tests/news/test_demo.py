"""The demo shows the Russian Federation page with seed 003's statements, seed 004's
article and seed 002's interview linking to the petition; loading it twice changes nothing."""

import re

import feedparser
import pytest

from outcry.demo.services import demo_load
from outcry.news.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    demo_load()


def test_demo_country_page_has_the_seed_statements_article_and_interview(client, demo):
    content = client.get("/en/countries/ru/").content.decode()
    dates = re.findall(r'<time datetime="(\d{4}-\d{2}-\d{2})', content)
    statements = Post.objects.filter(kind=Post.Kind.STATEMENT, countries__contains="RU")
    assert statements.count() >= 6
    assert dates == sorted(dates, reverse=True)
    assert "Chechnya: a new wave of homophobic attacks" in content
    assert "5 Critical Updates on Chechnya’s Anti-Gay Purge" in content
    assert "Meet the journalist who exposed Chechnya’s anti-gay purge" in content
    assert "Subscribe to Russia" in content


def test_demo_interview_links_to_the_petition_with_its_count(client, demo):
    interview = Post.objects.get(kind=Post.Kind.INTERVIEW)
    assert [link.action.slug for link in interview.action_links.all()] == [
        "investigate-chechnya-purge"
    ]
    content = client.get(interview.get_absolute_url()).content.decode()
    assert 'href="/en/petitions/investigate-chechnya-purge/"' in content
    assert 'data-count-url="/petitions/investigate-chechnya-purge/count.json"' in content


def test_demo_feeds_are_valid_and_search_finds_the_statements(client, demo):
    parsed = feedparser.parse(client.get("/fr/feeds/countries/ru/atom/").content)
    assert parsed.bozo == 0 and len(parsed.entries) >= 8
    content = client.get("/en/search/?q=Titiev").content.decode()
    assert "Court refuses bail to human rights defender Oyub Titiev" in content


def test_demo_load_is_idempotent(demo):
    before = Post.objects.count(), Post.topics.through.objects.count()
    demo_load()
    assert (Post.objects.count(), Post.topics.through.objects.count()) == before
