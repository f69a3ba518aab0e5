"""Handing messages to the mail server: one SMTP connection reused for many messages, and
the moment a delivery is recorded placed so that a crash can never cause a duplicate.

SMTP has no idempotency key: once the server has replied "250" to the final "." of DATA,
the message is on its way, and a sender that dies before writing that down cannot know
whether it was sent. ``SMTPTransport.send`` therefore calls ``record`` (which commits the
recipient as sent) *after* the whole message has been transmitted but *before* the final
"." that makes the server take it. A process killed before ``record`` leaves a message the
server never accepted (it discards an unfinished DATA when the connection drops), so the
recipient is safely sent again later; once ``record`` has committed, the message is never
sent again. If the server then refuses (4xx/5xx after "."), the caller undoes the record.
The one case left open is a connection that dies after "." and before the reply: counted
as sent (at most once, never twice).
"""

import re
import smtplib
import socket
from collections.abc import Callable
from email import message_from_bytes
from email.policy import default as default_policy

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from outcry.core.mail import PermanentDeliveryFailure, TemporaryDeliveryFailure, scrub_addresses

_LONE_LF = re.compile(rb"(?<!\r)\n")
_LEADING_DOT = re.compile(rb"(?m)^\.")


class RecordRefused(Exception):
    """``record`` declined (the claim was lost to another worker): nothing was sent."""


class AcceptedButReplyLost(Exception):
    """The final "." went out, the reply never came: recorded as sent, not retried."""


def _smtp_error(code: int, message: bytes | str) -> Exception:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    if code >= 500:
        return PermanentDeliveryFailure(f"{code} {text}")
    return TemporaryDeliveryFailure(f"{code} {text}")


def uses_smtp() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


class SMTPTransport:
    """One SMTP connection, opened on first use and reopened after a failure."""

    def __init__(self) -> None:
        self.connection: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.connection is None:
            klass = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
            try:
                connection = klass(
                    settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT
                )
                if settings.EMAIL_USE_TLS:
                    connection.starttls()
                if settings.EMAIL_HOST_USER:
                    connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
                connection.ehlo_or_helo_if_needed()
                # The final "." goes out as its own small write just after the message; with
                # Nagle's algorithm it would wait for the peer's delayed ACK (~40 ms each).
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except (smtplib.SMTPException, OSError) as exc:
                raise TemporaryDeliveryFailure(f"cannot connect: {exc}") from exc
            self.connection = connection
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _drop(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def send(self, *, sender: str, recipient: str, data: bytes, record: Callable[[], bool]):
        """Send one message; ``record()`` commits it as sent just before the final ".".

        Raises PermanentDeliveryFailure (5xx: do not try again), TemporaryDeliveryFailure
        (4xx, connection trouble: try later; if raised after ``record``, the message was not
        accepted and the record must be undone — ``recorded`` on the exception says so),
        RecordRefused, or AcceptedButReplyLost.
        """
        connection = self.open()
        recorded = False
        try:
            code, reply = connection.mail(sender)
            if code != 250:
                connection.rset()
                # Our own sender was refused: never the recipient's fault.
                raise TemporaryDeliveryFailure(f"MAIL FROM refused: {code} {reply!r}")
            code, reply = connection.rcpt(recipient)
            if code not in (250, 251):
                connection.rset()
                raise _smtp_error(code, reply)
            connection.putcmd("data")
            code, reply = connection.getreply()
            if code != 354:
                connection.rset()
                raise _smtp_error(code, reply)
            payload = _LEADING_DOT.sub(b"..", _LONE_LF.sub(b"\r\n", data))
            if not payload.endswith(b"\r\n"):
                payload += b"\r\n"
            connection.send(payload)
            if not record():
                # Dropping the connection mid-DATA makes the server discard the message.
                self._drop()
                raise RecordRefused
            recorded = True
            connection.send(b".\r\n")
            try:
                code, reply = connection.getreply()
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise AcceptedButReplyLost(scrub_addresses(exc)) from exc
            if code != 250:
                error = _smtp_error(code, reply)
                error.recorded = True
                raise error
        except (PermanentDeliveryFailure, TemporaryDeliveryFailure):
            raise
        except (RecordRefused, AcceptedButReplyLost):
            raise
        except (smtplib.SMTPException, OSError) as exc:
            # The connection broke before the final "." was written: nothing was accepted.
            self._drop()
            error = TemporaryDeliveryFailure(f"connection lost: {exc}")
            error.recorded = recorded
            raise error from exc


class BackendTransport:
    """Any other Django email backend (the demo's outbox, an email service via anymail).

    The backend takes a whole message at once, so the record follows the send: a crash
    between the two could repeat that one message. Production bulk mail goes over SMTP.
    """

    def __init__(self) -> None:
        self.connection = get_connection()

    def close(self) -> None:
        self.connection.close()

    def send(self, *, sender: str, recipient: str, data: bytes, record: Callable[[], bool]):
        parsed = message_from_bytes(data, policy=default_policy)
        text = parsed.get_body(preferencelist=("plain",))
        html = parsed.get_body(preferencelist=("html",))
        # The backend re-encodes the message: a DKIM signature of our bytes would not hold
        # (an email service signs what it sends).
        skip = {"from", "to", "subject", "mime-version", "content-type", "date", "dkim-signature"}
        message = EmailMultiAlternatives(
            subject=str(parsed["Subject"]),
            body=text.get_content() if text else "",
            from_email=str(parsed["From"]),
            to=[recipient],
            headers={k: str(v) for k, v in parsed.items() if k.lower() not in skip},
            connection=self.connection,
        )
        if html is not None:
            message.attach_alternative(html.get_content(), "text/html")
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentDeliveryFailure(str(exc)) from exc
            raise TemporaryDeliveryFailure(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001 - backends raise anything; try again later
            raise TemporaryDeliveryFailure(str(exc)) from exc
        if not record():
            raise RecordRefused


def transport():
    return SMTPTransport() if uses_smtp() else BackendTransport()
