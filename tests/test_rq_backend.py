"""The same tasks run on either queue. With the database queue a task is written in the
transaction that needs it; with TASK_BACKEND=rq (and REDIS_URL) the settings make a
working RQ configuration, and the confirmation email queued by a signature is sent by an
RQ worker to a real SMTP server. On either queue a due count is run before any backlog of
emails: a page promises the count within COUNT_BATCH_DELAY of the last confirmation."""

import json
import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from outcry.actions import tasks as action_tasks
from outcry.actions.counting import action_request_count
from outcry.actions.models import Signature
from outcry.core.crypto import seal
from outcry.core.queue import COUNTS, enqueue
from tests.actors import SupporterFactory
from tests.conftest import sign_data

CONFIRMATION_TASK = "outcry.actions.tasks.send_signature_confirmation"
COUNT_TASK = "outcry.actions.tasks.count_action"
REDIS_URL = os.environ.get("REDIS_URL", "")
# The confirmation emails of a rush, queued before the count.
BACKLOG = 300


def sign(client, petition, *, email: str, ip: str):
    return client.post(petition.get_absolute_url(), sign_data(email=email), REMOTE_ADDR=ip)


def confirmed_signatures(petition, n: int) -> list[Signature]:
    """``n`` signatures whose addresses were confirmed, not yet folded into the count."""
    signatures = []
    for _ in range(n):
        supporter = SupporterFactory()
        signatures.append(
            Signature.objects.create(
                petition=petition,
                supporter=supporter,
                email_hash=supporter.email_hash,
                country="FR",
                language="en",
                state=Signature.State.VALIDATED,
                personal_data=seal({"first_name": "Anna", "city": "Lyon"}),
            )
        )
    return signatures


def queue_email_backlog(signatures: list[Signature]) -> None:
    """BACKLOG confirmation emails, half of them sent at once and half deferred and due
    (reminders, retries): a queue ordered by due time must not put them first either."""
    due = timezone.now() - timedelta(minutes=1)
    for n in range(BACKLOG):
        pk = signatures[n % len(signatures)].pk
        run_after = due if n % 2 else None
        enqueue(CONFIRMATION_TASK, pk, run_after=run_after, with_transaction=False)


# The database queue ------------------------------------------------------------------


@pytest.mark.django_db
def test_database_queue_writes_the_confirmation_task_inside_the_signing_transaction(
    client, petition
):
    """With the database queue the confirmation task row is written by the signing
    transaction itself (not after it), so it exists as soon as the signature does."""
    assert sign(client, petition, email="anna@example.org", ip="198.51.100.40").status_code == 302

    # pytest-django keeps this test inside one transaction that never commits: a task
    # queued "on commit" would not exist here.
    signature = Signature.objects.get()
    [queued] = DBTaskResult.objects.filter(task_path=CONFIRMATION_TASK)
    assert queued.args_kwargs == {"args": [signature.pk], "kwargs": {}}


@pytest.mark.django_db
def test_database_queue_loses_the_task_with_a_rolled_back_signature(client, petition):
    """If the signing transaction rolls back, its confirmation task goes with it: no
    email can be sent for a signature that does not exist."""
    with pytest.raises(RuntimeError), transaction.atomic():
        assert sign(client, petition, email="anna@example.org", ip="198.51.100.41").status_code
        assert DBTaskResult.objects.filter(task_path=CONFIRMATION_TASK).exists()
        raise RuntimeError("the surrounding work failed")

    assert not Signature.objects.exists()
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_database_worker_runs_a_due_count_before_a_backlog_of_emails(petition, settings):
    """With thousands of emails queued, the count asked for after them is the next task
    the worker takes once due, on the one `default` queue that a `db_worker` started with
    no argument (`make demo`, an existing deployment) runs."""
    settings.COUNT_BATCH_DELAY = 0
    signatures = confirmed_signatures(petition, 3)
    queue_email_backlog(signatures)
    action_request_count(kind="petition", action_id=petition.pk)
    [count_task] = DBTaskResult.objects.filter(task_path=COUNT_TASK)
    assert count_task.queue_name == "default"

    call_command(
        "db_worker", max_tasks=1, startup_delay=False, interval=0, reload=False, verbosity=0
    )

    petition.refresh_from_db()
    assert petition.count == 3
    count_task.refresh_from_db()
    assert count_task.status == TaskResultStatus.SUCCESSFUL
    emails = DBTaskResult.objects.filter(task_path=CONFIRMATION_TASK)
    assert emails.filter(status=TaskResultStatus.READY).count() == BACKLOG


