"""Confirming a signature: the link's life (forged, expired, replayed), the single
reminder, and the batched count the public sees."""

import re
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_max_age
from django_tasks_db.models import DBTaskResult

from outcry.actions import services
from outcry.actions import tasks as action_tasks
from outcry.actions.models import Petition, Signature
from tests.conftest import sign_data
from tests.factories import PetitionFactory


def message_kind(message) -> str:
    """ "confirm", "reminder" or "duplicate", from the Message-ID the app gives each email."""
    return re.search(r"<signature-[0-9a-f]{32}-([a-z]+)", message["Message-ID"]).group(1)


def confirm_path(message) -> str:
    """The path of the confirmation link in the plain-text part."""
    link = re.search(r"https?://\S+/confirm/\S+/", message.get_body(("plain",)).get_content())
    assert link, "no confirmation link in the email"
    return urlsplit(link.group(0)).path


def counted(petition: Petition) -> int:
    petition.refresh_from_db()
    return petition.count


def count_tasks():
    return DBTaskResult.objects.filter(task_path=action_tasks.count_action.module_path)


def signed(client, petition, email="john@example.org", *, remote_addr="192.0.2.1") -> Signature:
    before = set(Signature.objects.values_list("pk", flat=True))
    response = client.post(
        petition.get_absolute_url(), sign_data(email=email), REMOTE_ADDR=remote_addr
    )
    assert response.status_code == 302
    [signature] = Signature.objects.exclude(pk__in=before)
    return signature


def aged_token(signature: Signature, *, age: int) -> str:
    """A confirmation token as it would have been issued ``age`` seconds ago."""

    class SignerInThePast(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - age)

    return SignerInThePast(salt=services.CONFIRM_TOKEN_SALT).sign(signature.uuid.hex)


def confirm_url(token: str) -> str:
    return reverse("signature-confirm", args=[token])


@pytest.fixture(autouse=True)
def _mail(smtp_server):
    """Whatever the worker sends here goes over SMTP to a local server, not to files."""
    return smtp_server


# --- The link ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_replayed_link_is_refused_with_409_and_counted_once(client, petition, tasks):
    """Following the link a second time says it was already used (409); still counted once."""
    signature = signed(client, petition)
    url = confirm_url(services.confirmation_token(signature))
    assert client.post(url).status_code == 200
    tasks.run(include_deferred=True)

    for _ in range(3):
        again = client.post(url)
        assert again.status_code == 409
        assert "This link has already been used." in again.content.decode()
    assert count_tasks().filter(status="READY").count() == 0
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    signature.refresh_from_db()
    assert signature.state == Signature.State.VALIDATED


def tampered(token: str) -> str:
    value, _, mac = token.rpartition(":")
    return f"{value}:{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"


