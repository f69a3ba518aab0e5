"""The send loop: claim a batch, send it over one connection, throttled; resumable.

Each recipient row is claimed by a conditional UPDATE (``status='pending'`` → ``'claimed'``
with this worker's id and a lease), so two workers never hold the same row. A worker that
dies leaves its claimed rows behind; they return to the queue when the lease runs out, or
at once when a worker on the same machine sees that the claiming process is gone.

What "no duplicate" means here (see transport.py): a row is committed as sent *before* the
final "." of SMTP DATA, and only if this worker still holds its claim; the server takes the
message only after that ".". So a worker killed at any moment leaves each recipient either
recorded as sent (and never sent again) or not accepted by the server (and sent again by
whoever resumes): no one gets the mailing twice, and no one is skipped. The single
exception is a connection lost between the final "." and the server's reply, which is
recorded as sent (at most once). A temporary refusal (4xx, a dropped connection) puts the
row back with exponential backoff; a permanent one (5xx) marks it bounced and the
supporter undeliverable, and it is never tried again.
"""

import logging
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q
from django.utils import timezone

from outcry.core.mail import (
    EMAIL_MAX_ATTEMPTS,
    PermanentDeliveryFailure,
    TemporaryDeliveryFailure,
    backoff_seconds,
)
from outcry.mailings.basis import ConsentReasons
from outcry.mailings.composition import (
    CompiledVariant,
    build_message,
    compile_variant,
    message_id_domain,
)
from outcry.mailings.dkim_signing import dkim_sign
from outcry.mailings.links import recipient_links, unsubscribe_mailto
from outcry.mailings.models import Mailing, MailingRecipient
from outcry.mailings.selectors import consented_supporters, mailing_scope
from outcry.mailings.transport import AcceptedButReplyLost, RecordRefused
from outcry.mailings.transport import transport as open_transport
from outcry.mailings.viewdata import seal_view_data
from outcry.supporters.selectors import supporter_personal_data
from outcry.supporters.services import supporter_mark_undeliverable

logger = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"
R = MailingRecipient.Status


@dataclass
class SendReport:
    sent: int = 0
    bounced: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    finished: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, outcome: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, outcome, getattr(self, outcome) + n)


def _worker_alive(claimed_by: str) -> bool:
    """Whether a claiming process on this machine still runs (elsewhere: assume it does)."""
    host, _, rest = claimed_by.partition(":")
    pid = rest.partition(":")[0]
    if host != WORKER_ID.partition(":")[0] or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recipients_reclaim(*, mailing: Mailing, now: datetime) -> int:
    """Return rows whose claim is dead (lease over, or the local process gone) to the queue."""
    stale = MailingRecipient.objects.filter(mailing=mailing, status=R.CLAIMED)
    released = stale.filter(lease_until__lt=now).update(
        status=R.PENDING, claimed_by="", lease_until=None
    )
    holders = set(stale.values_list("claimed_by", flat=True).distinct())
    for holder in holders:
        if holder != WORKER_ID and not _worker_alive(holder):
            released += stale.filter(claimed_by=holder).update(
                status=R.PENDING, claimed_by="", lease_until=None
            )
    return released


def recipients_claim(*, mailing: Mailing, size: int, now: datetime, lease: float):
    ready = MailingRecipient.objects.filter(mailing=mailing, status=R.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    ids = list(ready.order_by("pk").values_list("pk", flat=True)[:size])
    if not ids:
        return []
    MailingRecipient.objects.filter(pk__in=ids, status=R.PENDING).update(
        status=R.CLAIMED, claimed_by=WORKER_ID, lease_until=now + timedelta(seconds=lease)
    )
    return list(
        MailingRecipient.objects.filter(pk__in=ids, status=R.CLAIMED, claimed_by=WORKER_ID)
        .select_related("supporter")
        .order_by("pk")
    )


def mailing_finish_if_done(*, mailing: Mailing) -> bool:
    left = MailingRecipient.objects.filter(
        mailing=mailing, status__in=[R.PENDING, R.CLAIMED]
    ).exists()
    if left:
        return False
    Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
        status=Mailing.Status.SENT, finished_at=timezone.now()
    )
    return True


