"""One-click unsubscribe (RFC 8058) and the view-in-browser page, from a real message."""

import re

import pytest
from django.test import Client

from outcry.mailings import sending, services
from outcry.mailings.models import MailingRecipient
from outcry.mailings.selectors import mailing_results
from outcry.supporters.models import Supporter
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(smtp_server, mailing_settings):
    """A mailing sent to John (English) and Marie (French); returns (mailing, messages)."""
    people = make_supporters(2)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)
    return mailing, people, smtp_server.messages


def _path(url: str) -> str:
    return url.removeprefix("https://outcry.example")


def _unsubscribe_url(message) -> str:
    return message["List-Unsubscribe"].split(",")[0].strip(" <>")


def _view_url(message) -> str:
    html = message.get_body(preferencelist=("html",)).get_content()
    return re.search(r'href="(https://outcry.example/m/[^"]+/[^"]+/)"', html).group(1)


def test_one_click_post_without_cookies_unsubscribes(sent):
    mailing, people, messages = sent
    message = next(m for m in messages if m["To"] == people[0][1])
    client = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: as mail providers

    response = client.post(
        _path(_unsubscribe_url(message)),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    supporter = Supporter.objects.get(pk=people[0][0].pk)
    assert supporter.unsubscribed_at is not None
    assert Supporter.objects.get(pk=people[1][0].pk).unsubscribed_at is None
    assert mailing_results(mailing=mailing)["unsubscribed"] == 1
    assert not response.cookies


def test_get_only_shows_a_confirmation_button(sent):
    _mailing, people, messages = sent
    message = next(m for m in messages if m["To"] == people[0][1])
    response = Client().get(_path(_unsubscribe_url(message)))
    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert Supporter.objects.get(pk=people[0][0].pk).unsubscribed_at is None


def test_confirmation_page_speaks_the_recipients_language(sent):
    _mailing, people, messages = sent
    french = next(m for m in messages if m["Content-Language"] == "fr")
    response = Client().get(_path(_unsubscribe_url(french)))
    assert 'lang="fr"' in response.content.decode()


def test_unknown_token_is_not_found():
    response = Client().post("/m/not-a-token/unsubscribe/")
    assert response.status_code == 404


def test_view_in_browser_greets_no_one_and_links_to_no_ones_preferences(sent, settings):
    """The web version is shown to whoever holds the link (it gets forwarded): the
    message with the merge defaults ("Dear friend"), without the recipient's name, their
    preference link, their unsubscribe link or the consent they gave. It needs no key."""
    _mailing, people, messages = sent
    message = next(m for m in messages if m["Content-Language"] == "en")
    number = message["To"].addresses[0].addr_spec.removeprefix("person").split("@")[0]
    html = message.get_body(preferencelist=("html",)).get_content()
    preferences = re.search(r'href="https://outcry.example(/en/preferences/[^"]+/)"', html)
    settings.PERSONAL_DATA_PRIVATE_KEYS = []  # as on the public web tier

    response = Client().get(_path(_view_url(message)))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Dear friend," in page and f"First{number}" not in page
    assert preferences is not None and preferences.group(1) not in page
    assert "/preferences/" not in page and "/unsubscribe/" not in page
    assert "because you subscribed" not in page
    assert "script-src" not in response["Content-Security-Policy"]


def test_view_in_browser_with_a_wrong_key_shows_nothing(sent):
    _mailing, _people, messages = sent
    url = _path(_view_url(messages[0]))
    token = url.split("/")[2]
    assert Client().get(f"/m/{token}/wrongkeywrongkeywrongkey/").status_code == 404


def test_nothing_readable_is_stored_for_the_page(sent):
    mailing, _people, _messages = sent
    for recipient in MailingRecipient.objects.filter(mailing=mailing):
        assert recipient.view_data and "First" not in recipient.view_data


def test_signatures_through_a_mailing_link_are_counted_in_its_results(
    client, smtp_server, mailing_settings
):
    from tests.conftest import sign_data
    from tests.factories import PetitionFactory

    PetitionFactory(slug="protect-elena")
    make_supporters(1)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)
    html = smtp_server.messages[0].get_body(preferencelist=("html",)).get_content()
    link = re.search(r'href="https://outcry.example(/en/petitions/protect-elena/[^"]*)"', html)
    path = link.group(1).replace("&amp;", "&")

    page = client.get(path).content.decode()
    source = re.search(r'name="source" value="([^"]*)"', page).group(1)
    response = client.post(path, {**sign_data(email="reader@example.org"), "source": source})

    assert response.status_code == 302
    assert mailing_results(mailing=mailing)["actions"] == 1


def test_view_in_browser_of_a_message_now_refused_is_not_found(sent):
    mailing, _people, messages = sent
    url = _path(_view_url(next(m for m in messages if m["Content-Language"] == "en")))
    assert Client().get(url).status_code == 200
    mailing.variants.filter(language="en").update(body="![](https://evil.example/pixel.gif)")
    assert Client().get(url).status_code == 404
