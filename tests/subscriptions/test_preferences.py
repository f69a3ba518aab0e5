"""The preference centre, reached by a signed link in every email (no account): change
language, turn subscriptions on and off, unsubscribe from everything, get a copy of one's
data by email, ask to be erased. It shows nothing the web tier cannot read without the
private key, and a link stops working once its owner is erased."""

import json

import pytest
from django.core import signing

from outcry.core.models import AuditEvent
from outcry.news.models import Topic
from outcry.subscriptions import tokens
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import subscribers
from outcry.supporters.models import ConsentRecord, Supporter, Suppression
from tests.conftest import press_confirm_button
from tests.factories import TopicFactory
from tests.subscriptions.conftest import confirm_link, link_in, subscribe_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def john(client, smtp_server, tasks):
    """John confirmed subscriptions to the Russian Federation and to a topic."""
    TopicFactory(slug="lgbti", name="LGBTI rights")
    for url in ("/en/subscribe/countries/ru/", "/en/subscribe/topics/lgbti/"):
        client.post(url, subscribe_data())
    tasks.run()
    for message in smtp_server.messages:
        assert client.post(confirm_link(message)).status_code == 200
    smtp_server.handler.messages.clear()
    return Supporter.objects.get()


def preferences_path(supporter, language="en") -> str:
    url = tokens.preference_url(supporter=supporter, language=language)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_preference_link_is_absolute_signed_and_shows_no_personal_data(client, john, settings):
    """The link is absolute on SITE_URL; the page lists the subscriptions and the language,
    and neither the address nor the name (the web tier cannot open them)."""
    url = tokens.preference_url(supporter=john, language="fr")
    assert url.startswith(settings.SITE_URL + "/fr/preferences/")
    settings.PERSONAL_DATA_PRIVATE_KEYS = []  # as on the public web tier
    response = client.get(preferences_path(john))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Russian Federation" in page and "LGBTI rights" in page
    assert "john@example.org" not in page and "John" not in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_forged_or_altered_links_are_refused(client, john):
    path = preferences_path(john)
    assert client.get(path[:-3] + "xx/").status_code == 404
    forged = signing.Signer(salt="another").sign(f"{john.pk}.{john.email_hash[:16]}")
    assert client.get(f"/en/preferences/{forged}/").status_code == 404
    with pytest.raises(tokens.TokenInvalid):
        tokens.supporter_from_preference_token("garbage")


def test_changing_language_and_turning_a_subscription_off(client, john):
    """Saving with the topic unticked and French chosen ends the topic subscription only,
    records the withdrawal in the words shown, and switches John to French."""
    russia = Subscription.objects.get(kind="country")
    topic = Subscription.objects.get(kind="topic")
    response = client.post(preferences_path(john), {"language": "fr", "subscriptions": [russia.pk]})
    assert response.status_code == 302 and response["Location"].startswith("/fr/preferences/")
    john.refresh_from_db()
    assert john.language == "fr"
    russia.refresh_from_db()
    topic.refresh_from_db()
    assert russia.is_active and russia.language == "fr"
    assert not topic.is_active
    assert list(subscribers(topics=[topic.topic])) == []
    assert list(subscribers(countries=["RU"])) == [john]
    withdrawal = ConsentRecord.objects.filter(given=False).get()
    assert "LGBTI rights" in withdrawal.wording and withdrawal.language == "fr"

    # Ticking it again turns it back on, without another confirmation round.
    client.post(preferences_path(john), {"language": "fr", "subscriptions": [russia.pk, topic.pk]})
    topic.refresh_from_db()
    assert topic.is_active


def test_unsubscribe_from_everything(client, john):
    """One POST ends every subscription, marks John unsubscribed, records it once; John is
    then in no segment. A second click changes nothing."""
    path = preferences_path(john) + "unsubscribe/"
    assert client.get(path).status_code == 405  # a link scanner's GET does nothing
    response = client.post(path)
    assert response.status_code == 302
    john.refresh_from_db()
    assert john.unsubscribed_at is not None
    assert not Subscription.objects.active().exists()
    assert list(subscribers(countries=["RU"], topics=Topic.objects.all())) == []
    assert ConsentRecord.objects.filter(purpose="all_email", given=False).count() == 1
    client.post(path)
    assert ConsentRecord.objects.filter(purpose="all_email").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "You are unsubscribed from every email." in page