FORGERIES = {
    "altered signature": lambda s: tampered(services.confirmation_token(s)),
    "altered uuid": lambda s: services.confirmation_token(s).replace(s.uuid.hex[:4], "0000", 1),
    "another salt": lambda s: signing.TimestampSigner(salt="other").sign(s.uuid.hex),
    "another key": lambda s: signing.TimestampSigner(
        key="not-our-key", salt=services.CONFIRM_TOKEN_SALT
    ).sign(s.uuid.hex),
    "no timestamp": lambda s: signing.Signer(salt=services.CONFIRM_TOKEN_SALT).sign(s.uuid.hex),
    "not a uuid": lambda s: signing.TimestampSigner(salt=services.CONFIRM_TOKEN_SALT).sign("x"),
    "garbage": lambda s: "garbage",
    "uuid only": lambda s: s.uuid.hex,
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("forge", FORGERIES.values(), ids=FORGERIES.keys())
def test_forged_link_confirms_nothing(client, petition, tasks, forge):
    """A link we did not issue is refused (404, with an explanation) and confirms nothing."""
    signature = signed(client, petition)
    response = client.post(confirm_url(forge(signature)))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == Signature.State.PENDING
    assert signature.validated_at is None
    assert not count_tasks().exists()
    tasks.run(include_deferred=True)
    assert counted(petition) == 0


@pytest.mark.django_db(transaction=True)
def test_genuine_link_to_a_signature_that_does_not_exist_is_not_found(client, petition):
    """A correctly signed link naming no signature is refused with 404."""
    token = signing.TimestampSigner(salt=services.CONFIRM_TOKEN_SALT).sign(uuid.uuid4().hex)
    assert client.post(confirm_url(token)).status_code == 404
    assert not count_tasks().exists()


@pytest.mark.django_db(transaction=True)
def test_expired_link_is_refused_with_410_and_confirms_nothing(client, petition, tasks, settings):
    """A link older than SIGNATURE_CONFIRMATION_MAX_AGE is refused (410, asking to sign
    again) and confirms nothing; one just younger still works."""
    signature = signed(client, petition)
    max_age = settings.SIGNATURE_CONFIRMATION_MAX_AGE

    response = client.post(confirm_url(aged_token(signature, age=max_age + 60)))
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    signature.refresh_from_db()
    assert signature.state == Signature.State.PENDING
    tasks.run(include_deferred=True)
    assert counted(petition) == 0

    assert client.post(confirm_url(aged_token(signature, age=max_age - 60))).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


@pytest.mark.django_db(transaction=True)
def test_confirmation_max_age_comes_from_settings(client, petition, settings):
    """Shortening SIGNATURE_CONFIRMATION_MAX_AGE expires links issued before the new limit."""
    signature = signed(client, petition)
    token = aged_token(signature, age=3600)
    settings.SIGNATURE_CONFIRMATION_MAX_AGE = 1800
    assert client.post(confirm_url(token)).status_code == 410
    settings.SIGNATURE_CONFIRMATION_MAX_AGE = 7200
    assert client.post(confirm_url(token)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_invalidated_signature_cannot_be_confirmed(client, petition, tasks):
    """A signature staff invalidated stays invalidated when its link is followed."""
    signature = signed(client, petition)
    Signature.objects.filter(pk=signature.pk).update(state=Signature.State.INVALIDATED)
    assert client.post(confirm_url(services.confirmation_token(signature))).status_code == 404
    tasks.run(include_deferred=True)
    signature.refresh_from_db()
    assert signature.state == Signature.State.INVALIDATED
    assert counted(petition) == 0


# --- The reminder -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_reminder_goes_out_when_still_unconfirmed_and_its_link_confirms(
    client, petition, smtp_server, tasks, settings
):
    """An unconfirmed signature gets exactly one reminder, SIGNATURE_REMINDER_AFTER after
    the confirmation went out, and the reminder's link confirms it."""
    settings.SIGNATURE_REMINDER_AFTER = 3 * 3600
    signature = signed(client, petition)
    tasks.run()
    assert [message_kind(m) for m in smtp_server.messages] == ["confirm"]

    signature.refresh_from_db()
    [reminder_task] = DBTaskResult.objects.filter(
        task_path=action_tasks.send_signature_reminder.module_path, status="READY"
    )
    delay = reminder_task.run_after - signature.confirmation_sent_at
    assert timedelta(hours=3) <= delay < timedelta(hours=3, minutes=1)
    tasks.run()  # not yet due
    assert [message_kind(m) for m in smtp_server.messages] == ["confirm"]

    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)
    [_, reminder] = smtp_server.messages_to("john@example.org")
    assert message_kind(reminder) == "reminder"
    assert reminder["Subject"] == (f"Reminder: your signature is not counted yet: {petition.title}")
    assert "only reminder" in reminder.get_body(("html",)).get_content()
    signature.refresh_from_db()
    assert signature.reminder_sent_at is not None

    assert client.post(confirm_path(reminder)).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    assert len(smtp_server.messages) == 2


@pytest.mark.django_db(transaction=True)
def test_confirmed_signature_gets_no_reminder(client, petition, smtp_server, tasks):
    """Once confirmed, a signature is never reminded."""
    signature = signed(client, petition)
    tasks.run()
    [confirmation] = smtp_server.messages
    assert client.post(confirm_path(confirmation)).status_code == 200

    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)

    assert [message_kind(m) for m in smtp_server.messages] == ["confirm"]
    signature.refresh_from_db()
    assert signature.reminder_sent_at is None
    assert counted(petition) == 1


