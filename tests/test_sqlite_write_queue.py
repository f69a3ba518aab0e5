"""SQLite writers queue on a file lock beside the database (``outcry.core.db.sqlite3``).

SQLite's busy handler sleeps between tries; under a signing rush the write lock sat free
while every waiter slept. Every write transaction and every write statement outside one
now takes an exclusive ``flock`` on ``<database>.writelock`` first, so the kernel wakes the
next writer as soon as one finishes, and the wait is still bounded.
"""

import fcntl
import os
import threading
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection, transaction

from outcry.core.db.sqlite3.base import WriteQueue
from outcry.core.models import RateLimitCounter
from tests.conftest import sign_data

pytestmark = [
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own write lock only"),
    pytest.mark.django_db(transaction=True),
]

# How long a test waits for a thread that should finish at once: a bound, not a sleep.
THREAD_BOUND = 10


def lock_path() -> str:
    connection.ensure_connection()
    return f"{connection.settings_dict['NAME']}.writelock"


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases it if it was taken here
    return True


@contextmanager
def held_by_another_process_like(path: str):
    """The lock taken through a descriptor of our own, as another process would hold it."""
    fd = os.open(path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


def take_and_drop(path: str) -> None:
    """Wait for the lock, then let it go."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)


def insert_counter(key: str) -> None:
    RateLimitCounter.objects.create(key=key, count=1, expires_at="2999-01-01T00:00:00Z")


def in_thread(target) -> tuple[threading.Thread, threading.Event, list]:
    """Run ``target`` in a thread with its own database connection; ``done`` is set when it
    returns or raises (the exception in ``errors``)."""
    done, errors = threading.Event(), []

    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            errors.append(exc)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done, errors


def test_a_write_transaction_holds_the_lock_file_until_it_commits():
    path = lock_path()
    with transaction.atomic():
        insert_counter("held-during-transaction")
        assert not lock_is_free(path)
    assert lock_is_free(path)
    # It holds nothing, but like the database's own files it is the service's alone.
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_a_rolled_back_transaction_releases_the_lock_file():
    path = lock_path()
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_counter("rolled-back")
        raise RuntimeError("the view failed")
    assert lock_is_free(path)
    assert not RateLimitCounter.objects.filter(key="rolled-back").exists()


def test_writers_in_other_connections_wait_for_the_holder_then_go_on():
    """A transaction and a single write statement (autocommit) both wait for the lock
    another process holds, and both go through once it is released."""
    path = lock_path()
    with held_by_another_process_like(path):
        _, transaction_done, transaction_errors = in_thread(
            lambda: transaction.atomic()(insert_counter)("from-a-transaction")
        )
        _, statement_done, statement_errors = in_thread(
            lambda: (
                RateLimitCounter.objects.filter(key="nothing").update(count=2)
                or insert_counter("from-a-statement")
            )
        )
        # Both are queued: neither can finish while the lock is held elsewhere.
        assert not transaction_done.wait(0.3)
        assert not statement_done.is_set()
    assert transaction_done.wait(THREAD_BOUND) and statement_done.wait(THREAD_BOUND)
    assert transaction_errors == [] and statement_errors == []
    assert set(RateLimitCounter.objects.values_list("key", flat=True)) >= {
        "from-a-transaction",
        "from-a-statement",
    }


def test_reads_never_wait_for_the_lock():
    path = lock_path()
    insert_counter("readable")
    with held_by_another_process_like(path):
        _, done, errors = in_thread(lambda: list(RateLimitCounter.objects.all()))
        assert done.wait(THREAD_BOUND), "a read waited for the writers' lock"
    assert errors == []


def test_a_wait_past_the_timeout_fails_as_a_locked_database_and_leaks_nothing():
    """Past the timeout the write fails with SQLite's own "database is locked" (the
    middleware turns that into a 503 with Retry-After); the thread left waiting in the
    kernel lets the lock go as soon as it gets it."""
    path = lock_path()
    queue = WriteQueue(path, timeout=0.2)
    with held_by_another_process_like(path):
        with pytest.raises(OperationalError, match="database is locked"):
            queue.acquire()
        assert not queue.held
    # Our descriptor is closed: the abandoned waiter takes the lock and drops it at once.
    # A blocking take here returns once it has; bounded by the thread below.
    _, done, errors = in_thread(lambda: take_and_drop(path))
    assert done.wait(THREAD_BOUND) and errors == []
    queue.acquire()
    assert queue.held
    queue.close()
    assert lock_is_free(path)


def test_a_locked_database_answers_signers_with_503_and_keeps_nothing(client, petition):
    """Signing while another program holds the write lock past the timeout: a 503 with
    Retry-After and a plain page, and no signature half-written."""
    connection.ensure_connection()
    connection.write_queue.timeout = 0.2
    url = f"/en/petitions/{petition.slug}/"
    with held_by_another_process_like(lock_path()):
        response = client.post(url, sign_data(email="locked@example.org"))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert petition.signatures.count() == 0


def test_the_log_is_copied_into_the_database_after_a_commit_outside_the_lock(monkeypatch):
    """SQLite's automatic checkpoint (which ran inside the committing writer's turn, with
    an fsync, while every other writer waited) is off; each connection checkpoints after
    every CHECKPOINT_EVERY-th write, once it has let the lock go."""
    from outcry.core.db.sqlite3 import base  # noqa: PLC0415

    monkeypatch.setattr(base, "CHECKPOINT_EVERY", 3)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 0
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.write_queue.checkpoint_due()  # start counting from here
    connection.write_queue._writes = 0
    database = connection.settings_dict["NAME"]

    def written() -> int:
        return os.stat(database).st_mtime_ns

    before = written()
    for n in range(2):
        with transaction.atomic():
            insert_counter(f"logged-{n}")
    assert written() == before, "a checkpoint ran before its turn"
    with transaction.atomic():
        insert_counter("logged-2")
    assert written() != before
