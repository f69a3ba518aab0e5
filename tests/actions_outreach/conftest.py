import re
from urllib.parse import urlsplit

import pytest

TARGET = "minister@mfa.example"


def letter_data(**overrides) -> dict[str, str]:
    data = {
        "first_name": "Ada",
        "last_name": "Writer",
        "email": "ada@example.org",
        "country": "FR",
        "city": "Lyon",
        "route": "email",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def confirm_path(message) -> str:
    link = re.search(
        r"https?://\S+/letters/confirm/\S+/", message.get_body(("plain",)).get_content()
    )
    assert link, "no confirmation link in the email"
    return urlsplit(link.group(0)).path


@pytest.fixture
def write(client, tasks, smtp_server):
    """Write (and confirm, unless told not to) a letter as a supporter would."""

    def _write(action, *, confirm=True, language="en", **overrides):
        data = letter_data(**overrides)
        response = client.post(f"/{language}/letters/{action.slug}/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        if confirm:
            tasks.run()
            [message] = [
                m for m in smtp_server.messages_to(data["email"]) if "letter-" in m["Message-ID"]
            ][-1:]
            assert client.post(confirm_path(message)).status_code == 200
        return response

    return _write


@pytest.fixture(autouse=True)
def _no_dispatch_delay(settings):
    """Confirmed letters are scheduled at once, so ``tasks.run()`` sends what the window
    allows and leaves the deferred follow-ups for ``time_passes``."""
    settings.LETTER_DISPATCH_DELAY = 0
    settings.COUNT_BATCH_DELAY = 0


def time_passes(tasks, *, minutes: int) -> None:
    """Let ``minutes`` pass for the throttle: what was sent moves back in time, and the
    deferred tasks due by then run (once: a follow-up they queue waits again)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult, get_date_max

    from outcry.actions.models import Letter, TargetDigest

    delta = timedelta(minutes=minutes)
    for letter in Letter.objects.all():
        Letter.objects.filter(pk=letter.pk).update(
            target_scheduled_at=letter.target_scheduled_at and letter.target_scheduled_at - delta,
            validated_at=letter.validated_at and letter.validated_at - delta,
        )
    for digest in TargetDigest.objects.all():
        TargetDigest.objects.filter(pk=digest.pk).update(created_at=digest.created_at - delta)
    deferred = DBTaskResult.objects.filter(status="READY").exclude(run_after=get_date_max())
    for task in deferred:
        DBTaskResult.objects.filter(pk=task.pk).update(
            run_after=max(task.run_after - delta, timezone.now())
        )
    tasks.run()


def page_text(response) -> str:
    """What a reader sees: tags removed, whitespace folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def plain(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


@pytest.fixture(autouse=True)
def _database(transactional_db):
    """Every test here uses the database, with real commits: confirmations queue work on
    commit and the worker runs it."""
