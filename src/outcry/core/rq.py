"""What Outcry's RQ workers run (``TASK_BACKEND=rq``; settings ``RQ``).

**One process, no fork per job.** RQ's default worker forks a child for every job: on a
signing rush on PostgreSQL the confirmation emails drained at about 14 a second per worker,
and 62 s after the last signature they were still going out (90 s and 897 unsent in a full
bench run). RQ's ``SimpleWorker`` runs each job in the worker's own process, reusing its
database and SMTP-free state: the same backlog was sent 7 s after the last signature. A job
that crashes the interpreter then takes the worker with it, and systemd restarts it
(``deploy/systemd/outcry-worker.service``); a job's timeout still holds.

**A dead worker's scheduler is taken over within about a minute and a quarter.** The
scheduler that moves deferred jobs (the batched counts, reminders, retries) to their
queues runs beside one worker at a time, under a lock that outlives it by 61 s. The other
workers try to take it over at their maintenance, which RQ runs every 10 minutes, and an
idle worker only after waiting 405 s for a job: with the scheduler's worker killed, the
counts stopped for up to 11 minutes (``bench/scale_out.py`` found the count still 0 after
120 s). Here maintenance runs every ``SCHEDULER_TAKEOVER_SECONDS``, and an idle worker
waits no longer than that for a job before checking.

**Connections checked around every job, as around a request.** In one long-lived process a
connection PostgreSQL dropped (a restart, a failover) would fail every later job; Django's
``close_old_connections`` before and after each job closes one that errored or outlived
``CONN_MAX_AGE``, and the next query opens a fresh one.

**One Redis connection pool per process.** django-rq builds a new Redis client, with a pool
of its own, for every queue it is asked for, and django-tasks-rq asks for one on every
enqueue: each signature on PostgreSQL + Redis opened a TCP connection to Redis, ran the
client's handshake (which reads the redis package's metadata from disk) and dropped it,
23 % of the signing request's time (profiled). ``Queue`` (settings ``RQ["QUEUE_CLASS"]``)
swaps the new client for one kept per process and per server, whose pool keeps its
connections; redis-py's pool starts afresh in a forked child.
"""

import threading
from typing import Any

from django.db import close_old_connections
from django_rq.queues import DjangoRQ
from django_tasks_rq.backend import Job as TaskJob
from redis import Redis
from rq.worker import SimpleWorker

SCHEDULER_TAKEOVER_SECONDS = 15


class Worker(SimpleWorker):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval", SCHEDULER_TAKEOVER_SECONDS)
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        return min(super().dequeue_timeout, int(self.maintenance_interval))


class Job(TaskJob):
    def perform(self) -> Any:
        close_old_connections()
        try:
            return super().perform()
        finally:
            close_old_connections()


# What tells one server, database and account from another (the rest of a pool's options
# hold objects made afresh for each client).
_SERVER_OPTIONS = ("host", "port", "path", "db", "username", "password")
_clients: dict[tuple, Redis] = {}
_clients_lock = threading.Lock()


def _shared_client(client: Redis) -> Redis:
    """The process's client for the server ``client`` would reach (same address, database
    and credentials), kept from the first time it was asked for."""
    pool = client.connection_pool
    options = pool.connection_kwargs
    key = (pool.connection_class, *(options.get(name) for name in _SERVER_OPTIONS))
    with _clients_lock:
        return _clients.setdefault(key, client)


class Queue(DjangoRQ):
    def __init__(self, *args, **kwargs):
        if isinstance(kwargs.get("connection"), Redis):
            kwargs["connection"] = _shared_client(kwargs["connection"])
        super().__init__(*args, **kwargs)