class Throttle:
    """At most ``rate`` messages a second (0: no limit), evenly spaced."""

    def __init__(self, rate: float, *, clock=time.monotonic, sleep=time.sleep) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at = clock()
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Block until this caller's slot; slots are ``1/rate`` apart, shared by threads."""
        if not self.interval:
            return
        with self.lock:
            now = self.clock()
            slot = max(self.next_at, now)
            self.next_at = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


def _retry_or_fail(recipient: MailingRecipient, error: str, now: datetime) -> str:
    attempts = recipient.attempts + 1
    if attempts >= EMAIL_MAX_ATTEMPTS:
        MailingRecipient.objects.filter(pk=recipient.pk).update(
            status=R.FAILED, attempts=attempts, error=error[:300], claimed_by="", lease_until=None
        )
        return "failed"
    MailingRecipient.objects.filter(pk=recipient.pk).update(
        status=R.PENDING,
        attempts=attempts,
        error=error[:300],
        next_attempt_at=now + timedelta(seconds=backoff_seconds(attempts - 1)),
        claimed_by="",
        lease_until=None,
        sent_at=None,
        message_id="",
        view_data="",
    )
    return "retrying"


def _recipient_unusable(recipient: MailingRecipient) -> None:
    """No address to send to (none, or not ASCII), or no variant in any of its languages."""
    MailingRecipient.objects.filter(pk=recipient.pk).update(
        status=R.FAILED, error="no usable address", claimed_by="", lease_until=None
    )


def _recipient_bounced(recipient: MailingRecipient, error: str) -> None:
    """A permanent refusal: never retried, and the supporter is mailed no more."""
    MailingRecipient.objects.filter(pk=recipient.pk).update(
        status=R.BOUNCED,
        error=error[:300],
        claimed_by="",
        lease_until=None,
        sent_at=None,
        view_data="",
    )
    supporter_mark_undeliverable(supporter=recipient.supporter, reason=error[:150], kind="bounce")


@dataclass(frozen=True)
class _Outgoing:
    """One recipient's message, ready for the transport."""

    address: str
    data: bytes
    message_id: str
    view_data: str


