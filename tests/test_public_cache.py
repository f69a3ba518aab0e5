"""Anonymous public pages and counts served from the shared cache on a viral day: never
older than PUBLIC_CACHE_SECONDS, gone at once when staff unpublish, close or pause through
the services (or edit the target directory the letter and call pages address), the same
for everyone in a language, and still without a cookie."""

import csv
import io
import pickle
import secrets
import time
from datetime import date

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

from outcry.actions import services
from outcry.actions.content import action_close, action_pause, action_update
from outcry.actions.models import CallAction, LetterAction, Petition, Signature
from outcry.cases.services import case_unpublish
from outcry.core.public_cache import _page_key, public_memo_clear
from outcry.news.models import Post
from outcry.news.services import post_delete
from outcry.targets import services as target_services
from outcry.targets.imports import targets_import
from tests import actors
from tests.actions_outreach.conftest import letter_data
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory
from tests.conftest import sign_data
from tests.factories import CaseFactory, PetitionFactory, PostFactory, TargetFactory
from tests.test_sensitive_and_office_email import change_form_data


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
    assert 0 < seconds_left(url) <= 7 - 1  # and a process's own copy lives one second more


@pytest.mark.django_db
def test_a_process_keeps_its_copy_a_second_and_the_whole_stays_within_the_bound(
    client, settings, monkeypatch
):
    """Each process keeps a page it served for a second (a Redis round trip was most of a
    cached page's cost); the shared cache keeps it a second less than the bound, so no
    copy anywhere is older than the bound."""
    from outcry.core import public_cache  # noqa: PLC0415

    settings.PUBLIC_CACHE_SECONDS = 7
    petition = PetitionFactory(title="Before")
    url = petition.get_absolute_url()
    assert "Before" in page(client, url)
    assert 0 < seconds_left(url) <= 6
    retitle_behind_the_cache(petition, "After")
    caches["default"].delete(_page_key("en", url))  # gone from the shared cache
    assert "Before" in page(client, url)  # this process's copy
    later = time.monotonic() + public_cache.MEMO_SECONDS + 0.01
    monkeypatch.setattr(public_cache.time, "monotonic", lambda: later)
    assert "After" in page(client, url)


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
    urls = [
        petition.get_absolute_url(),
        LetterActionFactory().get_absolute_url(),
        CallActionFactory().get_absolute_url(),
        "/en/countries/ru/",
        "/en/feeds/countries/ru/rss/",
    ]
    for url in urls:
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


# Letter and call pages ------------------------------------------------------------------


def office_actions(**kwargs) -> list[LetterAction | CallAction]:
    """A letter action and a call action addressing the same office."""
    letter = LetterActionFactory(**kwargs)
    return [letter, CallActionFactory(**{**kwargs, "case": letter.case, "office": letter.office})]


def retitle_action_behind_the_cache(action, title: str) -> None:
    type(action).objects.filter(pk=action.pk).update(title_en=title, title=title)
    action.title = action.title_en = title  # a service writing it later keeps it


def served_from_the_cache(client, *actions) -> None:
    """Each action's English page is in the cache: a new title written behind it is not
    shown (until something makes the page stale: ``renders_afresh``)."""
    for action in actions:
        url = action.get_absolute_url()
        page(client, url)
        retitle_action_behind_the_cache(action, f"Retitled {secrets.token_hex(4)}")
        assert action.title not in page(client, url), url


def renders_afresh(client, action) -> str:
    """The action's page, which must show the title written behind the cache."""
    shown = page(client, action.get_absolute_url())
    assert action.title in shown, action.get_absolute_url()
    return shown


@pytest.mark.django_db
def test_letter_and_call_pages_are_served_from_the_cache_within_the_bound(client, settings):
    settings.PUBLIC_CACHE_SECONDS = 7
    for action in office_actions(title="Before"):
        url = action.get_absolute_url()
        assert "Before" in page(client, url)
        retitle_action_behind_the_cache(action, "After")
        assert "Before" in page(client, url), url  # served from the cache
        assert 0 < seconds_left(url) <= 7
        assert "After" in page(client, url + "?source=mailing:3")  # rendered for that link


