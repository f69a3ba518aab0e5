"""A confirmation email no queue holds is queued again, and still sent once.

With RQ, a signature's confirmation task reaches Redis only after the signature's
transaction has committed: a web process killed between the two leaves a signature nobody
will ever email, so it never counts (found by bench/scale_out.py). ``requeue_confirmations``
finds such participations; the email itself is claimed by one conditional UPDATE before it
goes, so a task that was only late does not make it go twice.
"""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from outcry.actions.models import BlockedSource, Signature
from outcry.actions.participation import participation_confirmations_requeue
from tests.conftest import sign_data

CONFIRMATION_TASK = "outcry.actions.tasks.send_signature_confirmation"


@pytest.mark.django_db(transaction=True)
def test_a_lost_confirmation_email_is_queued_again_and_sent_once(
    client, petition, smtp_server, tasks
):
    BlockedSource.objects.create(kind=BlockedSource.Kind.EMAIL_DOMAIN, value="blocked.example")
    for email in ["lost@example.org", "late@example.org", "bot@blocked.example"]:
        response = client.post(petition.get_absolute_url(), sign_data(email=email))
        assert response.status_code == 302
    lost = Signature.objects.filter(petition=petition).earliest("pk")
    # The lost one's task never reached the queue; the late one's is still waiting there.
    queued = DBTaskResult.objects.filter(task_path=CONFIRMATION_TASK, status="READY")
    assert queued.count() == 2  # the blocked source's signature is never emailed
    deleted, _ = queued.filter(args_kwargs__args=[lost.pk]).delete()
    assert deleted == 1

    # Not yet: a participation is given time for its email to go the normal way.
    assert (
        participation_confirmations_requeue(
            older_than=timedelta(minutes=10), within=timedelta(days=2)
        )
        == 0
    )
    output = io.StringIO()
    call_command("requeue_confirmations", "--older-than=0", stdout=output)
    assert output.getvalue().startswith("2 ")  # the lost one and the late one
    tasks.run()

    assert len(smtp_server.messages_to("lost@example.org")) == 1
    assert len(smtp_server.messages_to("late@example.org")) == 1  # queued twice, sent once
    assert smtp_server.messages_to("bot@blocked.example") == []
    # Once sent, nothing is queued again.
    assert (
        participation_confirmations_requeue(older_than=timedelta(0), within=timedelta(days=2)) == 0
    )
