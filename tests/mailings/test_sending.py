"""A mailing to 1,000 people through a real SMTP server, and the faults it must survive."""

from collections import Counter
from datetime import timedelta

import dkim
import pytest
from django.utils import timezone

from outcry.mailings import sending, services
from outcry.mailings.models import Mailing, MailingRecipient
from outcry.mailings.selectors import mailing_results
from outcry.supporters.models import Supporter
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db(transaction=True)


def _to(message) -> str:
    return message["To"].addresses[0].addr_spec


def test_thousand_recipients_each_get_one_personalised_message_in_their_language(
    raw_smtp, mailing_settings, dkim_key, tasks
):
    people = make_supporters(1000)
    make_supporters(5, subscribe=None)  # not subscribed to the country: not in the segment
    mailing = make_alert()

    services.mailing_schedule(mailing=mailing, actor=None)
    tasks.run()

    messages = raw_smtp.handler.messages
    by_address = Counter(_to(m) for m in messages)
    assert len(messages) == 1000
    assert set(by_address) == {address for _, address in people}
    assert set(by_address.values()) == {1}

    supporters = {address: supporter for supporter, address in people}
    for raw, message in zip(raw_smtp.handler.raw, messages, strict=True):
        supporter = supporters[_to(message)]
        number = _to(message).removeprefix("person").removesuffix("@example.org")
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        if supporter.language == "fr":
            assert message["Subject"].startswith("AGISSEZ")
            assert message["Content-Language"] == "fr"
            assert f"Bonjour First{number}," in text
        else:
            assert message["Subject"].startswith("ACT NOW")
            assert f"Dear First{number}," in text
            assert f"Dear First{number}," in html
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = [part.strip(" <>") for part in message["List-Unsubscribe"].split(",")]
        assert https.startswith("https://outcry.example/m/") and https.endswith("/unsubscribe/")
        assert mailto.startswith("mailto:unsubscribe@outcry.example?subject=")
        assert message["Message-ID"].endswith("@outcry.example>")
        assert "https://outcry.example/m/" in html  # view in browser
        assert "source=mailing%3A" in html  # action links count for this mailing
        assert "Outcry Demo Section" in text and "privacy" in text.lower()
        assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: dkim_key)

    assert len({m["Message-ID"] for m in messages}) == 1000
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENT
    assert mailing.recipient_count == 1000
    assert mailing_results(mailing=mailing)["sent"] == 1000


def test_dkim_signature_covers_the_unsubscribe_headers(raw_smtp, mailing_settings, dkim_key, tasks):
    make_supporters(1)
    services.mailing_schedule(mailing=make_alert(), actor=None)
    tasks.run()
    (message,) = raw_smtp.handler.messages
    signed = message["DKIM-Signature"].replace(" ", "").replace("\r\n", "").replace("\n", "")
    headers = signed.split("h=")[1].split(";")[0].lower().split(":")
    for name in ["from", "subject", "message-id", "list-unsubscribe", "list-unsubscribe-post"]:
        assert name in headers


def test_temporary_refusals_are_retried_without_losing_or_doubling_anyone(
    smtp_server, mailing_settings
):
    people = make_supporters(60)
    addresses = [address for _, address in people]
    for address in addresses[20:30]:
        smtp_server.handler.refuse[address] = "451 4.3.0 Try again later"
    smtp_server.handler.refuse[addresses[40]] = "421 4.7.0 Too busy, come back later"
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)

    report = sending.mailing_send_due(mailing_id=mailing.pk)
    assert report.sent == 49 and report.retrying == 11
    assert len(smtp_server.messages) == 49
    waiting = MailingRecipient.objects.filter(mailing=mailing, status="pending")
    assert waiting.count() == 11 and all(r.next_attempt_at > timezone.now() for r in waiting)

    # Nothing is due yet: running again sends nothing twice.
    assert sending.mailing_send_due(mailing_id=mailing.pk).sent == 0

    smtp_server.handler.refuse.clear()
    later = timezone.now() + timedelta(hours=1)
    report = sending.mailing_send_due(mailing_id=mailing.pk, now=later)
    assert report.sent == 11 and report.finished
    counts = Counter(m["To"] for m in smtp_server.messages)
    assert set(counts) == set(addresses) and set(counts.values()) == {1}


