"""Background work for mailings: thin wrappers around the services."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from outcry.core.queue import enqueue
from outcry.mailings import sending, services
from outcry.mailings.models import Mailing

IDLE_RECHECK_SECONDS = 30


@task()
def mailing_start_task(mailing_id: int) -> bool:
    return services.mailing_start(mailing_id=mailing_id)


@task()
def mailing_send_task(mailing_id: int) -> str:
    """Send up to MAILING_TASK_MESSAGES, then hand over to a fresh task (so a pause or a
    cancel takes effect, and other work gets the worker) until the mailing is done."""
    report = sending.mailing_send_due(
        mailing_id=mailing_id, max_messages=settings.MAILING_TASK_MESSAGES
    )
    mailing = Mailing.objects.get(pk=mailing_id)
    if report.finished or mailing.status != Mailing.Status.SENDING:
        return f"{mailing.status}: sent {report.sent}"
    run_after = None
    if report.sent == 0:
        # Nothing was due: rows wait for a retry, or another worker holds them. Come back
        # when the first retry is due (or a little later), never in a tight loop.
        retry_at = sending.next_retry_at(mailing=mailing)
        soon = timezone.now() + timedelta(seconds=IDLE_RECHECK_SECONDS)
        run_after = max(retry_at, timezone.now() + timedelta(seconds=1)) if retry_at else soon
    enqueue(
        "outcry.mailings.tasks.mailing_send_task",
        mailing_id,
        run_after=run_after,
        with_transaction=False,
    )
    return f"sent {report.sent}, continuing"
