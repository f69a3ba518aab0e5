"""Sending email: one helper renders a subject/text/HTML template triplet; a local outbox
backend keeps every message as an .eml file for the demo."""

import logging
import re
import smtplib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify

from outcry.core.queue import enqueue

logger = logging.getLogger(__name__)

# A message that still fails after this many tries (about three days of backoff) is dropped.
EMAIL_MAX_ATTEMPTS = 12


# Anything shaped like an address (local part @ domain), however it is quoted or wrapped
# (quotes and braces are left out of the local part: they wrap addresses in replies):
# mail servers echo the recipient in their replies ("550 <ivan@example.ru>: no such user").
_ADDRESS_RE = re.compile(r"[\w.!#$%&*+/=?^`~-]+@[\w-]+(?:\.[\w-]+)*")
ADDRESS_PLACEHOLDER = "[address]"


def scrub_addresses(text: str) -> str:
    """``text`` with every email address in it replaced by a placeholder: what may be
    logged or stored of a mail server's reply (no address in logs or columns)."""
    return _ADDRESS_RE.sub(ADDRESS_PLACEHOLDER, str(text))


class DeliveryFailure(Exception):
    """A refusal or error on the way to the mail server. Its text is scrubbed of addresses
    when it is made, so whatever logs or stores it (``str(exc)``) holds none."""

    def __init__(self, message: object = "") -> None:
        super().__init__(scrub_addresses(str(message)))


class PermanentDeliveryFailure(DeliveryFailure):
    """The receiving server refused for good (5xx): do not try again."""


class TemporaryDeliveryFailure(DeliveryFailure):
    """The server was away or asked us to come back later (4xx, connection error)."""


