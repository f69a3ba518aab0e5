"""Delivering the signing emails over real SMTP: outages, refusals, retries, exactly once."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from outcry.actions import tasks as action_tasks
from outcry.actions.models import Petition, Signature
from outcry.core import mail
from outcry.core.crypto import email_hash
from tests.conftest import sign_data

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "john@example.org"


def message_kind(message) -> str:
    """ "confirm", "reminder" or "duplicate", from the Message-ID the app gives each email."""
    return re.search(r"<signature-[0-9a-f]{32}-([a-z]+)", message["Message-ID"]).group(1)


def kinds(server) -> list[str]:
    return [message_kind(m) for m in server.messages]


def confirm_path(message) -> str:
    link = re.search(r"https?://\S+/confirm/\S+/", message.get_body(("plain",)).get_content())
    assert link, "no confirmation link in the email"
    return urlsplit(link.group(0)).path


def sign(client, petition, email=ADDRESS, *, remote_addr="192.0.2.1") -> Signature:
    response = client.post(
        petition.get_absolute_url(), sign_data(email=email), REMOTE_ADDR=remote_addr
    )
    assert response.status_code == 302  # signing never waits for, or fails with, SMTP
    return Signature.objects.get(email_hash=email_hash(email), petition=petition)


def waiting(task) -> list[DBTaskResult]:
    """The queued runs of ``task`` that are not yet due."""
    return list(
        DBTaskResult.objects.filter(
            task_path=task.module_path, status="READY", run_after__gt=timezone.now()
        ).exclude(run_after__year=9999)
    )


def counted(petition: Petition) -> int:
    petition.refresh_from_db()
    return petition.count


def test_confirmation_is_multipart_text_and_html_from_the_organisation(
    client, petition, smtp_server, tasks, settings
):
    """The confirmation is one message with a plain-text and an HTML part, from the
    organisation's address to the signer, with a stable Message-ID."""
    signature = sign(client, petition)
    tasks.run()
    [message] = smtp_server.messages
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert message["To"] == ADDRESS
    assert f"signature-{signature.uuid.hex}-confirm@" in message["Message-ID"]
    html = message.get_body(("html",)).get_content()
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert f'href="http://127.0.0.1:8000{confirm_path(message)}"' in html


