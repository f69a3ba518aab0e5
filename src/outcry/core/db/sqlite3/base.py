"""SQLite for a busy day: a private database file, and writers that queue instead of sleeping.

**Private file.** SQLite creates the file with the process's umask (usually 0644: readable
by every account on the host) and gives its -wal and -shm files the same mode. The database
holds sealed personal data, email and IP hashes: the file is made 0600 as soon as it is
opened, before anything is written to it.

**Writers queue on a file lock.** SQLite has one write lock. A writer that finds it taken
retries in its busy handler, which *sleeps* between tries (1, 2, 5, 10 … up to 100 ms): on
a signing rush, with four processes writing, the lock was often free while every waiter
slept, and a signature spent more time asleep than working (profiled: about half of a
signature's wall time in the busy handler, the server's CPU 55 % used). So every write
transaction, and every write statement outside one, first takes an exclusive ``flock`` on a
file beside the database (``<name>.writelock``): the kernel hands it to the next waiter the
moment it is released. SQLite's own lock is then almost always free when asked for; its busy
timeout stays as the safety net for writers that do not use this backend (the ``sqlite3``
shell, another program). The wait is bounded by the same ``timeout`` as SQLite's busy
timeout, after which the write fails with "database is locked", as it would have before.

**Checkpoints outside the lock.** SQLite copies the write-ahead log back into the database
(a checkpoint, with an fsync) in the connection whose commit filled it past 1,000 pages,
before that commit returns: under the queue's lock, so every other writer waited for the
disk (the lock's p90 hold went from 3.5 to 6 ms, its p99 from 5 to 10 ms). Automatic
checkpoints are off (``wal_autocheckpoint=0``, in settings) and each connection runs a
``PASSIVE`` one itself after a commit, every ``CHECKPOINT_EVERY`` writes, once it has let
the lock go: a passive checkpoint neither waits for nor blocks writers, and copies what it
can. (A write statement outside a transaction lets the lock go when it returns; one with
``RETURNING`` keeps SQLite's own lock until its rows are read, which SQLite's busy timeout
then covers.)
"""

import fcntl
import os
import sqlite3
import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

PRIVATE_FILE_MODE = 0o600
# The first word of a statement that writes (DDL only ever runs inside a transaction here:
# migrations and the schema editor open one).
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# About every few hundred pages of log with a few pages a write, from each writing process.
CHECKPOINT_EVERY = 100


class WriteQueue:
    """An exclusive ``flock`` on one file, taken with a timeout, per database connection.

    flock belongs to an open file description: each connection opens the file itself, so
    two connections (two processes, or two threads of one) exclude each other; a process
    that dies releases it with its descriptors. A descriptor inherited through ``fork`` is
    shared with the parent, so one opened by another process is never used."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None
        self._owner_pid = 0
        self.held = False
        self._writes = 0

    def _descriptor(self) -> int:
        if self._fd is None or self._owner_pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE_MODE)
            self._owner_pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        fd = self._descriptor()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._wait(fd)
        self.held = True

    def _wait(self, fd: int) -> None:
        # flock has no timeout: a thread waits in the kernel while this one waits on an
        # event with one. Given up, the descriptor goes to the waiting thread, which drops
        # the lock and closes it whenever it gets it; this connection opens another.
        got_it = threading.Event()
        state = threading.Lock()
        abandoned = False

        def wait_in_kernel() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX)
            with state:
                if abandoned:
                    os.close(fd)  # closing the last descriptor releases the lock
                    return
                got_it.set()

        threading.Thread(target=wait_in_kernel, name="sqlite-write-queue", daemon=True).start()
        if got_it.wait(self.timeout):
            return
        with state:
            if got_it.is_set():
                return
            abandoned = True
            self._fd = None
        raise OperationalError("database is locked")

    def release(self) -> None:
        if not self.held:
            return
        self.held = False
        if self._fd is not None and self._owner_pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._writes += 1

    def checkpoint_due(self) -> bool:
        """True once in ``CHECKPOINT_EVERY`` writes (and then not until as many more)."""
        if self._writes < CHECKPOINT_EVERY:
            return False
        self._writes = 0
        return True

    def close(self) -> None:
        self.release()
        if self._fd is not None and self._owner_pid == os.getpid():
            os.close(self._fd)
        self._fd = None


class QueuedWriteCursor(base.SQLiteCursorWrapper):
    """A write statement outside a transaction takes the queue's lock for its own length."""

    write_queue: WriteQueue | None = None

    def execute(self, query, params=None):
        if not self._takes_a_turn(query):
            return super().execute(query, params)
        self.write_queue.acquire()
        try:
            return super().execute(query, params)
        finally:
            self.write_queue.release()

    def executemany(self, query, param_list):
        if not self._takes_a_turn(query):
            return super().executemany(query, param_list)
        self.write_queue.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            self.write_queue.release()

    def _takes_a_turn(self, query: str) -> bool:
        # Inside a transaction the turn was taken at BEGIN; a read never takes one.
        return (
            self.write_queue is not None
            and not self.connection.in_transaction
            and query.lstrip()[:7].upper().startswith(_WRITE_VERBS)
        )


def _checkpoint(connection) -> None:
    # Opportunistic: one that cannot run now (a statement still open on this connection)
    # is simply another connection's to run.
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
    except sqlite3.Error:
        pass


class DatabaseWrapper(base.DatabaseWrapper):
    write_queue: WriteQueue | None = None

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        path = str(conn_params.get("database", ""))
        if path and not self.is_in_memory_db() and not path.startswith("file:"):
            for name in (path, f"{path}-wal", f"{path}-shm"):
                if os.path.exists(name):
                    os.chmod(name, PRIVATE_FILE_MODE)
            if self.write_queue is None:
                self.write_queue = WriteQueue(
                    f"{path}.writelock", float(conn_params.get("timeout", 5))
                )
        return connection

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=QueuedWriteCursor)
        cursor.write_queue = self.write_queue
        return cursor

    def _start_transaction_under_autocommit(self):
        if self.write_queue is None:
            return super()._start_transaction_under_autocommit()
        self.write_queue.acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self.write_queue.release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            if self.write_queue is not None:
                self.write_queue.close()

    def _release_write_queue(self) -> None:
        # A failed COMMIT leaves the transaction open (SQLITE_BUSY): Django rolls it back
        # next, and the lock goes with that.
        if self.write_queue is not None and not (
            self.connection is not None and self.connection.in_transaction
        ):
            self.write_queue.release()
            if self.write_queue.checkpoint_due() and self.connection is not None:
                _checkpoint(self.connection)
