"""Enqueueing background work so that it happens exactly when the data it needs exists.

Services name the task they want by its dotted path (``"outcry.actions.tasks.count_action"``)
and never import a ``tasks`` module: ``tasks.py`` imports services to call them, so a
service importing its tasks would be an import cycle. The path is resolved when the work is
enqueued, by which time every app's modules are loaded.

Work that a page promises within seconds (the batched counts) names the ``counts`` queue,
so it never waits behind a backlog of emails: on RQ a queue of its own, which workers
listen to first (``rqworker counts default``); on the database queue, which has no such
ordering between queues and whose ``db_worker`` processes only the queues it is told of,
a higher priority in the one ``default`` queue.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import DEFAULT_TASK_QUEUE_NAME
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.compat import normalize_json
from django_tasks_db.models import DBTaskResult

from outcry.core.db.inserts import insert_row

COUNTS = "counts"

# Above every other task's (the default, 0) and short of the maximum, which django-tasks-rq
# reads as "put at the front".
URGENT_PRIORITY = 50


def _database_backend(task: Task) -> bool:
    # The backend itself, not django_tasks.default_task_backend: that is a ConnectionProxy,
    # which is never an instance of any backend class.
    return isinstance(task.get_backend(), DatabaseBackend)


def task_resolve(name: str) -> Task:
    """The task at dotted path ``name``; a path that names anything else is an error."""
    task = import_string(name)
    if not isinstance(task, Task):
        raise TypeError(f"{name} is not a task")
    return task


def _routed(task: Task, queue: str) -> Task:
    """``task`` on ``queue`` where the backend has that queue (RQ: settings.TASKS), else
    ahead of the other work by priority where the backend orders by priority (the database
    queue), else as it is."""
    if queue == DEFAULT_TASK_QUEUE_NAME:
        return task
    backend = task.get_backend()
    if queue in backend.queues:
        return task.using(queue_name=queue)
    if backend.supports_priority:
        return task.using(priority=URGENT_PRIORITY)
    return task


def enqueue(
    name: str,
    *args: Any,
    run_after: datetime | None = None,
    with_transaction: bool = True,
    queue: str = DEFAULT_TASK_QUEUE_NAME,
    **kwargs: Any,
) -> None:
    """Enqueue the task at dotted path ``name`` with ``args`` and ``kwargs``.

    With ``with_transaction`` (the default) the task exists if, and only if, the current
    transaction commits: with the database queue its row is written inside the caller's
    transaction (the outbox pattern: one short transaction, nothing lost if the process dies
    right after commit); with other backends (RQ) it is sent once the transaction has
    committed. Without it the task is sent at once, for callers outside any transaction
    (a task queueing its own retry or successor) or that must not wait for one.

    ``queue`` is ``COUNTS`` for work that must not wait behind the rest (see above).
    """
    task = _routed(task_resolve(name), queue)
    if run_after is not None:
        task = task.using(run_after=run_after)
    if _database_backend(task):
        _database_enqueue(task, args, kwargs)
    elif not with_transaction:
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def _database_enqueue(task: Task, args: tuple, kwargs: dict) -> None:
    """The task's row, written as django-tasks-db's ``enqueue`` writes it, in one INSERT.

    The library's ``enqueue`` (``objects.create``, then a ``TaskResult`` built for its
    ``task_enqueued`` signal, which only logs) took 200 µs a task against 124 here, inside
    the transaction that holds SQLite's write lock on a signature (and the worker's reminder
    is one too). The row is the same but for one column; no signal is sent, nothing here
    listens to it.

    That column: a task to run at once gets its enqueue time as ``run_after``, where the
    library writes the year 9999. The worker claims the first ready row by (priority,
    run_after): behind 9999 every deferred task still waiting (a reminder per confirmation
    sent, a day ahead) came first, and each claim read past all of them inside the write
    lock (0.5 ms with 1,600 waiting, growing through a rush)."""
    backend = task.get_backend()
    backend.validate_task(task)
    insert_row(
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or timezone.now(),
            backend_name=backend.alias,
        )
    )
