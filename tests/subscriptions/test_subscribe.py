"""Subscribing to a country, topic or case: a box on those pages, double opt-in by an
emailed link, the consent recorded in the exact words shown, and the same answer whatever
the address's state, so the form never tells who is subscribed."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outcry.core.crypto import email_hash
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import subscribers
from outcry.supporters.models import ConsentRecord, Supporter, Suppression
from tests.conftest import sign_data
from tests.factories import CaseFactory, PetitionFactory, TopicFactory
from tests.subscriptions.conftest import confirm_link, subscribe_data
from tests.test_privacy import confirm_link as signature_confirm_link

pytestmark = pytest.mark.django_db(transaction=True)

CHECK_EMAIL = "/en/subscribe/check-email/"


def test_country_page_box_subscribes_after_the_emailed_link_is_followed(client, smtp_server, tasks):
    """The Russian Federation page carries a subscribe box (its feed links too); posting it
    stores a pending subscription and queues a confirmation; only following the emailed
    link makes John a subscriber."""
    page = client.get("/en/countries/ru/").content.decode()
    assert "Subscribe to Russian Federation" in page
    assert 'action="/en/subscribe/countries/ru/"' in page
    assert 'href="/en/feeds/countries/ru/rss/"' in page

    response = client.post("/en/subscribe/countries/ru/", subscribe_data())
    assert response.status_code == 302 and response["Location"] == CHECK_EMAIL
    tasks.run()  # the worker decides what the request means, and sends the link
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.country.code) == ("country", "RU")
    assert subscription.confirmed_at is None
    assert list(subscribers(countries=["RU"])) == []

    (message,) = smtp_server.messages_to("john@example.org")
    assert "Russian Federation" in message["Subject"]
    assert "Dear John," in message.get_body(("plain",)).get_content()
    assert client.post(confirm_link(message)).status_code == 200

    supporter = Supporter.objects.get()
    assert supporter.email_confirmed_at is not None
    assert list(subscribers(countries=["RU"])) == [supporter]
    assert list(subscribers(countries=["BY"])) == []
    # A replayed link changes nothing and says so.
    assert client.post(confirm_link(message)).status_code == 409


def test_consent_is_recorded_in_the_exact_words_shown_in_french(client, smtp_server, tasks):
    """A French reader's request records the French sentence beside the button, its
    version, the page it came from; the confirmation email is in French."""
    topic = TopicFactory(slug="lgbti", name="LGBTI rights")
    page = client.get("/fr/topics/lgbti/").content.decode()
    assert 'action="/fr/subscribe/topics/lgbti/"' in page
    client.post("/fr/subscribe/topics/lgbti/", subscribe_data(language="fr"))
    tasks.run()
    consent = ConsentRecord.objects.get()
    assert consent.purpose == ConsentRecord.Purpose.SUBSCRIPTION
    assert consent.given is True
    assert consent.language == "fr"
    assert consent.wording.startswith("Envoyez-moi")
    assert "LGBTI rights" in consent.wording
    assert consent.wording in " ".join(page.split()).replace("&#x27;", "'")
    assert consent.source_url.endswith("/fr/topics/lgbti/")
    tasks.run()
    (message,) = smtp_server.messages
    assert message["Content-Language"] == "fr"
    assert "Confirmez" in message["Subject"]
    assert Subscription.objects.get(topic=topic).language == "fr"


def test_case_page_box_subscribes_to_the_case(client, smtp_server, tasks):
    case = CaseFactory(slug="elena", name="Elena Milashina")
    page = client.get("/en/cases/elena/").content.decode()
    assert 'action="/en/subscribe/cases/elena/"' in page
    client.post("/en/subscribe/cases/elena/", subscribe_data())
    tasks.run()
    client.post(confirm_link(smtp_server.messages[0]))
    assert list(subscribers(cases=[case])) == [Supporter.objects.get()]


def test_same_answer_whatever_the_address_state(client, smtp_server, tasks):
    """New, pending, already subscribed: the same redirect to the same page. A subscribed
    address gets nothing more; a pending one is not re-sent within the hour."""
    url = "/en/subscribe/countries/ru/"
    first = client.post(url, subscribe_data())
    tasks.run()
    client.post(confirm_link(smtp_server.messages[0]))
    again = client.post(url, subscribe_data(email="JOHN@example.org", first_name="Mallory"))
    other = client.post(url, subscribe_data(email="nadia@example.org"))
    other_again = client.post(url, subscribe_data(email="nadia@example.org"))
    assert {r["Location"] for r in (first, again, other, other_again)} == {CHECK_EMAIL}
    tasks.run()
    assert len(smtp_server.messages_to("john@example.org")) == 1
    assert len(smtp_server.messages_to("nadia@example.org")) == 1
    # Nobody typing John's address overwrote his name.
    assert Subscription.objects.filter(supporter__email_confirmed_at__isnull=False).count() == 1


def test_bad_input_gets_a_clear_message_and_the_honeypot_stores_nothing(client):
    response = client.post("/en/subscribe/countries/ru/", subscribe_data(email="not-an-email"))
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert 'value="John"' in response.content.decode()
    bot = client.post("/en/subscribe/countries/ru/", subscribe_data(website="http://spam"))
    assert bot["Location"] == CHECK_EMAIL
    assert not Supporter.objects.exists() and not Subscription.objects.exists()
    assert client.post("/en/subscribe/countries/zz/", subscribe_data()).status_code == 404
    assert client.post("/en/subscribe/topics/nope/", subscribe_data()).status_code == 404


def test_rate_limit_refuses_and_stores_nothing(client, settings, tasks):
    settings.SUBSCRIBE_RATE_BURST_PER_MINUTE = 2
    for n in range(2):
        response = client.post(
            "/en/subscribe/countries/ru/", subscribe_data(email=f"p{n}@example.org")
        )
        assert response.status_code == 302
    response = client.post("/en/subscribe/countries/ru/", subscribe_data(email="p9@example.org"))
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    tasks.run()
    assert Subscription.objects.count() == 2


def test_keep_informed_becomes_a_case_subscription_once_the_signature_is_confirmed(
    client, smtp_server, tasks
):
    """Ticking "keep me informed" when signing subscribes to the petition's case once the
    signature is confirmed (that email link is the double opt-in); not before, and not
    without the box ticked."""
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(keep_informed="on"))
    client.post(petition.get_absolute_url(), sign_data(email="quiet@example.org"))
    assert not Subscription.objects.exists()
    tasks.run()
    for message in smtp_server.messages:
        assert client.post(signature_confirm_link(message)).status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.case == petition.case and subscription.is_active
    assert list(subscribers(cases=[petition.case])) == [
        Supporter.objects.get(signatures__keep_informed=True)
    ]


def test_keep_informed_on_a_letter_becomes_a_case_subscription_once_confirmed(
    client, smtp_server, tasks
):
    """The same box on a letter: its confirmation link proves the address, so the writer
    who ticked it is subscribed to the letter's case; the one who did not is not."""
    from tests.actions_outreach.conftest import confirm_path, letter_data
    from tests.actions_outreach.factories import LetterActionFactory

    action = LetterActionFactory()
    url = f"/en/letters/{action.slug}/"
    assert client.post(url, letter_data(keep_informed="on")).status_code == 302
    assert client.post(url, letter_data(email="quiet@example.org")).status_code == 302
    tasks.run()
    assert not Subscription.objects.exists()
    for message in smtp_server.messages:
        assert client.post(confirm_path(message)).status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.case == action.case and subscription.is_active
    assert subscribers(cases=[action.case]).count() == 1