class MailingSender:
    """Sends one mailing's due recipients, batch after batch."""

    def __init__(self, mailing: Mailing, *, now: datetime | None = None) -> None:
        self.mailing = mailing
        self.fixed_now = now
        self.variants: dict[str, CompiledVariant] = {
            variant.language: compile_variant(variant, mailing=mailing)
            for variant in mailing.variants.all()
        }
        self.envelope_from = parseaddr(settings.MAILING_RETURN_PATH or settings.DEFAULT_FROM_EMAIL)[
            1
        ]
        self.domain = message_id_domain()
        self.scope = mailing_scope(mailing=mailing)
        self.reasons = ConsentReasons()
        self.mailto = unsubscribe_mailto()
        self.rate = float(settings.MAILING_RATE_PER_SECOND)
        self.batch_size = int(settings.MAILING_BATCH_SIZE)
        self.connections = max(1, int(settings.MAILING_CONNECTIONS))
        # The lease outlasts a whole batch at the throttled rate, with room to spare.
        self.lease = max(300.0, 3 * self.batch_size / self.rate) if self.rate else 300.0
        self.throttle = Throttle(self.rate)
        self._local = threading.local()
        self._transports: list = []
        # The table name is the model's own; every value is a parameter.
        table = MailingRecipient._meta.db_table
        self._record_sql = (
            "UPDATE " + table + " SET status = %s, sent_at = %s, message_id = %s, "  # noqa: S608
            "view_data = %s, attempts = attempts + 1, lease_until = NULL "
            "WHERE id = %s AND status = %s AND claimed_by = %s"
        )

    def now(self) -> datetime:
        return self.fixed_now or timezone.now()

    def transport(self):
        """This thread's connection to the mail server (one per sending thread)."""
        current = getattr(self._local, "transport", None)
        if current is None:
            current = self._local.transport = open_transport()
            self._transports.append(current)
        return current

    def run(self, *, max_messages: int | None = None) -> SendReport:
        report = SendReport()
        recipients_reclaim(mailing=self.mailing, now=self.now())
        pool = None
        if self.connections > 1:
            pool = ThreadPoolExecutor(self.connections, thread_name_prefix="mailing")
        try:
            while max_messages is None or report.sent < max_messages:
                status = Mailing.objects.filter(pk=self.mailing.pk).values_list("status", flat=True)
                if status.first() != Mailing.Status.SENDING:
                    break
                batch = recipients_claim(
                    mailing=self.mailing, size=self.batch_size, now=self.now(), lease=self.lease
                )
                if not batch:
                    report.finished = mailing_finish_if_done(mailing=self.mailing)
                    break
                self._send_batch(batch, report, pool)
        finally:
            if pool is not None:
                # Each sending thread closes its own database connection on the way out; the
                # barrier makes every thread take exactly one of these jobs.
                barrier = threading.Barrier(self.connections)

                def close_own_connections(_) -> None:
                    barrier.wait(timeout=60)
                    connections.close_all()

                list(pool.map(close_own_connections, range(self.connections)))
                pool.shutdown(wait=True)
            for transport in self._transports:
                transport.close()
        return report

    def _send_batch(self, batch: list[MailingRecipient], report: SendReport, pool) -> None:
        mailable = set(
            consented_supporters(scope=self.scope)
            .filter(pk__in=[r.supporter_id for r in batch])
            .values_list("pk", flat=True)
        )
        gone = [r.pk for r in batch if r.supporter_id not in mailable]
        if gone:
            # Unsubscribed, bounced or erased since the mailing started, or the consent
            # it covered is withdrawn: never mailed.
            MailingRecipient.objects.filter(pk__in=gone, claimed_by=WORKER_ID).update(
                status=R.SKIPPED, claimed_by="", lease_until=None
            )
            report.add("skipped", len(gone))
        todo = [r for r in batch if r.supporter_id in mailable]
        if pool is None:
            self._send_slice(todo, report)
            return
        # Interleaved slices, one per connection, sent concurrently: the wait for the mail
        # server's replies overlaps with the rendering of the next messages.
        slices = [todo[i :: self.connections] for i in range(self.connections)]
        for failure in pool.map(lambda part: self._send_slice(part, report), slices):
            if failure is not None:
                raise failure

    def _send_slice(self, recipients: list[MailingRecipient], report: SendReport):
        try:
            for recipient in recipients:
                self.throttle.wait()
                self._send_one(recipient, report)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread, raised there
            return exc
        return None

    def _send_one(self, recipient: MailingRecipient, report: SendReport) -> None:
        """Build, deliver and record one claimed recipient's message."""
        now = self.now()
        # Raises PersonalDataKeyMissing where no private key is held: mailings are sent by
        # the worker, never by the web tier.
        person = supporter_personal_data(supporter=recipient.supporter)
        address = person.get("email", "")
        variant = self.variants.get(recipient.language) or self.variants.get(
            self.mailing.default_language
        )
        if not address or not address.isascii() or variant is None:
            _recipient_unusable(recipient)
            report.add("failed")
            return
        message = self._build(recipient, person=person, address=address, variant=variant)
        outcome = self._deliver(recipient, message, now=now)
        if outcome is not None:
            report.add(outcome)

    def _build(
        self,
        recipient: MailingRecipient,
        *,
        person: dict,
        address: str,
        variant: CompiledVariant,
    ) -> _Outgoing:
        """The recipient's message, rendered in their variant, with its list headers and
        DKIM signature, and the sealed proof behind its view-in-browser link."""
        supporter = recipient.supporter
        merge = {
            "first_name": person.get("first_name", ""),
            "last_name": person.get("last_name", ""),
            "country": variant.country_name(str(supporter.country or "")),
        }
        view_key = secrets.token_urlsafe(18)
        links = recipient_links(
            recipient=recipient, supporter=supporter, view_key=view_key, mailto=self.mailto
        )
        reason = self.reasons(recipient.basis, variant.language)
        subject, text, html = variant.render({**merge, **links, "consent_reason": reason})
        message_id = f"<m{self.mailing.pk}.r{recipient.pk}.{secrets.token_hex(6)}@{self.domain}>"
        data = build_message(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=address,
            subject=subject,
            text=text,
            html=html,
            message_id=message_id,
            language=variant.language,
            extra_headers=[
                ("List-Unsubscribe", f"<{links['unsubscribe_url']}>, <{links['mailto']}>"),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("List-Id", f"<mailing-{self.mailing.pk}.{self.domain}>"),
                ("Precedence", "bulk"),
                ("Auto-Submitted", "auto-generated"),
            ],
        )
        return _Outgoing(
            address=address,
            data=dkim_sign(data),
            message_id=message_id,
            # The web view greets no one (anyone may be given the link): it stores no name,
            # only proof that the key in the link is the one this message carried.
            view_data=seal_view_data(key=view_key, values={}),
        )

    def _deliver(
        self, recipient: MailingRecipient, message: _Outgoing, *, now: datetime
    ) -> str | None:
        """Send the message, the row recorded as sent before the server takes it; returns
        the outcome to count (None: another worker holds the row now)."""
        try:
            self.transport().send(
                sender=self.envelope_from,
                recipient=message.address,
                data=message.data,
                record=lambda: self._record_sent(recipient, message, now=now),
            )
        except RecordRefused:
            logger.warning("Recipient %s: claim lost to another worker; skipped", recipient.pk)
            return None
        except AcceptedButReplyLost as exc:
            logger.warning(
                "Recipient %s: no reply after DATA (%s); counted as sent", recipient.pk, exc
            )
            return "sent"
        except PermanentDeliveryFailure as exc:
            _recipient_bounced(recipient, str(exc))
            return "bounced"
        except TemporaryDeliveryFailure as exc:
            return _retry_or_fail(recipient, str(exc), now)
        return "sent"

    def _record_sent(
        self, recipient: MailingRecipient, message: _Outgoing, *, now: datetime
    ) -> bool:
        """Mark the row sent if this worker still holds its claim (called by the transport
        just before the final "." of DATA)."""
        # Commits on its own (autocommit): the row is sent before the server takes it.
        # Plain SQL: this runs once per message, the ORM would double its cost.
        with connection.cursor() as cursor:
            cursor.execute(
                self._record_sql,
                [
                    R.SENT,
                    connection.ops.adapt_datetimefield_value(now),
                    message.message_id,
                    message.view_data,
                    recipient.pk,
                    R.CLAIMED,
                    WORKER_ID,
                ],
            )
            return cursor.rowcount == 1


def mailing_send_due(*, mailing_id: int, max_messages: int | None = None, now=None) -> SendReport:
    """Send what is due of one mailing (a worker's unit of work). Safe to run anywhere,
    any number of times, in any number of processes at once."""
    mailing = Mailing.objects.get(pk=mailing_id)
    if mailing.status != Mailing.Status.SENDING:
        return SendReport(finished=mailing.status == Mailing.Status.SENT)
    return MailingSender(mailing, now=now).run(max_messages=max_messages)


def next_retry_at(*, mailing: Mailing) -> datetime | None:
    """When the earliest recipient waiting for a retry is due (None: none is waiting)."""
    return (
        MailingRecipient.objects.filter(
            mailing=mailing, status=R.PENDING, next_attempt_at__isnull=False
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
