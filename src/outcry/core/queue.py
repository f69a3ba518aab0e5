"""Enqueueing background work so that it happens exactly when the data it needs exists.

Services name the task they want by its dotted path (``"outcry.actions.tasks.count_action"``)
and never import a ``tasks`` module: ``tasks.py`` imports services to call them, so a
service importing its tasks would be an import cycle. The path is resolved when the work is
enqueued, by which time every app's modules are loaded.
"""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend


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


def enqueue(
    name: str,
    *args: Any,
    run_after: datetime | None = None,
    with_transaction: bool = True,
    **kwargs: Any,
) -> None:
    """Enqueue the task at dotted path ``name`` with ``args`` and ``kwargs``.

    With ``with_transaction`` (the default) the task exists if, and only if, the current
    transaction commits: with the database queue its row is written inside the caller's
    transaction (the outbox pattern: one short transaction, nothing lost if the process dies
    right after commit); with other backends (RQ) it is sent once the transaction has
    committed. Without it the task is sent at once, for callers outside any transaction
    (a task queueing its own retry or successor) or that must not wait for one.
    """
    task = task_resolve(name)
    if run_after is not None:
        task = task.using(run_after=run_after)
    if not with_transaction or _database_backend(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