def test_permanent_refusal_bounces_and_is_never_retried(smtp_server, mailing_settings):
    people = make_supporters(5)
    bad = people[2][1]
    smtp_server.handler.refuse[bad] = "550 5.1.1 No such user"
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)

    report = sending.mailing_send_due(mailing_id=mailing.pk)
    assert report.bounced == 1 and report.sent == 4 and report.finished
    smtp_server.handler.refuse.clear()
    sending.mailing_send_due(mailing_id=mailing.pk, now=timezone.now() + timedelta(days=3))

    assert smtp_server.messages_to(bad) == []
    recipient = MailingRecipient.objects.get(mailing=mailing, supporter=people[2][0])
    assert recipient.status == MailingRecipient.Status.BOUNCED
    supporter = Supporter.objects.get(pk=people[2][0].pk)
    assert supporter.undeliverable_at is not None
    assert mailing_results(mailing=mailing)["bounced"] == 1

    # And the next mailing leaves the address out from the start.
    second = make_alert(segment=mailing.segment, name="Second")
    services.mailing_schedule(mailing=second, actor=None)
    services.mailing_start(mailing_id=second.pk)
    assert not MailingRecipient.objects.filter(mailing=second, supporter=supporter).exists()


def test_an_erased_supporter_is_never_mailed(smtp_server, mailing_settings):
    from outcry.supporters.services import supporter_erase

    people = make_supporters(4)
    erased_before, erased_during = people[0], people[1]
    supporter_erase(supporter=erased_before[0])
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    # Erased after the recipients were fixed, before the worker got to them.
    supporter_erase(supporter=erased_during[0])

    report = sending.mailing_send_due(mailing_id=mailing.pk)

    assert report.sent == 2 and report.skipped == 1
    sent_to = {m["To"] for m in smtp_server.messages}
    assert erased_before[1] not in sent_to and erased_during[1] not in sent_to
    assert not MailingRecipient.objects.filter(supporter=erased_before[0]).exists()


def test_pause_stops_sending_and_resume_finishes_it(smtp_server, mailing_settings, tasks):
    make_supporters(30)
    mailing_settings.MAILING_BATCH_SIZE = 10
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk, max_messages=10)
    assert services.mailing_pause(mailing=mailing, actor=None)

    assert sending.mailing_send_due(mailing_id=mailing.pk).sent == 0
    assert len(smtp_server.messages) == 10

    assert services.mailing_resume(mailing=mailing, actor=None)
    tasks.run()
    assert len({m["To"] for m in smtp_server.messages}) == 30 == len(smtp_server.messages)


def test_cancel_stops_everyone_not_yet_mailed(smtp_server, mailing_settings):
    make_supporters(30)
    mailing_settings.MAILING_BATCH_SIZE = 10
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk, max_messages=10)

    assert services.mailing_cancel(mailing=mailing, actor=None)
    assert sending.mailing_send_due(mailing_id=mailing.pk).sent == 0
    assert len(smtp_server.messages) == 10
    assert mailing_results(mailing=mailing)["cancelled"] == 20


def test_scheduled_mailing_waits_for_its_time(smtp_server, mailing_settings, tasks):
    make_supporters(3)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None, at=timezone.now() + timedelta(hours=2))
    tasks.run()
    assert smtp_server.messages == []
    tasks.run(include_deferred=True)
    # The start task ran early (a test letting time pass): it refuses before its time.
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SCHEDULED
    assert services.mailing_start(mailing_id=mailing.pk, now=timezone.now() + timedelta(hours=3))
    tasks.run()
    assert len(smtp_server.messages) == 3


def test_demo_outbox_backend_gets_the_same_message(mailing_settings, settings, tmp_path):
    """Without SMTP (the demo's outbox, an email service through anymail) the message goes
    through Django's backend: same headers, same parts."""
    import email as email_lib
    from email import policy

    settings.EMAIL_BACKEND = "outcry.core.mail.OutboxEmailBackend"
    settings.OUTBOX_DIR = tmp_path
    people = make_supporters(3)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    assert sending.mailing_send_due(mailing_id=mailing.pk).sent == 3

    messages = [
        email_lib.message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in tmp_path.glob("*.eml")
    ]
    assert sorted(m["To"] for m in messages) == sorted(a for _, a in people)
    for message in messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Message-ID"].startswith(f"<m{mailing.pk}.")
        assert "Dear First" in message.get_body(preferencelist=("plain",)).get_content() or (
            "Bonjour First" in message.get_body(preferencelist=("plain",)).get_content()
        )