# RQ ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rq_settings() -> dict:
    """What settings.py configures with TASK_BACKEND=rq, read from a fresh process that
    also runs Django's system checks (including django-tasks-rq's own)."""
    code = (
        "import json; from django.conf import settings; "
        "from django.core.management import call_command; "
        "call_command('check', fail_level='WARNING'); "
        "print('SETTINGS=' + json.dumps({'TASKS': settings.TASKS, 'RQ': settings.RQ, "
        "'RQ_QUEUES': settings.RQ_QUEUES, 'INSTALLED_APPS': settings.INSTALLED_APPS}))"
    )
    env = {**os.environ, "TASK_BACKEND": "rq", "REDIS_URL": REDIS_URL or "redis://127.0.0.1:1/0"}
    done = subprocess.run(
        [sys.executable, "-m", "outcry.manage", "shell", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("SETTINGS="))
    return json.loads(line.removeprefix("SETTINGS="))


def test_rq_settings_are_a_complete_rq_configuration(rq_settings):
    """TASK_BACKEND=rq selects django-tasks-rq on a queue django-rq knows, on REDIS_URL,
    installs django_rq (for `outcry rqworker`) and makes workers use the Job class that
    runs django-tasks' tasks; Django's checks pass."""
    assert rq_settings["TASKS"] == {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["counts", "default"]}
    }
    assert set(rq_settings["TASKS"]["default"]["QUEUES"]) <= set(rq_settings["RQ_QUEUES"])
    for queue in rq_settings["RQ_QUEUES"].values():
        assert queue["URL"] == (REDIS_URL or "redis://127.0.0.1:1/0")
    assert "django_rq" in rq_settings["INSTALLED_APPS"]
    assert rq_settings["RQ"]["JOB_CLASS"] == "outcry.core.rq.Job"
    assert rq_settings["RQ"]["WORKER_CLASS"] == "outcry.core.rq.Worker"


# As production starts the worker (deploy/systemd/outcry-worker.service): counts first.
WORKER_QUEUES = ("counts", "default")