def build_email(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """Render ``<template>_subject.txt``, ``.txt`` and ``.html`` in ``language``."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].rstrip(">") or "outcry.invalid"
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[to],
        headers={
            "Message-ID": f"<{message_id or uuid.uuid4().hex}@{domain}>",
            "Content-Language": language,
            **(headers or {}),
        },
    )
    message.attach_alternative(html, "text/html")
    return message


# A worker keeps its connection to the mail server for this many messages, then opens a
# fresh one (servers limit what one session may send).
KEEP_CONNECTION_MESSAGES = 100


class _KeptConnection(threading.local):
    backend: BaseEmailBackend | None = None
    settings_key: tuple = ()
    sent = 0


_kept = _KeptConnection()


def _email_settings() -> tuple:
    return (
        settings.EMAIL_BACKEND,
        settings.EMAIL_HOST,
        settings.EMAIL_PORT,
        settings.EMAIL_HOST_USER,
        settings.EMAIL_HOST_PASSWORD,
        settings.EMAIL_USE_TLS,
        settings.EMAIL_USE_SSL,
    )


def _answers(backend: BaseEmailBackend) -> bool:
    """Whether a kept SMTP session still answers (a server drops idle ones, or restarts);
    backends without a session always do."""
    session = getattr(backend, "connection", None)
    if not isinstance(session, smtplib.SMTP):
        return True
    try:
        return session.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def connection_drop() -> None:
    """Close the kept connection; the next message opens a new one."""
    backend, _kept.backend = _kept.backend, None
    if backend is not None:
        try:
            backend.close()
        except (smtplib.SMTPException, OSError):
            pass  # already gone


def _kept_connection() -> BaseEmailBackend:
    """The email backend this thread keeps open between messages. A worker sends one
    message per task, and each opened a connection, greeted the server and quit: with a
    relay over STARTTLS, a TCP and a TLS handshake per email. Checked with a NOOP before
    each use; opened afresh when the settings change, after ``KEEP_CONNECTION_MESSAGES``,
    or after any failure."""
    if _kept.backend is not None and (
        _kept.settings_key != _email_settings()
        or _kept.sent >= KEEP_CONNECTION_MESSAGES
        or not _answers(_kept.backend)
    ):
        connection_drop()
    if _kept.backend is None:
        _kept.backend = get_connection(fail_silently=False)
        _kept.settings_key = _email_settings()
        _kept.sent = 0
    _kept.backend.open()
    return _kept.backend


def deliver(message: EmailMultiAlternatives) -> None:
    """Send one message over the kept connection, sorting failures into permanent and
    temporary ones."""
    try:
        _send_kept(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentDeliveryFailure(str(exc)) from exc
        raise TemporaryDeliveryFailure(str(exc)) from exc
    except smtplib.SMTPResponseException as exc:
        if exc.smtp_code >= 500:
            raise PermanentDeliveryFailure(str(exc)) from exc
        raise TemporaryDeliveryFailure(str(exc)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryDeliveryFailure(str(exc)) from exc


def _send_kept(message: EmailMultiAlternatives) -> None:
    try:
        message.connection = _kept_connection()
        message.send(fail_silently=False)
    except BaseException:
        connection_drop()  # whatever went wrong, the next message starts a new session
        raise
    _kept.sent += 1


def backoff_seconds(attempt: int) -> int:
    """30 s, 1 min, 2 min … capped at 6 h between attempts."""
    return min(30 * 2**attempt, 6 * 3600)


def send_once(
    *,
    queryset: models.QuerySet,
    pk: int,
    sent_field: str,
    build: Callable[[models.Model], EmailMultiAlternatives | None],
    retry_task: str,
    attempt: int,
    on_bounce: Callable[[models.Model, Exception], None] | None = None,
    after_send: Callable[[models.Model], None] | None = None,
) -> str:
    """Send the one message that ``sent_field`` of row ``pk`` stands for, at most once.

    The send is claimed with a conditional UPDATE of ``sent_field`` (so two workers never
    both send it), released when there is nothing to send or the attempt failed for now,
    and retried with backoff through the task whose dotted path is ``retry_task`` (enqueued
    as ``(pk, attempt=n)``). A permanent refusal keeps the claim (nothing will be sent
    again) and calls ``on_bounce``.
    Returns what happened, for the task's result and the logs.
    """
    manager = queryset.model._default_manager
    label = f"{queryset.model.__name__} {pk}: {sent_field}"
    claimed = manager.filter(pk=pk, **{f"{sent_field}__isnull": True}).update(
        **{sent_field: timezone.now()}
    )
    if not claimed:
        return "already sent"

    def release() -> None:
        manager.filter(pk=pk).update(**{sent_field: None})

    row = queryset.get(pk=pk)
    try:
        message = build(row)
        if message is None:
            release()
            return "nothing to send"
        deliver(message)
    except PermanentDeliveryFailure as exc:
        logger.warning("%s refused permanently: %s", label, scrub_addresses(exc))
        if on_bounce is not None:
            on_bounce(row, exc)
        return "bounced"
    except TemporaryDeliveryFailure as exc:
        release()
        if attempt + 1 >= EMAIL_MAX_ATTEMPTS:
            logger.error("%s: giving up: %s", label, scrub_addresses(exc))
            return "gave up"
        delay = backoff_seconds(attempt)
        logger.info("%s failed (%s); retry in %ss", label, scrub_addresses(exc), delay)
        enqueue(
            retry_task,
            pk,
            attempt=attempt + 1,
            run_after=timezone.now() + timedelta(seconds=delay),
            with_transaction=False,
        )
        return "retrying"
    except BaseException:
        release()
        raise
    if after_send is not None:
        after_send(row)
    return "sent"


class OutboxEmailBackend(BaseEmailBackend):
    """Writes each message to ``OUTBOX_DIR`` as an .eml file (development and demo)."""

    def send_messages(self, email_messages) -> int:
        outbox = Path(settings.OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
            name = f"{stamp}-{slugify(message.to[0])[:40]}-{uuid.uuid4().hex[:6]}.eml"
            (outbox / name).write_bytes(message.message().as_bytes())
        return len(email_messages)


# RFC 3463 enhanced status codes: the subject (second number) says what was refused.
_ENHANCED_STATUS = re.compile(r"\b5\.(\d{1,3})\.(\d{1,3})\b")
_ADDRESS = re.compile(r"<?[^\s<>@'\"]+@[^\s<>@'\"]+>?")
# This message, not the mailbox: content or media (5.6.x), security or policy such as spam
# and content filters (5.7.x), protocol (5.5.x), too big (5.2.3, 5.3.4).
_ABOUT_THE_MESSAGE = {"5", "6", "7"}
_MESSAGE_TOO_BIG = {("2", "3"), ("3", "4")}


@dataclass(frozen=True)
class Refusal:
    """What a permanent refusal was about, told from the server's reply."""

    code: int | None
    # "recipient" (refused at RCPT), "message" (at DATA), "sender" (at MAIL FROM) or "".
    stage: str
    # The enhanced status code, e.g. "5.7.1", or "" when the server gave none.
    status: str
    # The reply as staff may read it: every address in it replaced by "<address>".
    text: str

    @property
    def about_the_address(self) -> bool:
        """True when the address itself is refused (no such mailbox, mailbox disabled, a
        domain that takes no mail: 5.1.x, 5.2.1, …); False when only this message was
        (spam or content filter, size, policy), so other messages may still go there."""
        if self.status:
            subject, detail = self.status.split(".")[1:]
            if subject in _ABOUT_THE_MESSAGE or (subject, detail) in _MESSAGE_TOO_BIG:
                return False
            return True
        return self.stage == "recipient"


def refusal_of(exc: PermanentDeliveryFailure) -> Refusal:
    """Read the SMTP reply behind a permanent failure raised by ``deliver``."""
    cause = exc.__cause__
    code, reply, stage = None, str(exc), ""
    if isinstance(cause, smtplib.SMTPRecipientsRefused) and cause.recipients:
        code, raw = next(iter(cause.recipients.values()))
        reply, stage = raw, "recipient"
    elif isinstance(cause, smtplib.SMTPSenderRefused):
        code, reply, stage = cause.smtp_code, cause.smtp_error, "sender"
    elif isinstance(cause, smtplib.SMTPDataError):
        code, reply, stage = cause.smtp_code, cause.smtp_error, "message"
    elif isinstance(cause, smtplib.SMTPResponseException):
        code, reply = cause.smtp_code, cause.smtp_error
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    reply = " ".join(_ADDRESS.sub("<address>", reply).split())
    status = _ENHANCED_STATUS.search(reply)
    text = f"{code} {reply}" if code else reply
    return Refusal(
        code=code,
        stage=stage,
        status=status.group(0) if status else "",
        text=text[:500],
    )
