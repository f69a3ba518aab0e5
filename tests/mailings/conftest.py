"""Mailing fixtures: confirmed supporters in bulk, a subscription segment, a two-language
alert like seed 000, and an SMTP server that keeps each message's raw bytes."""

import base64
import email
import threading
from email import policy

import pytest
from django.utils import timezone
from nacl.signing import SigningKey

from outcry.mailings.models import Mailing, MailingVariant, Segment
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter
from tests.actors import SupporterFactory
from tests.conftest import SMTPServer

BODY_EN = """Dear {{ first_name|default:"friend" }},

Elena Milashina is in grave danger. Please call on the authorities to protect her.

[Take action for Elena](/en/petitions/protect-elena/)

P.S. Journalism is not a crime.
"""
BODY_FR = """Bonjour {{ first_name|default:"à vous" }},

Elena Milashina est en grand danger. Agissez pour la protéger.

[Agissez pour Elena](/fr/petitions/protect-elena/)
"""


def make_supporters(
    count: int, *, country: str = "RU", languages=("en", "fr"), subscribe: str | None = "RU"
) -> list[tuple[Supporter, str]]:
    """``count`` confirmed supporters (address person<i>@example.org), optionally subscribed
    to a country; languages alternate."""
    now = timezone.now()
    start = Supporter.objects.count()
    made = []
    for i in range(start, start + count):
        address = f"person{i}@example.org"
        made.append(
            (
                SupporterFactory.build(
                    email=address,
                    first_name=f"First{i}",
                    last_name=f"Last{i}",
                    country=country,
                    language=languages[i % len(languages)],
                    email_confirmed_at=now,
                ),
                address,
            )
        )
    Supporter.objects.bulk_create([s for s, _ in made])
    supporters = {
        s.email_hash: s
        for s in Supporter.objects.filter(email_hash__in=[s.email_hash for s, _ in made])
    }
    made = [(supporters[s.email_hash], address) for s, address in made]
    if subscribe:
        Subscription.objects.bulk_create(
            [
                Subscription(
                    supporter=s,
                    kind=Subscription.Kind.COUNTRY,
                    country=subscribe,
                    language=s.language,
                    confirmed_at=now,
                )
                for s, _ in made
            ]
        )
    return made


def make_alert(*, segment: Segment | None = None, name: str = "Elena alert") -> Mailing:
    if segment is None:
        segment = Segment.objects.create(name="Russia subscribers", subscribed_countries=["RU"])
    mailing = Mailing.objects.create(name=name, segment=segment, default_language="en")
    MailingVariant.objects.create(
        mailing=mailing,
        language="en",
        subject="ACT NOW: Elena Milashina is in grave danger",
        preheader="Journalist threatened for her reporting",
        body=BODY_EN,
    )
    MailingVariant.objects.create(
        mailing=mailing,
        language="fr",
        subject="AGISSEZ : Elena Milashina est en grand danger",
        preheader="Une journaliste menacée",
        body=BODY_FR,
    )
    return mailing


@pytest.fixture
def mailing_settings(settings):
    settings.SITE_URL = "https://outcry.example"
    settings.MAILING_RATE_PER_SECOND = 0
    settings.MAILING_BATCH_SIZE = 100
    settings.DEFAULT_FROM_EMAIL = "Outcry <actions@outcry.example>"
    return settings


@pytest.fixture
def dkim_key(settings):
    """An Ed25519 DKIM key; returns the DNS TXT record that verifies it."""
    key = SigningKey.generate()
    settings.DKIM_PRIVATE_KEY = base64.b64encode(bytes(key)).decode()
    settings.DKIM_SELECTOR = "test"
    settings.DKIM_DOMAIN = "outcry.example"
    settings.DKIM_ALGORITHM = "ed25519-sha256"
    public = base64.b64encode(bytes(key.verify_key)).decode()
    return f"v=DKIM1; k=ed25519; p={public}".encode()


class RawHandler:
    """Keeps each message's raw bytes; can refuse addresses, or stall (to kill the sender
    at a chosen moment): ``stall_rcpt_after``/``stall_data_after`` n messages."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.refuse: dict[str, str] = {}
        self.stall_rcpt_after: int | None = None
        self.stall_data_after: int | None = None
        self.stalled = threading.Event()
        self.released = threading.Event()

    async def _stall(self) -> None:
        import asyncio

        self.stalled.set()
        while not self.released.is_set():
            await asyncio.sleep(0.02)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        if self.stall_rcpt_after is not None and len(self.raw) >= self.stall_rcpt_after:
            await self._stall()
            return "421 Going away"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.raw.append(envelope.original_content or envelope.content)
        if self.stall_data_after is not None and len(self.raw) > self.stall_data_after:
            await self._stall()
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [email.message_from_bytes(raw, policy=policy.default) for raw in self.raw]


@pytest.fixture
def raw_smtp(settings):
    server = SMTPServer()
    server.handler = RawHandler()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.handler.released.set()
    server.stop()


def wait_for(event: threading.Event, timeout: float = 60) -> None:
    """Block until the server reports the moment the test waits for (not a sleep)."""
    if not event.wait(timeout):
        raise AssertionError("The SMTP server never reached the expected state")
