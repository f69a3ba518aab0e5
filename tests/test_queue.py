"""Services enqueue background work by the task's dotted name (``outcry.core.queue.enqueue``):
the task exists if, and only if, the caller's transaction commits, and no service imports a
tasks module, so the project's modules import one another without a cycle."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import grimp
import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks.base import DEFAULT_TASK_PRIORITY
from django_tasks_db.models import DBTaskResult

import outcry
from outcry.core.queue import COUNTS, URGENT_PRIORITY, enqueue, task_resolve

TASK = "outcry.comments.tasks.send_comment_delete_link"
TASK_NAME = re.compile(r"\"(outcry\.\w+\.tasks\.\w+)\"")
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db
def test_enqueue_writes_the_named_task_inside_the_callers_transaction():
    """With the database queue the row is written at once, inside the transaction (the
    outbox): it exists before the commit, and goes if the transaction rolls back."""
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(TASK, 41)
        [queued] = DBTaskResult.objects.filter(task_path=TASK)
        assert queued.args_kwargs == {"args": [41], "kwargs": {}}
        raise RuntimeError("the surrounding work failed")

    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_enqueue_defers_the_task_to_run_after():
    """``run_after`` defers the task; arguments and keyword arguments reach it as given."""
    when = timezone.now() + timedelta(hours=2)

    enqueue(TASK, 42, attempt=3, run_after=when)

    [queued] = DBTaskResult.objects.filter(task_path=TASK)
    assert queued.args_kwargs == {"args": [42], "kwargs": {"attempt": 3}}
    assert queued.run_after == when


@pytest.mark.django_db
def test_a_task_to_run_at_once_is_claimed_before_the_deferred_tasks_waiting():
    """The worker claims the first ready row in (priority, run_after) order, and stops at
    the first that is due: a task to run now must not sort behind every reminder waiting
    hours ahead (the library's year-9999 "no time" did, and each claim walked them all)."""
    later = timezone.now() + timedelta(hours=48)
    for n in range(5):
        enqueue(TASK, n, run_after=later)

    enqueue(TASK, 99)

    [now_task] = DBTaskResult.objects.filter(args_kwargs__args=[99])
    assert now_task.run_after <= timezone.now()
    first_ready = DBTaskResult.objects.ready().order_by(*DBTaskResult._meta.ordering).first()
    assert first_ready == now_task
    assert DBTaskResult.objects.ready().count() == 1  # the deferred ones are not due


@pytest.mark.django_db
def test_enqueue_on_another_queue_sends_the_task_once_the_transaction_commits(
    settings, django_capture_on_commit_callbacks
):
    """On a queue outside the database (RQ) the task is sent after the commit, never for
    work that rolled back."""
    settings.TASKS = DUMMY_TASKS
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue(TASK, 43)
        assert default_task_backend.results == []

    [result] = default_task_backend.results
    assert (result.task.module_path, result.args) == (TASK, [43])

    default_task_backend.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(TASK, 44)
        raise RuntimeError("the surrounding work failed")
    assert default_task_backend.results == []


@pytest.mark.django_db
def test_enqueue_without_transaction_sends_the_task_at_once(settings):
    """``with_transaction=False`` (a retry or a successor queued by the worker) sends now."""
    settings.TASKS = DUMMY_TASKS
    with transaction.atomic():
        enqueue(TASK, 45, attempt=1, with_transaction=False)
        [result] = default_task_backend.results
        assert (result.args, result.kwargs) == ([45], {"attempt": 1})


@pytest.mark.django_db
def test_counting_work_goes_to_its_own_queue_or_first_by_priority(settings):
    """Work enqueued on ``COUNTS`` takes the backend's `counts` queue where it has one (RQ,
    as settings.py configures it), else the one queue at a priority above every other
    task's (the database queue, whose `db_worker` runs `default` unless told otherwise);
    other work stays on `default` at the default priority."""
    backend = DUMMY_TASKS["default"]["BACKEND"]
    settings.TASKS = {"default": {"BACKEND": backend, "QUEUES": ["counts", "default"]}}
    enqueue(TASK, 46, queue=COUNTS, with_transaction=False)
    enqueue(TASK, 47, with_transaction=False)
    counted, other = default_task_backend.results
    assert (counted.task.queue_name, counted.task.priority) == ("counts", 0)
    assert (other.task.queue_name, other.task.priority) == ("default", 0)

    settings.TASKS = DUMMY_TASKS
    enqueue(TASK, 48, queue=COUNTS, with_transaction=False)
    [counted] = default_task_backend.results
    assert (counted.task.queue_name, counted.task.priority) == ("default", URGENT_PRIORITY)
    assert URGENT_PRIORITY > DEFAULT_TASK_PRIORITY


def test_enqueue_refuses_a_name_that_is_not_a_task():
    """A typo or a plain function fails loudly where it is enqueued, not in the worker."""
    with pytest.raises(TypeError):
        enqueue("outcry.core.queue.enqueue", 1)
    with pytest.raises(ImportError):
        enqueue("outcry.comments.tasks.no_such_task", 1)


def test_every_enqueued_name_is_a_task():
    """Each task named in the code (to ``enqueue``, or as ``send_once``'s ``retry_task``)
    exists: a renamed task cannot leave a caller enqueueing nothing."""
    source = Path(outcry.__file__).parent
    names = {
        name
        for path in source.rglob("*.py")
        for name in TASK_NAME.findall(path.read_text(encoding="utf-8"))
    }
    assert TASK in names
    for name in sorted(names):
        task_resolve(name)


def test_project_modules_import_one_another_without_a_cycle():
    """No two modules of the project import each other, directly or through others (imports
    inside functions included): tasks import services, services enqueue tasks by name."""
    graph = grimp.build_graph("outcry")
    modules = {m for m in graph.modules if ".migrations" not in m}
    cycles = []
    for module in sorted(modules):
        for imported in graph.find_modules_directly_imported_by(module) & modules:
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                cycles.append(graph.find_shortest_chain(importer=imported, imported=module))
    assert cycles == []


def test_settings_read_the_comment_and_subscription_limits_from_the_environment():
    """The comment and subscription limits, link lifetimes and request intervals are
    settings, each read from its environment variable."""
    values = {
        "COMMENT_RATE_BURST_PER_MINUTE": "4",
        "COMMENT_RATE_SUSTAINED_PER_HOUR": "21",
        "COMMENT_REPORT_RATE_PER_HOUR": "31",
        "COMMENT_MAX_LINKS": "5",
        "COMMENT_REPORT_HOLD_THRESHOLD": "6",
        "COMMENT_DELETE_LINK_MAX_AGE": "7",
        "SUBSCRIBE_RATE_BURST_PER_MINUTE": "8",
        "SUBSCRIBE_RATE_SUSTAINED_PER_HOUR": "9",
        "SUBSCRIPTION_CONFIRMATION_MAX_AGE": "10",
        "MY_DATA_INTERVAL": "11",
        "ERASURE_REQUEST_INTERVAL": "12",
    }
    code = (
        "from django.conf import settings; print("
        + ", ".join(f"settings.{name}" for name in values)
        + ")"
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, **values, "DJANGO_SETTINGS_MODULE": "outcry.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == list(values.values())
