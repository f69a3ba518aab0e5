"""The task worker stopped during a signing rush, then started again: every confirmation
email left pending goes out once, and the count catches up exactly. With the database
queue, and with RQ when the test run has a Redis server (REDIS_URL); the production server,
the production worker commands and a real SMTP server."""

import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SMTPServer
from tests.faults.processes import (
    Gunicorn,
    Rush,
    Worker,
    accepted_count,
    free_port,
    outcry_env,
    request,
    set_up_petition,
    wait_until,
)

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/\S*/confirm/\S+/)")
UNSENT = "SELECT COUNT(*) FROM actions_signature WHERE confirmation_sent_at IS NULL"
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture(params=["database", "rq"])
def queue(request) -> dict[str, str]:
    """The settings of each task backend, and the worker command that goes with it."""
    if request.param == "database":
        return {}
    if not REDIS_URL:
        pytest.skip("needs REDIS_URL (a Redis server for the RQ queue)")
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # the test run's own Redis database
    request.addfinalizer(lambda: redis.Redis.from_url(REDIS_URL).flushdb())
    return {"TASK_BACKEND": "rq", "REDIS_URL": REDIS_URL}


@pytest.fixture
def smtp_sink():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def confirm(port: int, path: str) -> int:
    """Open the emailed link and press its button, as a supporter does."""
    page = request(port, "GET", path)
    assert page.status == 200, page.status
    [form] = re.findall(r'<form method="post">(.*?)</form>', page.body, re.S)
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    return request(port, "POST", path, data).status


def test_a_stopped_worker_sends_each_pending_email_once_and_the_count_catches_up(
    tmp_path, smtp_sink, database, queue
):
    port = free_port()
    env = outcry_env(
        tmp_path,
        port=port,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_sink.port}",
        COUNT_BATCH_DELAY="1",
        **database.environ(),
        **queue,
    )
    path = set_up_petition(env)
    server = Gunicorn(env, port=port, log=tmp_path / "gunicorn.log")
    worker = Worker(env, log=tmp_path / "worker.log")
    server.start()
    worker.start()
    try:
        with Rush(port, path, threads=4) as rush:
            rush.wait_for(lambda a: accepted_count(a) >= 20, what="20 accepted signatures")
            worker.stop()
            stopped_at = accepted_count(rush.attempts)
            rush.wait_for(
                lambda a: accepted_count(a) >= stopped_at + 40,
                what="40 more signatures while the worker is stopped",
            )
        accepted = rush.accepted()
        assert {a.response.status for a in rush.attempts} == {302}
        unsent = database.rows(UNSENT)[0][0]
        assert unsent >= 40, "the worker was not stopped: nothing was left pending"

        worker.start()
        wait_until(
            # A send is claimed (confirmation_sent_at) before the message goes out.
            lambda: database.rows(UNSENT)[0][0] == 0 and len(smtp_sink.messages) >= len(accepted),
            timeout=120,
            what="the restarted worker to send every pending confirmation",
        )
        per_recipient = Counter(message["To"] for message in smtp_sink.messages)
        assert set(per_recipient) == set(accepted)
        assert set(per_recipient.values()) == {1}, "an address was sent two emails"

        links = [
            CONFIRM_LINK.search(message.get_body(("plain",)).get_content()).group(1)
            for message in smtp_sink.messages
        ]
        first, second = links[: len(links) // 2], links[len(links) // 2 :]
        with ThreadPoolExecutor(4) as pool:
            assert set(pool.map(lambda link: confirm(port, link), first)) == {200}
            worker.stop()
            assert set(pool.map(lambda link: confirm(port, link), second)) == {200}
        worker.start()

        def counted() -> int:
            return database.rows("SELECT count FROM actions_petition WHERE slug = 'rush'")[0][0]

        wait_until(
            lambda: counted() == len(links),
            timeout=120,
            what=f"the count to reach {len(links)}",
        )
        assert counted() == len(links)
        validated = database.rows(
            "SELECT COUNT(*) FROM actions_signature WHERE state = 'validated' AND counted"
        )[0][0]
        assert validated == len(links)
    finally:
        worker.kill()
        server.kill()
