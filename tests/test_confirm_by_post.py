"""Confirmation links (signature, letter, subscription) open a page with one button; only
pressing it confirms. Mail scanners and link previews that open every link in an email
(GET, HEAD, following redirects, again and again) change nothing: nothing is confirmed,
counted, sent to an official, subscribed or consented to. And a confirmation never
silently undoes an earlier "unsubscribe from everything"."""

import re

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from outcry.actions.models import Letter, ParticipationState, Signature
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import subscribers
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.supporters.services import supporter_unsubscribe_all
from tests.actions_outreach.conftest import TARGET, letter_data
from tests.actions_outreach.conftest import confirm_path as letter_link
from tests.actions_outreach.factories import LetterActionFactory
from tests.conftest import press_confirm_button, sign_data
from tests.factories import PetitionFactory
from tests.subscriptions.conftest import confirm_link as subscription_link
from tests.subscriptions.conftest import subscribe_data
from tests.test_privacy import confirm_link as signature_link

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _generous_limits(settings):
    settings.SUBSCRIBE_RATE_BURST_PER_MINUTE = 1000
    settings.SUBSCRIBE_RATE_SUSTAINED_PER_HOUR = 1000
    settings.LETTER_DISPATCH_DELAY = 0
    settings.COUNT_BATCH_DELAY = 0


def state() -> dict:
    """Everything a confirmation could change, as the database holds it."""
    return {
        "signatures": sorted(Signature.objects.values_list("pk", "state", "validated_at")),
        "letters": sorted(
            Letter.objects.values_list("pk", "state", "validated_at", "target_status")
        ),
        "subscriptions": sorted(Subscription.objects.values_list("pk", "confirmed_at", "ended_at")),
        "supporters": sorted(
            Supporter.objects.values_list("pk", "email_confirmed_at", "unsubscribed_at")
        ),
        "consents": sorted(ConsentRecord.objects.values_list("pk", "purpose", "given")),
        "tasks": sorted(DBTaskResult.objects.values_list("task_path", "status")),
    }


def scanners_open(path: str) -> None:
    """What mail scanners and link previews do with a link: GET it, again, HEAD it,
    follow whatever it redirects to, from fresh clients with no cookies."""
    for user_agent in ("Mozilla/5.0 (compatible; SafeLinks)", "Slackbot-LinkExpanding 1.0"):
        scanner = Client(HTTP_USER_AGENT=user_agent)
        for _ in range(3):
            assert scanner.get(path).status_code == 200
        assert scanner.head(path).status_code == 200
        assert scanner.get(path, follow=True).status_code == 200
        assert scanner.get(path + "?utm_source=scan").status_code == 200


def emails_with(smtp_server, address: str, marker: str) -> list:
    return [
        m
        for m in smtp_server.messages_to(address)
        if marker in m.get_body(("plain",)).get_content()
    ]


def test_opening_a_signature_link_confirms_nothing_until_the_button_is_pressed(
    client, smtp_server, tasks
):
    """Scanners opening the link leave the signature pending, uncounted, its "keep me
    informed" unsubscribed and its "name me" unused; the button confirms all of it."""
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(keep_informed="on", named_to_target="on"))
    tasks.run()
    [message] = smtp_server.messages_to("john@example.org")
    path = signature_link(message)
    tasks.run(include_deferred=True)  # whatever was due anyway (a reminder)
    before = state()

    scanners_open(path)
    tasks.run(include_deferred=True)

    assert state() == before
    signature = Signature.objects.get()
    assert signature.state == Signature.State.PENDING and not signature.counted
    assert not Subscription.objects.exists()
    assert Supporter.objects.get().email_confirmed_at is None
    page = client.get(path).content.decode()
    assert "Confirm my signature" in page and petition.title in page
    assert "your name and city be given to the official" in page

    assert press_confirm_button(client, path).status_code == 200
    tasks.run(include_deferred=True)
    signature.refresh_from_db()
    assert signature.state == Signature.State.VALIDATED and signature.counted
    assert list(subscribers(cases=[petition.case])) == [Supporter.objects.get()]


