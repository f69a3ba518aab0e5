"""Sharing: plain share links (no third-party script or request) and OpenGraph / Twitter
card metadata built from public fields."""

import re

import pytest

from tests.factories import CaseFactory, PostFactory

pytestmark = pytest.mark.django_db


def meta(content: str) -> dict[str, str]:
    return dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', content))


def test_post_page_has_opengraph_and_twitter_metadata(client, settings):
    settings.SITE_URL = "https://outcry.example"
    post = PostFactory(slug="s", title="Free them", summary="Release the *defenders* now.")
    tags = meta(client.get("/en/news/s/").content.decode())
    assert tags["og:title"] == "Free them"
    assert tags["og:type"] == "article"
    assert tags["og:url"] == "https://outcry.example/en/news/s/"
    assert tags["og:description"] == "Release the defenders now."
    assert tags["twitter:card"] == "summary"
    assert tags["twitter:title"] == "Free them"
    assert tags["article:published_time"].startswith(str(post.published_at.date()))


def test_post_with_an_image_gets_a_large_card_with_alt_text(client, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://outcry.example"
    post = PostFactory(slug="img", image_alt="Protesters in Moscow")
    post.image.save("x.jpg", ContentFile(b"not really read"), save=True)
    content = client.get("/en/news/img/").content.decode()
    tags = meta(content)
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:image"].startswith("https://outcry.example/")
    assert tags["og:image:alt"] == "Protesters in Moscow"
    assert 'alt="Protesters in Moscow"' in content


def test_share_links_are_plain_links_with_no_script(client):
    """Share buttons are links that open in a new tab without opener or referrer; the page
    loads no script from anywhere but its own static files."""
    PostFactory(slug="s", title="Free them & now")
    content = client.get("/en/news/s/").content.decode()
    share = content[content.index('class="share"') :]
    links = re.findall(r'<a href="([^"]+)" rel="noopener noreferrer nofollow"', share)
    assert any(link.startswith("mailto:?") for link in links)
    assert any(link.startswith("https://www.facebook.com/sharer/") for link in links)
    assert len(links) >= 5
    assert all(
        src.startswith("/static/") for src in re.findall(r'<script[^>]*src="([^"]+)"', content)
    )
    assert "<script>" not in content


def test_case_page_metadata_uses_public_fields_only(client):
    CaseFactory(
        slug="c",
        name="Anna",
        summary="Public words.",
        is_pseudonym=True,
        description="hidden words",
    )
    content = client.get("/en/cases/c/").content.decode()
    tags = meta(content)
    assert tags["og:title"] == "Anna"
    assert tags["og:description"] == "Public words."
    assert "hidden words" not in content