@pytest.fixture
def rq_queue(settings, rq_settings):
    """This process switched to the RQ backend exactly as settings.py does it; the queue
    starts and ends empty."""
    import django_rq

    settings.TASKS = rq_settings["TASKS"]
    settings.RQ_QUEUES = rq_settings["RQ_QUEUES"]
    settings.RQ = rq_settings["RQ"]
    queue = django_rq.get_queue("default")
    queue.connection.flushdb()  # REDIS_URL's database is the tests' own (as for the cache)
    yield queue
    queue.connection.flushdb()


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
@pytest.mark.django_db(transaction=True)
def test_signing_reuses_one_redis_connection_for_its_tasks(client, petition, rq_queue):
    """Each enqueue asks django-rq for a queue; every one of them shares the process's
    Redis pool, so a rush of signatures does not connect to Redis once per signature."""
    import django_rq

    assert django_rq.get_queue("default").connection is django_rq.get_queue("counts").connection
    pool = rq_queue.connection.connection_pool
    for n in range(5):
        response = sign(client, petition, email=f"pooled{n}@example.org", ip=f"198.51.100.{n + 60}")
        assert response.status_code == 302

    assert rq_queue.count == 5  # each signature's confirmation queued
    assert len(pool._available_connections) + len(pool._in_use_connections) == 1


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
@pytest.mark.django_db(transaction=True)
def test_rq_worker_sends_the_confirmation_email_queued_by_signing(
    client, petition, settings, smtp_server, rq_queue
):
    """With the RQ backend, signing queues the confirmation on Redis once the signature
    is committed (nothing in the database queue); an RQ worker runs it and the email
    reaches the SMTP server. Following its link queues the count, which the worker's
    scheduler runs too."""
    import django_rq

    settings.COUNT_BATCH_DELAY = 0
    response = sign(client, petition, email="rq.signer@example.org", ip="198.51.100.42")
    assert response.status_code == 302

    signature = Signature.objects.get()
    assert not DBTaskResult.objects.exists()
    [job] = rq_queue.get_jobs()
    assert (job.func_name, job.args) == (CONFIRMATION_TASK, (signature.pk,))
    assert smtp_server.messages == []

    worker = django_rq.get_worker(*WORKER_QUEUES)  # the configured worker: no fork per job
    assert worker.work(burst=True, with_scheduler=True)

    [message] = smtp_server.messages_to("rq.signer@example.org")
    signature.refresh_from_db()
    assert signature.confirmation_sent_at is not None
    result = action_tasks.send_signature_confirmation.get_result(job.id)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, "sent")

    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/confirm/\S+/", text).group(0)
    assert client.post("/" + link.split("://", 1)[1].split("/", 1)[1]).status_code == 200
    assert worker.work(burst=True, with_scheduler=True)
    petition.refresh_from_db()
    assert petition.count == 1


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
@pytest.mark.django_db(transaction=True)
def test_rq_worker_takes_a_due_count_before_a_backlog_of_emails(petition, settings, rq_queue):
    """The count is deferred by COUNT_BATCH_DELAY on the `counts` queue; once due, the
    scheduler of a worker started as production starts it moves it there, and the worker
    takes it before any of the emails queued ahead of it: on one queue it would come
    after all of them."""
    import django_rq
    from rq.registry import ScheduledJobRegistry

    counts = django_rq.get_queue("counts")
    signatures = confirmed_signatures(petition, 3)
    queue_email_backlog(signatures)
    asked = timezone.now()
    action_request_count(kind="petition", action_id=petition.pk)

    # Deferred: on the counts queue's schedule, not yet in any queue.
    scheduled = ScheduledJobRegistry(queue=counts)
    [job_id] = scheduled.get_job_ids()
    job = counts.fetch_job(job_id)
    assert (job.func_name, job.args, job.origin) == (
        COUNT_TASK,
        ("petition", petition.pk),
        "counts",
    )
    assert scheduled.get_scheduled_time(job) >= asked.replace(microsecond=0) + timedelta(
        seconds=settings.COUNT_BATCH_DELAY - 1
    )
    assert counts.count == 0
    assert COUNT_TASK not in {queued.func_name for queued in rq_queue.get_jobs()}
    # The deferred half of the backlog, already due, waits for the scheduler too.
    assert (rq_queue.count, ScheduledJobRegistry(queue=rq_queue).count) == (
        BACKLOG // 2,
        BACKLOG // 2,
    )

    # The batch interval passes (the job's due time is moved, rather than waited for); the
    # worker's scheduler moves every due job to its queue, then the worker takes one job.
    scheduled.schedule(job, timezone.now())
    worker = django_rq.get_worker(*WORKER_QUEUES)  # the configured worker: no fork per job
    assert worker.work(burst=True, with_scheduler=True, max_jobs=1)

    petition.refresh_from_db()
    assert petition.count == 3
    assert action_tasks.count_action.get_result(job_id).status == TaskResultStatus.SUCCESSFUL
    assert rq_queue.count == BACKLOG


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
@pytest.mark.django_db(transaction=True)
def test_outcry_rqworker_named_no_queue_still_takes_the_counts_first(petition, rq_queue):
    """`outcry rqworker` started without queue names (as django-rq's own would be, on
    `default` alone, where no count ever comes) listens to every queue, the counts
    first."""
    signatures = confirmed_signatures(petition, 3)
    queue_email_backlog(signatures)
    enqueue(COUNT_TASK, "petition", petition.pk, with_transaction=False, queue=COUNTS)

    call_command("rqworker", "--burst", "--max-jobs", "1")

    petition.refresh_from_db()
    assert petition.count == 3
    assert rq_queue.count == BACKLOG // 2


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
@pytest.mark.django_db(transaction=True)
def test_a_job_after_the_database_dropped_the_connection_opens_a_new_one(petition, rq_queue):
    """The worker runs every job in its own process (no fork per job): a connection the
    database dropped since the last job (a restart, a failover) is replaced before the
    next job, as Django does around a request, instead of failing it and every later one."""
    import django_rq
    from django.db import connection

    signatures = confirmed_signatures(petition, 2)
    connection.ensure_connection()
    connection.connection.close()  # dropped underneath Django, as a server restart does
    enqueue(COUNT_TASK, "petition", petition.pk, with_transaction=False, queue=COUNTS)

    worker = django_rq.get_worker(*WORKER_QUEUES)
    assert worker.work(burst=True)

    petition.refresh_from_db()
    assert petition.count == len(signatures)


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server for the RQ queue)")
def test_a_worker_checks_for_a_dead_schedulers_lock_every_few_seconds_even_when_idle():
    """RQ's defaults (maintenance every 10 minutes, an idle worker blocked 405 s on the
    queue) left deferred counts unqueued for up to 11 minutes after the worker holding the
    scheduler died; ours look every SCHEDULER_TAKEOVER_SECONDS, and run jobs without a
    fork."""
    from redis import Redis
    from rq.worker import SimpleWorker

    from outcry.core.rq import SCHEDULER_TAKEOVER_SECONDS, Worker

    worker = Worker(["default"], connection=Redis.from_url(REDIS_URL), worker_ttl=420)
    assert isinstance(worker, SimpleWorker)
    assert worker.maintenance_interval == SCHEDULER_TAKEOVER_SECONDS <= 30
    assert worker.dequeue_timeout <= SCHEDULER_TAKEOVER_SECONDS
