"""Enqueueing background work so that it happens exactly when the data it needs exists."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django_tasks.base import Task


def _database_backend(task: Task) -> bool:
    from django_tasks_db import DatabaseBackend

    # The backend itself, not django_tasks.default_task_backend: that is a ConnectionProxy,
    # which is never an instance of any backend class.
    return isinstance(task.get_backend(), DatabaseBackend)


def enqueue_with_transaction(
    task: Task, *args: Any, run_after: datetime | None = None, **kwargs: Any
) -> None:
    """Enqueue ``task`` so that it exists if, and only if, the current transaction commits.

    With the database queue the task row is written inside the caller's transaction (the
    outbox pattern: one short transaction, nothing lost if the process dies right after
    commit). With other backends (RQ) it is sent once the transaction has committed.
    """
    if run_after is not None:
        task = task.using(run_after=run_after)
    if _database_backend(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(*args, **kwargs))
