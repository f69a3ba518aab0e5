"""Anonymous public pages and counts served from the shared cache on a viral day: never
older than PUBLIC_CACHE_SECONDS, gone at once when staff unpublish, close or pause through
the services, the same for everyone in a language, and still without a cookie."""

import pickle
import time

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from outcry.actions import services
from outcry.actions.content import action_close, action_pause, action_update
from outcry.actions.models import Petition, Signature
from outcry.cases.services import case_unpublish
from outcry.core.public_cache import _page_key, public_memo_clear
from outcry.news.models import Post
from outcry.news.services import post_delete
from tests.conftest import sign_data
from tests.factories import CaseFactory, PetitionFactory, PostFactory


def page(client, url: str, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


def retitle_behind_the_cache(petition: Petition, title: str) -> None:
    """Change the title in the database without a service, so no cache is told: what
    the page then shows says whether it came from the cache."""
    Petition.objects.filter(pk=petition.pk).update(title_en=title, title=title)


def seconds_left(url: str) -> float:
    """How long the cache backend itself will keep the page of ``url`` (English)."""
    backend, key = caches["default"], _page_key("en", url)
    if isinstance(backend, RedisCache):
        made = backend.make_and_validate_key(key)
        return backend._cache.get_client(made).ttl(made)
    with open(backend._key_to_file(key), "rb") as stored:  # the file cache: expiry first
        return pickle.load(stored) - time.time()  # noqa: S301 - our own cache file


@pytest.mark.django_db
def test_page_is_served_from_the_cache_and_no_longer_than_the_bound(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 7
    petition = PetitionFactory(title="Before")
    url = petition.get_absolute_url()
    assert "Before" in page(client, url)
    retitle_behind_the_cache(petition, "After")
    assert "Before" in page(client, url)  # served from the cache
    # The backend drops it within the bound (Redis by its own clock: no time travel).
    assert 0 < seconds_left(url) <= 7


@pytest.mark.django_db
def test_cache_off_renders_every_time(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 0
    petition = PetitionFactory(title="Before")
    assert "Before" in page(client, petition.get_absolute_url())
    retitle_behind_the_cache(petition, "After")
    assert "After" in page(client, petition.get_absolute_url())


@pytest.mark.django_db(transaction=True)
def test_unpublishing_removes_the_page_from_every_cache_at_once(client, administrator):
    """Pages, country page, feed and count, in every language: all gone with the case."""
    case = CaseFactory(name="Soon Hidden", country="BY")
    petition = PetitionFactory(case=case)
    urls = [
        petition.get_absolute_url(),
        "/fr" + petition.get_absolute_url()[3:],
        f"/petitions/{petition.slug}/count.json",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "Soon Hidden" in page(client, "/en/countries/by/")

    case_unpublish(case=case, actor=administrator)

    for url in urls:
        assert client.get(url).status_code == 404, url
    assert "Soon Hidden" not in page(client, "/en/countries/by/")


@pytest.mark.django_db
def test_closing_and_pausing_show_at_once(client, administrator):
    petition = PetitionFactory()
    url = petition.get_absolute_url()
    assert "Signing is paused" not in page(client, url)
    action_pause(action=petition, actor=administrator)
    assert "Signing is paused" in page(client, url)
    action_close(action=petition, actor=administrator)
    assert "This petition is closed." in page(client, url)


@pytest.mark.django_db
def test_an_edit_through_the_service_shows_at_once(client, administrator):
    petition = PetitionFactory(title="Old words")
    assert "Old words" in page(client, petition.get_absolute_url())
    action_update(action=petition, fields={"title_en": "New words"}, actor=administrator)
    assert "New words" in page(client, petition.get_absolute_url())


@pytest.mark.django_db
def test_each_language_gets_its_own_page(client):
    petition = PetitionFactory()
    url = petition.get_absolute_url()  # before a French request leaves French active
    english = page(client, url)
    french = page(client, "/fr" + url[3:])
    assert "Choose your country" in english
    assert "Choose your country" not in french
    assert 'lang="fr"' in french
    # And English again, from the cache, is still English.
    assert page(client, url) == english


@pytest.mark.django_db
def test_cached_pages_set_no_cookie(client, settings):
    petition = PetitionFactory()
    for url in [petition.get_absolute_url(), "/en/countries/ru/", "/en/feeds/countries/ru/rss/"]:
        first, second = client.get(url), client.get(url)
        assert first.status_code == second.status_code == 200, url
        assert first.content == second.content
        for response in (first, second):
            assert not response.cookies, url
            assert "Set-Cookie" not in response.headers
        assert second["Content-Type"] == first["Content-Type"]
        # A reverse proxy may keep it exactly as long as Outcry does, and no longer.
        for response in (first, second):
            directives = {d.strip() for d in response["Cache-Control"].split(",")}
            assert directives == {"public", f"max-age={settings.PUBLIC_CACHE_SECONDS}"}, url


@pytest.mark.django_db
def test_a_page_rendered_for_one_visitor_says_no_proxy_may_keep_it(client):
    """A page with a query string is rendered for that visitor: no max-age for a proxy."""
    petition = PetitionFactory()
    response = client.get(petition.get_absolute_url() + "?source=mailing:3")
    assert "max-age" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_a_visitor_with_a_cookie_or_a_query_gets_a_fresh_page(client):
    """Staff (a session cookie) and a ?source= link are never served someone else's page."""
    petition = PetitionFactory(title="Before")
    url = petition.get_absolute_url()
    assert "Before" in page(client, url)
    retitle_behind_the_cache(petition, "After")
    assert "After" in page(client, url + "?source=mailing:3")
    assert 'value="mailing:3"' in page(client, url + "?source=mailing:3")
    client.cookies["sessionid"] = "whatever"
    assert "After" in page(client, url)


@pytest.mark.django_db
def test_a_failed_signature_is_not_served_from_the_cache(client):
    petition = PetitionFactory()
    page(client, petition.get_absolute_url())
    response = client.post(petition.get_absolute_url(), sign_data(email="not an address"))
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_count_json_shows_the_fold_at_once(client, tasks, smtp_server):
    """A count cached before the fold is replaced by the fold itself, not by expiry."""
    petition = PetitionFactory()
    count_url = f"/petitions/{petition.slug}/count.json"
    assert client.get(count_url).json()["count"] == 0
    client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.9")
    signature = Signature.objects.get()
    assert client.post(f"/en/confirm/{services.confirmation_token(signature)}/").status_code == 200
    public_memo_clear()  # as in another process: past its second of memo

    tasks.run(include_deferred=True)

    assert client.get(count_url).json()["count"] == 1


@pytest.mark.django_db(transaction=True)
def test_thank_you_page_reads_the_fresh_count(client, tasks, smtp_server):
    petition = PetitionFactory(goal=1000)
    assert client.get(f"/petitions/{petition.slug}/count.json").json()["count"] == 0
    Petition.objects.filter(pk=petition.pk).update(count=41)  # counted since, elsewhere
    client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.9")
    signature = Signature.objects.get()
    response = client.post(f"/en/confirm/{services.confirmation_token(signature)}/")
    assert response.status_code == 200
    assert '<strong class="count-value">41</strong>' in response.content.decode()


@pytest.mark.django_db
def test_deleting_a_post_removes_it_from_the_country_page_at_once(client, administrator):
    post = PostFactory(title="Going away", countries=["RU"])
    assert "Going away" in page(client, "/en/countries/ru/")
    post_delete(post=post, actor=administrator)
    assert not Post.objects.filter(pk=post.pk).exists()
    assert "Going away" not in page(client, "/en/countries/ru/")


def test_a_cache_key_never_carries_the_path_a_visitor_typed():
    """Paths are any length and hold any character; keys stay short and plain for every
    cache backend (memcached refuses control characters and keys over 250 bytes)."""
    keys = [_page_key("en", "/en/countries/" + "1" * 5000 + "/"), _page_key("en", "/en/\x00/")]
    assert all(len(key) < 60 and key.isprintable() and " " not in key for key in keys)
    assert _page_key("en", "/en/a/") != _page_key("fr", "/en/a/") != _page_key("en", "/en/b/")