def test_subscribing_again_after_unsubscribing_all_needs_a_new_confirmation(
    client, john, smtp_server, tasks
):
    """After "unsubscribe from everything", subscribing again takes the emailed link and
    the page's button, which says that it starts emails about this again."""
    client.post(preferences_path(john) + "unsubscribe/")
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    assert list(subscribers(countries=["RU"])) == []
    link = confirm_link(smtp_server.messages_to("john@example.org")[0])
    assert "you asked us to stop every email" in client.get(link).content.decode()
    assert press_confirm_button(client, link).status_code == 200
    assert list(subscribers(countries=["RU"])) == [Supporter.objects.get()]


def test_my_data_is_prepared_by_the_worker_and_emailed_to_the_owner(
    client, john, smtp_server, tasks, settings
):
    """The web tier (no private key) only queues the request; the worker opens the data
    and emails it as JSON to John's own address, once per hour at most."""
    worker_keys = list(settings.PERSONAL_DATA_PRIVATE_KEYS)
    settings.PERSONAL_DATA_PRIVATE_KEYS = []
    response = client.post(preferences_path(john) + "my-data/")
    assert response.status_code == 302 and "done=my-data" in response["Location"]
    client.post(preferences_path(john) + "my-data/")
    settings.PERSONAL_DATA_PRIVATE_KEYS = worker_keys
    tasks.run()
    (message,) = smtp_server.messages_to("john@example.org")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "my-data.json"
    data = json.loads(attachment.get_content())
    assert data["supporter"]["email"] == "john@example.org"
    assert data["supporter"]["first_name"] == "John"
    assert sorted(s["about"] for s in data["subscriptions"]) == [
        "LGBTI rights",
        "Russian Federation",
    ]
    assert len(data["consents"]) == 2
    assert "/preferences/" in link_in(message, "/preferences/")
    assert (
        AuditEvent.objects.filter(
            event="supporters.supporter.exported", object_id=str(john.pk)
        ).count()
        == 1
    )


def test_erasure_from_a_preference_link_waits_for_the_emailed_confirmation(
    client, john, smtp_server, tasks
):
    """A preference link is in every email, forwarded ones too: it only asks. The
    erasure waits for a link emailed to John's own address, whose page needs a button
    press (a GET erases nothing). Afterwards every link is dead, John holds nothing, and
    his address is suppressed."""
    path = preferences_path(john) + "erase/"
    assert "Email me the link to erase my data" in client.get(path).content.decode()
    response = client.post(path, {"confirm": "erase"})  # as the page used to erase
    assert response.status_code == 302 and "done=erase-sent" in response["Location"]
    assert Supporter.objects.get().erased_at is None
    client.post(path)  # asked twice: one email
    tasks.run()
    (message,) = smtp_server.messages_to("john@example.org")
    erase = link_in(message, "/erase/")

    page = client.get(erase)
    assert page.status_code == 200 and "Yes, erase my data" in page.content.decode()
    assert Supporter.objects.get().erased_at is None
    assert client.post(erase).status_code == 200  # no confirmation field: asks again
    assert Supporter.objects.get().erased_at is None

    response = client.post(erase, {"confirm": "erase"})
    assert "Your data is erased" in response.content.decode()
    john.refresh_from_db()
    assert john.erased_at is not None and john.personal_data == ""
    assert not Subscription.objects.exists()
    assert Suppression.objects.filter(reason="erased").count() == 1
    assert client.get(path.removesuffix("erase/")).status_code == 404
    assert client.get(erase).status_code == 404


def test_an_erasure_link_expires_after_a_day_and_erases_nothing(client, john, monkeypatch):
    """A confirmation link older than a day shows that it expired; nothing is erased."""
    import time

    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 86400 - 60)
    token = tokens.erasure_token(john)
    monkeypatch.setattr(signing.time, "time", real_time)

    response = client.post(f"/en/erase/{token}/", {"confirm": "erase"})

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert Supporter.objects.get().erased_at is None


def test_a_forged_erasure_link_erases_nothing(client, john):
    """An altered link, or a preference token passed off as an erasure one, is refused."""
    for token in (tokens.erasure_token(john) + "x", tokens.preference_token(john)):
        assert client.post(f"/en/erase/{token}/", {"confirm": "erase"}).status_code == 404
    assert Supporter.objects.get().erased_at is None


def test_preference_page_queries_do_not_grow_with_subscriptions(
    client, john, django_assert_max_num_queries
):
    """Ten more subscriptions, the same handful of queries."""
    for n in range(10):
        Subscription.objects.create(
            supporter=john,
            kind="topic",
            topic=TopicFactory(name=f"Topic {n}"),
            language="en",
            confirmed_at=john.email_confirmed_at,
        )
    with django_assert_max_num_queries(3):
        response = client.get(preferences_path(john))
    assert response.content.decode().count('name="subscriptions"') == 12
