"""Retention: a set time after a petition closes (per petition, or the site default), its
signers who did not ask to hear more are anonymised; those who did are kept; counts stay;
it runs once per petition, from a command or the periodic task."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from outcry.actions.models import Call, Petition, Signature
from outcry.core.models import AuditEvent
from outcry.subscriptions.retention import (
    petitions_due,
    retention_apply,
    retention_run_all,
    unconfirmed_subscribers_purge,
)
from outcry.subscriptions.tasks import apply_retention
from outcry.subscriptions.tokens import confirmation_max_age
from outcry.supporters.models import Supporter, Suppression
from tests.conftest import sign_data
from tests.factories import PetitionFactory
from tests.subscriptions.conftest import confirm_link, subscribe_data
from tests.test_privacy import confirm_link as signature_confirm_link

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _default_period(settings):
    settings.RETENTION_DAYS_AFTER_CLOSE = 180


def sign_and_confirm(client, smtp_server, tasks, petition, **fields) -> None:
    before = len(smtp_server.messages)
    client.post(petition.get_absolute_url(), sign_data(**fields))
    tasks.run()
    for message in smtp_server.messages[before:]:
        assert client.post(signature_confirm_link(message)).status_code == 200


def close(petition: Petition, *, days_ago: int) -> None:
    Petition.objects.filter(pk=petition.pk).update(
        status=Petition.Status.CLOSED, closes_at=timezone.now() - timedelta(days=days_ago)
    )
    petition.refresh_from_db()


def test_signers_who_did_not_opt_in_are_anonymised_after_the_period(client, smtp_server, tasks):
    """Quiet signed only; Keen ticked "keep me informed"; Sub subscribed to a country;
    Busy also signed a petition still open. 181 days after closing, only Quiet is
    anonymised (no suppression: she asked for nothing to stop); the count stays."""
    petition, still_open = PetitionFactory(), PetitionFactory()
    sign_and_confirm(client, smtp_server, tasks, petition, email="quiet@example.org")
    sign_and_confirm(
        client, smtp_server, tasks, petition, email="keen@example.org", keep_informed="on"
    )
    sign_and_confirm(client, smtp_server, tasks, petition, email="sub@example.org")
    sign_and_confirm(client, smtp_server, tasks, petition, email="busy@example.org")
    sign_and_confirm(client, smtp_server, tasks, still_open, email="busy@example.org")
    before = len(smtp_server.messages)
    client.post("/en/subscribe/countries/ru/", subscribe_data(email="sub@example.org"))
    tasks.run(include_deferred=True)
    client.post(confirm_link(smtp_server.messages[before]))
    petition.refresh_from_db()
    assert petition.count == 4

    close(petition, days_ago=179)
    assert retention_apply() == {}
    assert not Supporter.objects.filter(erased_at__isnull=False).exists()

    close(petition, days_ago=181)
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert f"{petition.slug}: 1 supporter(s) would be anonymised" in out.getvalue()
    assert not Supporter.objects.filter(erased_at__isnull=False).exists()

    assert retention_apply() == {petition.slug: 1}
    (erased,) = Supporter.objects.filter(erased_at__isnull=False)
    assert erased.personal_data == ""
    assert Signature.objects.get(supporter=erased).country.code == "CA"
    assert Supporter.objects.filter(erased_at__isnull=True).count() == 3
    assert not Suppression.objects.exists()
    petition.refresh_from_db()
    assert petition.count == 4 and petition.anonymised_at is not None
    assert (
        AuditEvent.objects.filter(
            object_id=str(petition.pk), event="actions.petition.anonymised"
        ).count()
        == 1
    )
    # Done once: a second run finds nothing due.
    assert retention_apply() == {}


def test_a_petition_can_keep_its_signers_longer_or_shorter(client, smtp_server, tasks):
    short = PetitionFactory(retention_days=30)
    long = PetitionFactory(retention_days=365)
    sign_and_confirm(client, smtp_server, tasks, short, email="a@example.org")
    sign_and_confirm(client, smtp_server, tasks, long, email="b@example.org")
    close(short, days_ago=31)
    close(long, days_ago=200)
    assert [p.slug for p in petitions_due()] == [short.slug]
    apply_retention.enqueue()
    tasks.run()
    assert Supporter.objects.filter(erased_at__isnull=False).count() == 1
    assert Supporter.objects.get(erased_at__isnull=True).signatures.get().petition == long


def test_closing_a_petition_in_the_admin_records_when(admin_client):
    """Retention counts from the closing date: closing by status sets it."""
    petition = PetitionFactory()
    page = admin_client.get(f"/admin/actions/petition/{petition.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "closes_at"}
    data.update(
        status="closed",
        case=petition.case_id,
        office=petition.office_id or "",
        retention_days="",
    )
    # The inline of paper signatures, left empty.
    data.update({"offline_signatures-TOTAL_FORMS": "0", "offline_signatures-INITIAL_FORMS": "0"})
    admin_client.post(f"/admin/actions/petition/{petition.pk}/change/", data)
    petition.refresh_from_db()
    assert petition.status == "closed"
    assert petition.closes_at is not None


def test_daily_retention_runs_now_and_queues_exactly_one_next_run(tasks):
    """`apply_retention --daily` runs in the worker and queues tomorrow's run; starting
    it twice still leaves one run queued for tomorrow."""
    from django_tasks_db.models import DBTaskResult

    call_command("apply_retention", "--daily", stdout=io.StringIO())
    call_command("apply_retention", "--daily", stdout=io.StringIO())
    tasks.run()
    pending = DBTaskResult.objects.filter(status="READY")
    assert pending.count() == 1
    assert pending.get().run_after > timezone.now() + timedelta(hours=23)


def test_never_confirmed_subscribers_are_erased_once_their_link_is_long_dead(
    client, smtp_server, tasks
):
    """Someone typed Olga's address and nobody followed the link: after the link's
    lifetime (and a day), the pending request and the sealed address go, with no
    suppression (Olga may subscribe herself later). Confirmed Nadia and a signer stay."""
    client.post("/en/subscribe/countries/ru/", subscribe_data(email="olga@example.org"))
    client.post("/en/subscribe/countries/ru/", subscribe_data(email="nadia@example.org"))
    tasks.run()
    client.post(confirm_link(smtp_server.messages_to("nadia@example.org")[0]))
    client.post(PetitionFactory().get_absolute_url(), sign_data(email="signer@example.org"))
    later = timezone.now() + timedelta(seconds=confirmation_max_age())

    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "0 never-confirmed subscriber(s) erased" in out.getvalue()

    Supporter.objects.update(created_at=later - timedelta(days=30))
    assert unconfirmed_subscribers_purge(now=later) == 1
    erased = Supporter.objects.get(erased_at__isnull=False)
    assert erased.personal_data == "" and not erased.subscriptions.exists()
    assert not Suppression.objects.exists()
    assert Supporter.objects.filter(erased_at__isnull=True).count() == 2


def test_a_signer_whose_call_report_is_on_an_open_action_is_kept(client, smtp_server, tasks):
    """Retention of a closed petition must not erase someone whose letter or call on an
    action still running is kept for its delivery to the target."""
    from tests.actions_outreach.factories import CallActionFactory

    petition, call_action = PetitionFactory(), CallActionFactory()
    sign_and_confirm(client, smtp_server, tasks, petition, email="caller@example.org")
    sign_and_confirm(client, smtp_server, tasks, petition, email="quiet@example.org")
    call_report = {
        "first_name": "Ada",
        "last_name": "Caller",
        "email": "caller@example.org",
        "country": "FR",
        "outcome": "voicemail",
    }
    assert client.post(f"/en/calls/{call_action.slug}/", call_report).status_code == 302
    tasks.run(include_deferred=True)

    close(petition, days_ago=181)
    assert retention_apply() == {petition.slug: 1}
    kept = Supporter.objects.get(erased_at__isnull=True)
    assert Call.objects.get(action=call_action).supporter == kept


def _call(client, action, email: str, **extra) -> None:
    data = {"first_name": "Ada", "last_name": "Caller", "email": email, "country": "FR"}
    data.update({"outcome": "voicemail", **extra})
    assert client.post(f"/en/calls/{action.slug}/", data).status_code == 302


def _write_letter(client, smtp_server, tasks, action, email: str) -> None:
    from tests.actions_outreach.conftest import confirm_path, letter_data

    before = len(smtp_server.messages)
    response = client.post(f"/en/letters/{action.slug}/", letter_data(email=email))
    assert response.status_code == 302
    tasks.run()
    [message] = smtp_server.messages[before:]
    assert client.post(confirm_path(message)).status_code == 200


def _close_action(action, *, days_ago: int) -> None:
    type(action).objects.filter(pk=action.pk).update(
        status="closed", closes_at=timezone.now() - timedelta(days=days_ago)
    )


def test_letter_writers_and_callers_who_signed_nothing_are_anonymised_too(
    client, smtp_server, tasks
):
    """A letter writer and two callers who never signed a petition: once their action has
    been closed for its period, the writer and the caller who only asked (never confirmed)
    to be kept informed are anonymised; the caller who confirmed it is kept. A call action
    may keep its callers for a shorter period of its own."""
    from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory

    letter_action = LetterActionFactory()
    call_action = CallActionFactory(retention_days=30)
    _write_letter(client, smtp_server, tasks, letter_action, "writer@example.org")
    _call(client, call_action, "unproven@example.org", keep_informed="on")
    _call(client, call_action, "proven@example.org", keep_informed="on")
    tasks.run(include_deferred=True)
    [link] = [m for m in smtp_server.messages_to("proven@example.org")]
    from tests.actions_outreach.test_calls import call_confirm_path
    from tests.conftest import press_confirm_button

    assert press_confirm_button(client, call_confirm_path(link)).status_code == 200

    _close_action(letter_action, days_ago=179)
    _close_action(call_action, days_ago=29)
    assert retention_apply() == {}

    _close_action(letter_action, days_ago=181)
    _close_action(call_action, days_ago=31)
    done = retention_apply()
    assert done == {f"letteraction:{letter_action.slug}": 1, f"callaction:{call_action.slug}": 1}
    kept = Supporter.objects.get(erased_at__isnull=True)
    assert Call.objects.get(supporter=kept).confirmed_at is not None
    assert Supporter.objects.filter(erased_at__isnull=False).count() == 2
    assert all(call.personal_data == "" for call in Call.objects.exclude(supporter=kept))


def test_signers_of_a_petition_that_never_closes_are_not_kept_forever(
    client, smtp_server, tasks, settings
):
    """A petition nobody closed counts, for retention, as closing RETENTION_MAX_OPEN_DAYS
    after it opened. Its early signers are then anonymised once their own period has passed;
    a signer of last week keeps theirs."""
    settings.RETENTION_MAX_OPEN_DAYS = 365
    petition = PetitionFactory(closes_at=None)
    sign_and_confirm(client, smtp_server, tasks, petition, email="early@example.org")
    sign_and_confirm(client, smtp_server, tasks, petition, email="late@example.org")
    long_ago = timezone.now() - timedelta(days=365 + 181)
    Petition.objects.filter(pk=petition.pk).update(created_at=long_ago)
    early = Signature.objects.order_by("pk").first()
    Signature.objects.filter(pk=early.pk).update(created_at=long_ago)
    tasks.run(include_deferred=True)

    assert retention_apply() == {petition.slug: 1}
    (erased,) = Supporter.objects.filter(erased_at__isnull=False)
    assert erased.pk == early.supporter_id
    petition.refresh_from_db()
    assert petition.count == 2


def test_the_daily_run_lets_comment_addresses_and_old_reports_go(tasks):
    """The daily run reaches the other apps' data too: RETENTION_DAYS_AFTER_CLOSE after
    posting, a comment keeps what its author published (name, text) but loses its sealed
    email and hashes; a report that old goes. A recent comment keeps everything."""
    from outcry.comments.models import Comment, CommentReport
    from tests.comments.factories import CommentFactory

    old = CommentFactory(email="old@example.org", ip_hash="a" * 32)
    recent = CommentFactory(email="new@example.org", ip_hash="b" * 32)
    CommentReport.objects.create(comment=old, ip_hash="c" * 32, reason="spam")
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=181))
    CommentReport.objects.update(created_at=timezone.now() - timedelta(days=181))

    apply_retention.enqueue()
    tasks.run()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.email_sealed, old.email_hash, old.ip_hash) == ("", "", "")
    assert old.author_name and old.body == "Sad world"
    assert recent.email_sealed and recent.email_hash and recent.ip_hash
    assert not CommentReport.objects.exists()


def test_the_daily_run_lets_old_address_proofs_and_stale_subscribe_forms_go(
    client, tasks, settings
):
    """A commenter's address proven longer ago than the retention period is forgotten (its
    owner proves it again next time); a subscribe form the worker never took is not kept
    past a day. Recent ones stay."""
    from outcry.comments.models import CommenterAddress
    from outcry.subscriptions.models import SubscriptionRequest

    CommenterAddress.objects.create(email_hash="o" * 64)
    CommenterAddress.objects.create(email_hash="n" * 64)
    CommenterAddress.objects.filter(email_hash="o" * 64).update(
        proven_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS_AFTER_CLOSE + 1)
    )
    client.post("/en/subscribe/countries/ru/", subscribe_data(email="lost@example.org"))
    client.post("/en/subscribe/countries/ru/", subscribe_data(email="fresh@example.org"))
    assert SubscriptionRequest.objects.count() == 2  # the worker has not run
    SubscriptionRequest.objects.filter(pk=SubscriptionRequest.objects.order_by("pk")[0].pk).update(
        created_at=timezone.now() - timedelta(days=1, minutes=1)
    )

    retention_run_all()

    assert list(CommenterAddress.objects.values_list("email_hash", flat=True)) == ["n" * 64]
    assert SubscriptionRequest.objects.count() == 1