@pytest.mark.django_db
def test_letter_and_call_pages_are_cached_per_language(client):
    actions = office_actions()
    # Before a French request leaves French active.
    for action, url in [(action, action.get_absolute_url()) for action in actions]:
        english = page(client, url)
        french = page(client, "/fr" + url[3:])
        assert '<html lang="fr">' in french and '<html lang="en">' in english
        retitle_action_behind_the_cache(action, "After")
        # Each language from its own cache entry.
        assert page(client, url) == english
        assert page(client, "/fr" + url[3:]) == french


@pytest.mark.django_db(transaction=True)
def test_hiding_the_case_removes_letter_and_call_pages_from_every_cache_at_once(
    client, administrator
):
    case = CaseFactory(name="Soon Hidden")
    urls = []
    actions = office_actions(case=case)
    for action in actions:
        url = action.get_absolute_url()
        urls += [url, "/fr" + url[3:]]
    for url in urls:
        assert "Soon Hidden" in page(client, url)
    served_from_the_cache(client, *actions)

    case_unpublish(case=case, actor=administrator)

    for url in urls:
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_closing_unpublishing_and_editing_letter_and_call_actions_show_at_once(
    client, administrator
):
    for action in office_actions(title="Old words"):
        url = action.get_absolute_url()
        served_from_the_cache(client, action)
        action_update(action=action, fields={"background_en": "New words"}, actor=administrator)
        assert "New words" in renders_afresh(client, action)
        assert "This action is closed." not in page(client, url)
        served_from_the_cache(client, action)
        action_close(action=action, actor=administrator)
        assert "This action is closed." in renders_afresh(client, action)
        action_update(action=action, fields={"status": "draft"}, actor=administrator)
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db(transaction=True)
def test_a_new_holder_or_a_bounced_address_shows_on_letter_and_call_pages_at_once(client):
    """The target directory is written through its services: the addressee and the email
    route follow at once, not after PUBLIC_CACHE_SECONDS."""
    letter, call = office_actions()
    office = letter.office
    assert 'value="email"' in page(client, letter.get_absolute_url())
    served_from_the_cache(client, letter, call)
    assert "Vera Newcomer" not in page(client, call.get_absolute_url())

    newcomer = TargetFactory(name="Vera Newcomer")
    target_services.tenure_begin(office=office, target=newcomer, started_on=date(2025, 1, 1))
    for action in (letter, call):
        assert "Vera Newcomer" in renders_afresh(client, action)

    served_from_the_cache(client, letter)
    assert target_services.office_mark_email_bounced(
        office_id=office.pk, email=office.email, reason="550 no such user"
    )
    letter_page = renders_afresh(client, letter)
    assert 'value="email"' not in letter_page
    assert "This official has no email address we can use" in letter_page


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_or_an_import_of_the_office_shows_on_letter_and_call_pages_at_once(
    client,
):
    letter, call = office_actions()
    office = letter.office
    served_from_the_cache(client, letter, call)

    staff = Client()
    actors.logged_in(staff, actors.administrator())
    change = reverse("admin:targets_office_change", args=[office.pk])
    data = change_form_data(staff.get(change), phone="+33 1 00 00 00 01")
    assert staff.post(change, data).status_code == 302
    for action in (letter, call):
        assert "+33 1 00 00 00 01" in renders_afresh(client, action)

    served_from_the_cache(client, letter, call)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows([["office_key", "office_title_en", "address"]])
    writer.writerows([[office.key, office.title_en, "Imported Street 9 | 75001 Paris"]])
    assert targets_import(file=io.BytesIO(out.getvalue().encode())).ok
    for action in (letter, call):
        assert "Imported Street 9" in renders_afresh(client, action)


@pytest.mark.django_db
def test_one_visitors_letter_or_call_never_shows_on_the_page_another_is_served(client):
    """Alice's form comes back to her with what she typed; Bob, after her, is served the
    cached page, which holds nothing of hers (no name, no address, no error)."""
    for action in office_actions(title="Before"):
        url = action.get_absolute_url()
        page(client, url)
        retitle_action_behind_the_cache(action, "After")
        alice = Client()
        typed = letter_data(first_name="Alicesecret", email="not an address", outcome="answered")
        refused = alice.post(url, typed)
        assert refused.status_code == 400
        assert "Alicesecret" in refused.content.decode()
        bob = page(Client(), url)
        assert "Before" in bob  # the cached page
        assert "Alicesecret" not in bob and "not an address" not in bob
        assert "errors" not in bob and "csrfmiddlewaretoken" not in bob
