"""Shared fixtures: a real SMTP server on loopback, the task queue, signing helpers, and the
named staff of tests/actors.py (one fixture per role; none is logged in)."""

import email
import os
import re
import socket
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.utils import timezone, translation

from outcry.core.crypto import ip_hash_keys_forget
from outcry.core.public_cache import public_memo_clear
from tests import actors
from tests.factories import PetitionFactory

# Processes the tests start (a worker, the WSGI loader) run with DEBUG off, where Outcry
# refuses the secrets generated into var/: they take this run's secrets from the environment.
for _name, _value in {
    "SECRET_KEY": settings.SECRET_KEY,
    "PERSONAL_DATA_PUBLIC_KEY": settings.PERSONAL_DATA_PUBLIC_KEY,
    "PERSONAL_DATA_PRIVATE_KEYS": ",".join(settings.PERSONAL_DATA_PRIVATE_KEYS),
    "BLIND_INDEX_KEY": settings.BLIND_INDEX_KEY,
    "IP_HASH_KEY": settings.IP_HASH_KEY,
}.items():
    os.environ.setdefault(_name, _value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CollectingHandler:
    """An SMTP handler that keeps every message it accepts, or refuses as told."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        # The client's address and port of the session each message came in (one per
        # connection).
        self.sessions: list[tuple] = []
        # Addresses refused at RCPT time with this reply, e.g. {"x@y": "550 No such user"}.
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.sessions.append(session.peer)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1, which can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = CollectingHandler()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Outcry's mail goes to it over SMTP."""
    server = SMTPServer()
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
    server.stop()


# On SQLite the audit table's DELETE trigger refuses unless core_auditevent_unlocked holds a
# row (core migration 0006). Django's flush between transactional and live-server tests is
# a DELETE FROM every table there, so the test database alone is unlocked for it; the
# append-only test locks it again for its own duration. PostgreSQL's flush is a TRUNCATE,
# which the row trigger does not see.


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("INSERT OR IGNORE INTO core_auditevent_unlocked (id) VALUES (1)")


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /fr/ leaves French active in this thread; each test starts in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit windows, count-scheduling keys and the IP-hash day keys held in memory
    (their rows are rolled back with each test) must not leak between tests."""
    cache.clear()
    ip_hash_keys_forget()
    public_memo_clear()
    yield
    cache.clear()
    ip_hash_keys_forget()
    public_memo_clear()


def run_tasks(*, include_deferred: bool = False) -> None:
    """Run every queued task with the real database worker, until none is ready.

    ``include_deferred`` makes deferred tasks (retries with backoff, reminders, batched
    counts) due now, which is how a test lets time pass without sleeping.
    """
    from django_tasks_db.models import DBTaskResult

    for _ in range(20):
        if include_deferred:
            DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now()).update(
                run_after=timezone.now()
            )
        if not DBTaskResult.objects.ready().exists():
            return
        call_command(
            "db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0
        )
    raise AssertionError("Tasks kept being queued: a task loop?")


@pytest.fixture
def tasks():
    """The task queue, run on demand: ``tasks.run()`` / ``tasks.run(include_deferred=True)``."""

    class Tasks:
        run = staticmethod(run_tasks)

    return Tasks()


@pytest.fixture
def petition(db):
    return PetitionFactory()


@pytest.fixture
def campaigner(db):
    """Carla, in the Campaigner role."""
    return actors.campaigner()


@pytest.fixture
def moderator(db):
    """Mo, in the Moderator role."""
    return actors.moderator()


@pytest.fixture
def data_protection_officer(db):
    """Dana, in the Data protection role."""
    return actors.data_protection_officer()


@pytest.fixture
def administrator(db):
    """Ada, a superuser in the Administrator role."""
    return actors.administrator()


@pytest.fixture
def no_role(db):
    """Nora, staff in no role."""
    return actors.no_role()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, logged in as the admin passes the second factor
    (``actors.logged_in``): the admin answers no session without one."""
    actors.logged_in(client, admin_user)
    return client


def sign_data(**overrides) -> dict[str, str]:
    data = {
        "first_name": "John",
        "last_name": "Doe",
        "email": "john@example.org",
        "country": "CA",
    }
    data.update(overrides)
    return data


def press_confirm_button(client, path: str, *, tick: tuple[str, ...] = ()):
    """Open an emailed confirmation link as a person does, and press the page's one button
    (ticking the named boxes first): the form exactly as the page rendered it."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    [form] = re.findall(r'<form method="post">(.*?)</form>', page.content.decode(), re.S)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    for name in tick:
        assert f'type="checkbox" name="{name}"' in form, f"no box {name!r} on the page"
        data[name] = "yes"
    return client.post(path, data)
