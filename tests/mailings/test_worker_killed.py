"""The mailing worker, a real process, is killed (SIGKILL) in the middle of a mailing; the
next worker finishes it with no one mailed twice and no one left out."""

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from outcry.mailings import sending, services
from outcry.mailings.models import Mailing, MailingRecipient
from tests.mailings.conftest import make_alert, make_supporters, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(mailing: Mailing, smtp_port: int, *, connections: int = 4) -> subprocess.Popen:
    env = {
        **os.environ,
        "OUTCRY_VAR_DIR": str(settings.VAR_DIR),
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MAILING_RATE_PER_SECOND": "0",
        "MAILING_BATCH_SIZE": "50",
        "MAILING_CONNECTIONS": str(connections),
        "SITE_URL": settings.SITE_URL,
        "DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL,
        "LOG_LEVEL": "WARNING",
    }
    outcry = Path(sys.executable).parent / "outcry"
    return subprocess.Popen(
        [str(outcry), "send_mailings", "--mailing", str(mailing.pk), "--until-done"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def _started_mailing(count: int) -> tuple[Mailing, list[str]]:
    people = make_supporters(count)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    assert services.mailing_start(mailing_id=mailing.pk)
    return mailing, [address for _, address in people]


def _assert_everyone_exactly_once(raw_smtp, mailing: Mailing, addresses: list[str]) -> None:
    counts = Counter(m["To"].addresses[0].addr_spec for m in raw_smtp.handler.messages)
    assert set(counts) == set(addresses), "someone was left out"
    assert set(counts.values()) == {1}, "someone was mailed twice"
    statuses = Counter(
        MailingRecipient.objects.filter(mailing=mailing).values_list("status", flat=True)
    )
    assert statuses == {MailingRecipient.Status.SENT: len(addresses)}
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENT


def test_worker_killed_between_messages_resumes_without_duplicate_or_gap(
    raw_smtp, mailing_settings
):
    """Killed while the server is slow to accept the next recipient (nothing recorded)."""
    mailing, addresses = _started_mailing(300)
    raw_smtp.handler.stall_rcpt_after = 120
    # One connection, so that the moment of the kill is exactly known (with several, another
    # connection could be anywhere in its message when the signal lands).
    worker = _start_worker(mailing, raw_smtp.port, connections=1)

    wait_for(raw_smtp.handler.stalled)
    _kill(worker)
    assert len(raw_smtp.handler.raw) == 120
    recorded = MailingRecipient.objects.filter(mailing=mailing, status="sent").count()
    assert recorded == 120  # the one waiting at RCPT is not
    # The dead worker's batch is still claimed by it.
    assert MailingRecipient.objects.filter(mailing=mailing, status="claimed").exists()

    raw_smtp.handler.stall_rcpt_after = None
    raw_smtp.handler.released.set()
    report = sending.mailing_send_due(mailing_id=mailing.pk)

    assert report.finished and report.sent == 300 - recorded
    _assert_everyone_exactly_once(raw_smtp, mailing, addresses)


def test_worker_killed_after_the_server_took_a_message_does_not_send_it_again(
    raw_smtp, mailing_settings
):
    """Killed after the final "." of a message and before the server's reply: that message
    was recorded before the "." went out, so the next worker does not send it again."""
    mailing, addresses = _started_mailing(300)
    raw_smtp.handler.stall_data_after = 150
    worker = _start_worker(mailing, raw_smtp.port, connections=1)

    wait_for(raw_smtp.handler.stalled)
    _kill(worker)
    # The server holds 151 messages; the 151st was recorded before its final "." went out
    # and never answered.
    assert len(raw_smtp.handler.raw) == 151
    recorded = MailingRecipient.objects.filter(mailing=mailing, status="sent").count()
    assert recorded == 151

    raw_smtp.handler.stall_data_after = None
    raw_smtp.handler.released.set()
    report = sending.mailing_send_due(mailing_id=mailing.pk)

    assert report.finished and report.sent == 300 - recorded
    _assert_everyone_exactly_once(raw_smtp, mailing, addresses)


def test_a_second_worker_never_takes_rows_a_live_worker_holds(
    raw_smtp, smtp_server, mailing_settings
):
    """Claims are exclusive: while a live worker holds a batch, another sends none of it."""
    mailing, addresses = _started_mailing(120)
    raw_smtp.handler.stall_rcpt_after = 10
    # One connection, stalled on its own server: what it holds cannot change meanwhile.
    worker = _start_worker(mailing, raw_smtp.port, connections=1)
    wait_for(raw_smtp.handler.stalled)
    mailing_settings.EMAIL_PORT = smtp_server.port  # the second worker's server answers
    try:
        claimed = MailingRecipient.objects.filter(mailing=mailing, status="claimed")
        held = set(claimed.values_list("pk", flat=True))
        assert held
        sending.mailing_send_due(mailing_id=mailing.pk)
        assert set(claimed.values_list("pk", flat=True)) == held
    finally:
        _kill(worker)
    second = {m["To"] for m in smtp_server.messages}
    first = {m["To"].addresses[0].addr_spec for m in raw_smtp.handler.messages}
    assert not second & first

    report = sending.mailing_send_due(mailing_id=mailing.pk)  # the dead worker's rows
    assert report.finished and report.sent == len(held)
    everyone = Counter(
        [m["To"] for m in smtp_server.messages]
        + [m["To"].addresses[0].addr_spec for m in raw_smtp.handler.messages]
    )
    assert set(everyone) == set(addresses) and set(everyone.values()) == {1}