def test_confirmation_waits_out_an_smtp_outage_and_arrives_once(
    client, petition, smtp_server, tasks
):
    """With the SMTP server down the signature is kept, pending, and its confirmation is
    retried later; once the server is back exactly one confirmation arrives."""
    smtp_server.stop()
    signature = sign(client, petition)
    tasks.run()

    assert smtp_server.messages == []
    signature.refresh_from_db()
    assert signature.state == Signature.State.PENDING
    assert signature.confirmation_sent_at is None
    assert not signature.confirmation_bounced
    [retry] = waiting(action_tasks.send_signature_confirmation)
    assert retry.args_kwargs == {"args": [signature.pk], "kwargs": {"attempt": 1}}
    assert retry.run_after - timezone.now() > timedelta(seconds=20)

    smtp_server.start()
    tasks.run()  # the retry is not due yet
    assert smtp_server.messages == []

    tasks.run(include_deferred=True)
    confirmations = [m for m in smtp_server.messages_to(ADDRESS) if message_kind(m) == "confirm"]
    assert len(confirmations) == 1
    sent = len(smtp_server.messages)
    signature.refresh_from_db()
    assert signature.confirmation_sent_at is not None

    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)
    assert len(smtp_server.messages) == sent

    assert client.post(confirm_path(confirmations[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


def test_permanent_refusal_marks_the_signature_bounced_and_is_not_retried(
    client, petition, smtp_server, tasks
):
    """A 550 at RCPT marks the confirmation bounced; it is not tried again, no reminder
    follows, and the signature stays pending and uncounted."""
    smtp_server.handler.refuse[ADDRESS] = "550 5.1.1 No such user"
    signature = sign(client, petition)
    tasks.run(include_deferred=True)

    signature.refresh_from_db()
    assert signature.confirmation_bounced
    assert signature.state == Signature.State.PENDING
    assert smtp_server.messages == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
    attempts = DBTaskResult.objects.filter(
        task_path=action_tasks.send_signature_confirmation.module_path
    )
    assert [a.return_value for a in attempts] == ["bounced"]

    del smtp_server.handler.refuse[ADDRESS]
    tasks.run(include_deferred=True)
    assert smtp_server.messages == []
    assert counted(petition) == 0


def test_temporary_refusal_is_retried_and_arrives_once(client, petition, smtp_server, tasks):
    """A 451 at RCPT is retried with backoff; when the refusal is lifted the confirmation
    arrives once, and the signature was never marked bounced."""
    smtp_server.handler.refuse[ADDRESS] = "451 4.3.0 Mailbox temporarily unavailable"
    signature = sign(client, petition)
    tasks.run()
    assert smtp_server.messages == []
    [retry] = waiting(action_tasks.send_signature_confirmation)
    assert retry.args_kwargs["kwargs"] == {"attempt": 1}
    signature.refresh_from_db()
    assert not signature.confirmation_bounced
    assert signature.confirmation_sent_at is None

    del smtp_server.handler.refuse[ADDRESS]
    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)

    confirmations = [m for m in smtp_server.messages_to(ADDRESS) if message_kind(m) == "confirm"]
    assert len(confirmations) == 1
    signature.refresh_from_db()
    assert not signature.confirmation_bounced
    assert client.post(confirm_path(confirmations[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


def test_temporary_refusals_are_given_up_after_the_last_attempt(
    client, petition, smtp_server, tasks
):
    """A server that keeps answering 451 is tried EMAIL_MAX_ATTEMPTS times with growing
    waits, then left alone; nothing was sent and nothing more is queued."""
    smtp_server.handler.refuse[ADDRESS] = "451 4.3.0 Try again later"
    sign(client, petition)
    tasks.run(include_deferred=True)

    attempts = DBTaskResult.objects.filter(
        task_path=action_tasks.send_signature_confirmation.module_path
    ).order_by("enqueued_at")
    assert attempts.count() == mail.EMAIL_MAX_ATTEMPTS
    assert [a.args_kwargs["kwargs"].get("attempt", 0) for a in attempts] == list(
        range(mail.EMAIL_MAX_ATTEMPTS)
    )
    assert attempts.last().return_value == "gave up"
    assert not DBTaskResult.objects.filter(status="READY").exists()
    assert smtp_server.messages == []
    waits = [mail.backoff_seconds(n) for n in range(mail.EMAIL_MAX_ATTEMPTS)]
    assert waits == sorted(waits) and waits[-1] == 6 * 3600


def test_one_signers_refusal_does_not_hold_up_another(client, petition, smtp_server, tasks):
    """A refused address does not stop or repeat mail to other signers."""
    smtp_server.handler.refuse["gone@example.org"] = "550 5.1.1 No such user"
    smtp_server.handler.refuse["busy@example.org"] = "451 4.7.1 Greylisted"
    sign(client, petition, "gone@example.org", remote_addr="192.0.2.2")
    sign(client, petition, "busy@example.org", remote_addr="192.0.2.3")
    sign(client, petition, ADDRESS, remote_addr="192.0.2.4")
    tasks.run()
    assert [m["To"] for m in smtp_server.messages] == [ADDRESS]


def test_the_worker_keeps_one_smtp_session_and_replaces_one_the_server_dropped(
    client, petition, smtp_server, tasks
):
    """Messages go over one kept session instead of one connection each; a session the
    server dropped meanwhile (a restart) is replaced before the next message, which goes at
    once rather than waiting for a retry."""
    for n in range(3):
        sign(client, petition, f"kept{n}@example.org", remote_addr=f"192.0.2.{n + 10}")
    tasks.run()
    assert len(smtp_server.messages) == 3
    assert len(set(smtp_server.handler.sessions)) == 1

    smtp_server.stop()
    smtp_server.start()
    sign(client, petition, ADDRESS, remote_addr="192.0.2.20")
    tasks.run()

    assert [m["To"] for m in smtp_server.messages][-1] == ADDRESS
    assert len(set(smtp_server.handler.sessions)) == 2
    assert Signature.objects.get(email_hash=email_hash(ADDRESS)).confirmation_sent_at


def test_already_signed_notice_is_retried_through_an_outage(client, petition, smtp_server, tasks):
    """The "already signed" notice, too, waits out an SMTP outage and arrives once."""
    sign(client, petition)
    tasks.run()
    smtp_server.stop()
    sign(client, petition, "JOHN@example.org", remote_addr="192.0.2.5")
    tasks.run()
    [retry] = waiting(action_tasks.send_duplicate_signature_notice)
    assert retry.args_kwargs["kwargs"] == {"attempt": 1}

    smtp_server.start()
    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)
    assert kinds(smtp_server).count("duplicate") == 1
    assert kinds(smtp_server).count("confirm") == 1