def test_a_signature_link_with_a_source_is_counted_for_that_source(client):
    """?source=mailing:12 is carried through the sign form; a malformed one is dropped."""
    petition = PetitionFactory()
    page = client.get(petition.get_absolute_url() + "?source=mailing:12").content.decode()
    assert 'name="source" value="mailing:12"' in page
    client.post(petition.get_absolute_url(), sign_data(source="mailing:12"))
    client.post(
        petition.get_absolute_url(),
        sign_data(email="x@example.org", source="<script>alert(1)</script>"),
    )
    assert sorted(petition.signatures.values_list("source", flat=True)) == ["", "mailing:12"]


def test_expired_and_forged_links_get_a_plain_page(client, settings, smtp_server, tasks):
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    link = confirm_link(smtp_server.messages[0])
    assert client.post(link[:-3] + "xx/").status_code == 404
    assert client.post("/en/subscribe/confirm/nonsense/").status_code == 404
    settings.SUBSCRIPTION_CONFIRMATION_MAX_AGE = -1
    assert client.post(link).status_code == 410
    assert Subscription.objects.get().confirmed_at is None


def test_emails_in_another_language_than_the_page(client, smtp_server, tasks):
    """On the English page, asking for emails in French: the consent is recorded in the
    English words shown; the confirmation and the subscription are in French."""
    client.post("/en/subscribe/countries/ru/", subscribe_data(language="fr"))
    tasks.run()
    consent = ConsentRecord.objects.get()
    assert consent.language == "en" and consent.wording.startswith("Email me news")
    assert Subscription.objects.get().language == "fr"
    tasks.run()
    assert smtp_server.messages[0]["Content-Language"] == "fr"


def test_a_pending_request_is_sent_again_only_after_an_hour(client, smtp_server, tasks):
    url = "/en/subscribe/countries/ru/"
    client.post(url, subscribe_data())
    tasks.run()
    client.post(url, subscribe_data())
    tasks.run()
    assert len(smtp_server.messages) == 1
    Subscription.objects.update(confirmation_sent_at=timezone.now() - timedelta(hours=2))
    client.post(url, subscribe_data())
    tasks.run()
    assert len(smtp_server.messages) == 2
    assert client.post(confirm_link(smtp_server.messages[1])).status_code == 200


def statement_shape(sql: str) -> str:
    """A statement with its values blanked: what it does, not what it carries."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    return re.sub(r"\b\d+(?:\.\d+)?\b", "?", sql)


def test_the_web_request_runs_the_same_sql_whatever_the_address_state(client, smtp_server, tasks):
    """Subscribing a new, a pending, an active or a suppressed (erased) address: the web
    request runs the same statements, in the same order, so its timing cannot tell them
    apart; the worker decides, and only the new address is emailed."""
    url = "/en/subscribe/countries/ru/"
    client.post(url, subscribe_data(email="active@example.org"))
    client.post(url, subscribe_data(email="pending@example.org"))
    tasks.run()
    client.post(confirm_link(smtp_server.messages_to("active@example.org")[0]))
    Suppression.objects.create(email_hash=email_hash("gone@example.org"), reason="erased")
    smtp_server.handler.messages.clear()

    shapes = {}
    for state in ("new", "pending", "active", "gone"):
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, subscribe_data(email=f"{state}@example.org"))
        assert response.status_code == 302 and response["Location"] == CHECK_EMAIL
        shapes[state] = [statement_shape(query["sql"]) for query in queries.captured_queries]
    assert shapes["new"] == shapes["pending"] == shapes["active"] == shapes["gone"]

    tasks.run()
    assert [m["To"] for m in smtp_server.messages] == ["new@example.org"]
    assert not Supporter.objects.filter(email_hash=email_hash("gone@example.org")).exists()