def test_opening_a_letter_link_neither_confirms_nor_sends_the_letter(client, smtp_server, tasks):
    """A letter someone wrote in another's name stays pending and unsent while scanners
    open its link; pressing the button confirms it and it goes to the official."""
    action = LetterActionFactory()
    response = client.post(
        f"/en/letters/{action.slug}/", letter_data(keep_informed="on", named_to_target="on")
    )
    assert response.status_code == 302
    tasks.run()
    [message] = emails_with(smtp_server, "ada@example.org", "/letters/confirm/")
    path = letter_link(message)
    tasks.run(include_deferred=True)  # whatever was due anyway (a reminder)
    before = state()

    scanners_open(path)
    tasks.run(include_deferred=True)

    assert state() == before
    letter = Letter.objects.get()
    assert letter.state == ParticipationState.PENDING
    assert letter.target_status == Letter.TargetStatus.NOT_SENT
    assert smtp_server.messages_to(TARGET) == []
    assert not Subscription.objects.exists()
    assert "Confirm and send my letter" in client.get(path).content.decode()

    assert press_confirm_button(client, path).status_code == 200
    tasks.run(include_deferred=True)
    letter.refresh_from_db()
    assert letter.state == ParticipationState.VALIDATED
    assert len(smtp_server.messages_to(TARGET)) == 1
    assert Subscription.objects.get().is_active


def test_opening_a_subscription_link_subscribes_nobody(client, smtp_server, tasks):
    """Scanners opening a subscription's link leave it pending; the button starts it."""
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    [message] = smtp_server.messages_to("john@example.org")
    path = subscription_link(message)
    tasks.run(include_deferred=True)  # whatever was due anyway (a reminder)
    before = state()

    scanners_open(path)
    tasks.run(include_deferred=True)

    assert state() == before
    assert list(subscribers(countries=["RU"])) == []
    assert Subscription.objects.get().confirmed_at is None
    assert "Confirm my subscription" in client.get(path).content.decode()

    assert press_confirm_button(client, path).status_code == 200
    assert list(subscribers(countries=["RU"])) == [Supporter.objects.get()]


def test_the_confirmation_page_is_one_form_that_nothing_keeps_or_indexes(
    client, smtp_server, tasks
):
    """The page is a plain POST form (works without JavaScript: no script presses it, as
    a scanner running scripts would too), kept by no cache, indexed by no search engine,
    and it sets no cookie."""
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data())
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    paths = [
        signature_link(emails_with(smtp_server, "john@example.org", "/en/confirm/")[0]),
        subscription_link(emails_with(smtp_server, "john@example.org", "/subscribe/confirm/")[0]),
    ]
    for path in paths:
        response = Client().get(path)
        html = response.content.decode()
        assert len(re.findall(r"<form\b", html)) == 1
        assert '<form method="post">' in html
        assert "<script" not in html
        assert '<meta name="robots" content="noindex">' in html
        assert "no-store" in response["Cache-Control"]
        assert "private" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex"
        assert response["Referrer-Policy"] == "no-referrer"
        assert not response.cookies


def test_bad_links_get_the_plain_problem_page_whether_opened_or_posted(
    client, smtp_server, tasks, settings
):
    """A cut-short, forged or expired link, opened or posted, gets the explanation page
    (404 or 410), never an error, and confirms nothing."""
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data())
    client.post(f"/en/letters/{LetterActionFactory().slug}/", letter_data())
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    links = [
        signature_link(emails_with(smtp_server, "john@example.org", "/en/confirm/")[0]),
        letter_link(emails_with(smtp_server, "ada@example.org", "/letters/confirm/")[0]),
        subscription_link(emails_with(smtp_server, "john@example.org", "/subscribe/confirm/")[0]),
    ]
    before = state()
    for link in links:
        for bad in (link[:-6] + "/", link[:-3] + "xx/", link.rsplit("/", 2)[0] + "/garbage/"):
            assert client.get(bad).status_code == 404
            assert client.head(bad).status_code == 404
            assert client.post(bad).status_code == 404
    settings.SIGNATURE_CONFIRMATION_MAX_AGE = -1
    settings.SUBSCRIPTION_CONFIRMATION_MAX_AGE = -1
    for link in links:
        assert client.get(link).status_code == 410
        assert client.post(link).status_code == 410
    assert state() == before