@pytest.mark.django_db(transaction=True)
def test_reminder_task_run_twice_sends_one_reminder(client, petition, smtp_server, tasks):
    """Two workers running the reminder for one signature send it once."""
    signature = signed(client, petition)
    tasks.run()
    action_tasks.send_signature_reminder.enqueue(signature.pk)
    tasks.run(include_deferred=True)
    assert [message_kind(m) for m in smtp_server.messages] == ["confirm", "reminder"]


# --- Counting ---------------------------------------------------------------------------


def count_json(client, petition):
    response = client.get(f"/petitions/{petition.slug}/count.json")
    assert response.status_code == 200
    return response


def cache_directives(response) -> dict[str, str]:
    directives = {}
    for part in response["Cache-Control"].split(","):
        name, _, value = part.strip().partition("=")
        directives[name] = value
    return directives


@pytest.mark.django_db
def test_count_json_is_cacheable_by_anyone(client, petition, settings):
    """The count can be cached by browsers and shared caches, and served a little stale."""
    response = count_json(client, petition)
    directives = cache_directives(response)
    assert "public" in directives
    assert "private" not in directives and "no-store" not in directives
    assert get_max_age(response) == settings.COUNT_CACHE_MAX_AGE > 0
    assert int(directives["stale-while-revalidate"]) > 0
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response.headers
    assert response.json() == {"count": 0, "goal": petition.goal, "updated": None}


@pytest.mark.django_db(transaction=True)
def test_count_json_shows_the_batched_count(client, petition, smtp_server, tasks):
    """Confirmations reach the public count in one batched update, not one per request."""
    signatures = [
        signed(client, petition, f"s{n}@example.org", remote_addr=f"192.0.2.{n + 1}")
        for n in range(3)
    ]
    for signature in signatures:
        token = services.confirmation_token(signature)
        assert client.post(confirm_url(token)).status_code == 200
    assert count_json(client, petition).json()["count"] == 0  # not yet folded in
    assert count_tasks().count() == 1  # one batched count for three confirmations

    tasks.run(include_deferred=True)

    data = count_json(client, petition).json()
    assert data["count"] == 3
    assert data["updated"] is not None
    assert Signature.objects.filter(counted=True).count() == 3


@pytest.mark.django_db(transaction=True)
def test_recount_reconciles_a_wrong_count(client, petition, tasks, settings):
    """A recount sets the count from the signatures themselves, whatever it said before."""
    # The wrong count below is written behind the services' back; with the public cache on,
    # the count JSON would show it only once the cached count expires.
    settings.PUBLIC_CACHE_SECONDS = 0
    for n in range(3):
        signature = signed(client, petition, f"r{n}@example.org", remote_addr=f"192.0.2.{n + 1}")
        if n < 2:
            assert (
                client.post(confirm_url(services.confirmation_token(signature))).status_code == 200
            )
    tasks.run(include_deferred=True)
    assert count_json(client, petition).json()["count"] == 2

    Petition.objects.filter(pk=petition.pk).update(count=999)
    assert count_json(client, petition).json()["count"] == 999

    assert services.petition_recount(petition=petition) == 2
    assert count_json(client, petition).json()["count"] == 2
    assert petition.count == 2

    # A recount also repairs the per-signature flags, so later batches stay exact.
    Signature.objects.update(counted=False)
    Petition.objects.filter(pk=petition.pk).update(count=0)
    assert services.petition_recount(petition=petition) == 2
    other = signed(client, petition, "late@example.org", remote_addr="192.0.2.99")
    assert client.post(confirm_url(services.confirmation_token(other))).status_code == 200
    tasks.run(include_deferred=True)
    assert count_json(client, petition).json()["count"] == 3


@pytest.mark.django_db
def test_recount_leaves_other_petitions_alone():
    """Recounting one petition does not touch another's count."""
    petition, other = PetitionFactory(), PetitionFactory()
    Petition.objects.filter(pk=other.pk).update(count=5, counted_at=timezone.now())
    assert services.petition_recount(petition=petition) == 0
    assert counted(other) == 5
