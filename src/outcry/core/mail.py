"""Sending email: one helper renders a subject/text/HTML template triplet; a local outbox
backend keeps every message as an .eml file for the demo."""

import smtplib
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify


class PermanentDeliveryFailure(Exception):
    """The receiving server refused for good (5xx): do not try again."""


class TemporaryDeliveryFailure(Exception):
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


def deliver(message: EmailMultiAlternatives) -> None:
    """Send one message, sorting failures into permanent and temporary ones."""
    try:
        message.send(fail_silently=False)
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