def unsubscribed_from_everything(client, smtp_server, tasks, email="john@example.org"):
    """A confirmed subscriber who then unsubscribed from every email."""
    client.post("/en/subscribe/countries/by/", subscribe_data(email=email))
    tasks.run()
    press_confirm_button(client, subscription_link(smtp_server.messages_to(email)[-1]))
    supporter = Supporter.objects.get()
    supporter_unsubscribe_all(supporter=supporter, source="https://example.org/preferences/")
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    smtp_server.handler.messages.clear()
    return supporter


def test_a_new_subscription_lifts_unsubscribe_from_everything_only_when_the_page_says_so(
    client, smtp_server, tasks
):
    """John had asked to stop every email. Someone subscribes his address to a country:
    the page his link opens tells him, and only its button (which says it starts emails
    again) does; a bare POST without the page's answer changes nothing. His answer is
    kept as a consent record in the words the page showed."""
    john = unsubscribed_from_everything(client, smtp_server, tasks)
    client.post("/en/subscribe/countries/ru/", subscribe_data())
    tasks.run()
    path = subscription_link(smtp_server.messages_to("john@example.org")[0])
    page = client.get(path).content.decode()
    assert "you asked us to stop every email" in page
    assert "Yes, email me about Russian Federation again" in page

    assert client.post(path).status_code == 200  # the page, asking again
    john.refresh_from_db()
    assert john.unsubscribed_at is not None
    assert list(subscribers(countries=["RU"])) == []

    assert press_confirm_button(client, path).status_code == 200
    john.refresh_from_db()
    assert john.unsubscribed_at is None
    assert list(subscribers(countries=["RU"])) == [john]
    assert list(subscribers(countries=["BY"])) == []  # what he turned off stays off
    resumed = ConsentRecord.objects.get(purpose=ConsentRecord.Purpose.ALL_EMAIL, given=True)
    assert "you asked us to stop every email" in resumed.wording
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert resumed.source_url.endswith("/en/subscribe/confirm/")
    assert token not in resumed.source_url  # a key, not kept


def test_keep_me_informed_does_not_undo_unsubscribe_from_everything_unless_ticked(
    client, smtp_server, tasks
):
    """John had asked to stop every email. A signature in his name with "keep me informed"
    ticked, confirmed with the page's box left unticked, counts but subscribes him to
    nothing and leaves him unsubscribed; ticking the box on another confirmation does."""
    john = unsubscribed_from_everything(client, smtp_server, tasks)
    first, second = PetitionFactory(), PetitionFactory()
    client.post(first.get_absolute_url(), sign_data(keep_informed="on"))
    tasks.run()
    path = signature_link(smtp_server.messages_to("john@example.org")[0])
    assert "you asked us to stop every email" in client.get(path).content.decode()
    assert press_confirm_button(client, path).status_code == 200
    john.refresh_from_db()
    assert Signature.objects.get(petition=first).state == Signature.State.VALIDATED
    assert john.unsubscribed_at is not None
    assert list(subscribers(cases=[first.case])) == []

    client.post(second.get_absolute_url(), sign_data(keep_informed="on"))
    tasks.run()
    path = signature_link(smtp_server.messages_to("john@example.org")[-1])
    assert press_confirm_button(client, path, tick=("resume_email",)).status_code == 200
    john.refresh_from_db()
    assert john.unsubscribed_at is None
    assert list(subscribers(cases=[second.case])) == [john]
    assert list(subscribers(cases=[first.case])) == []
