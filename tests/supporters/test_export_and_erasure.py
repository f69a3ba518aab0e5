"""A person's data, all of it and only theirs: the export gathers it from every app
through the registry; erasure removes it everywhere, keeps the anonymous counts, and
leaves only a keyed hash so the address is never mailed again."""

import json

import pytest
from django.urls import reverse

from outcry.actions.models import Signature
from outcry.comments.models import Comment
from outcry.core.crypto import email_hash, normalise_email
from outcry.core.models import AuditEvent
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import subscribers
from outcry.supporters.models import ConsentRecord, Supporter, Suppression
from outcry.supporters.selectors import mailable_supporters
from outcry.supporters.services import (
    supporter_erase,
    supporter_export,
    supporter_mark_undeliverable,
)
from tests import actors
from tests.conftest import sign_data
from tests.factories import PetitionFactory
from tests.subscriptions.conftest import subscribe_data
from tests.supporters.conftest import JOHN, NADIA
from tests.test_privacy import confirm_link as signature_confirm_link
from tests.test_privacy import database_dump, lines_containing
from tests.test_staff import SUPPORTER_LIST

pytestmark = pytest.mark.django_db(transaction=True)


def test_export_contains_all_of_one_persons_data_and_nobody_elses(world):
    john = JOHN.supporter
    data = supporter_export(supporter=john)
    text = json.dumps(data, ensure_ascii=False).lower()

    assert data["supporter"]["email"] == JOHN.email
    assert (data["supporter"]["first_name"], data["supporter"]["last_name"]) == (
        JOHN.first_name,
        JOHN.last_name,
    )
    (signature,) = data["actions"]
    assert signature["type"] == "signature" and signature["action"] == world.title
    assert signature["keep_informed"] is True and signature["state"] == "validated"
    assert signature["country"] == "CA"
    (comment,) = data["comments"]
    assert comment["comment"] == JOHN.comment and comment["email"] == JOHN.email
    # The signature's case (kept informed) and the Russian Federation.
    assert sorted(s["about"] for s in data["subscriptions"]) == sorted(
        [world.case.name, "Russian Federation"]
    )
    assert {c["purpose"] for c in data["consents"]} == {"keep_informed", "subscription"}
    assert all(c["wording"] for c in data["consents"])
    for needle in NADIA.needles():
        assert needle.lower() not in text, needle
    assert AuditEvent.objects.filter(
        event="supporters.supporter.exported", object_id=str(john.pk)
    ).exists()


def test_erasure_removes_personal_data_everywhere_but_keeps_counts_and_a_suppression(world, tasks):
    """After erasing John, no table holds his address (in any form), names, comment,
    address hash or IP hash; his signature still counts, with its country; Nadia is
    untouched; only the suppression entry knows his (keyed, hashed) address."""
    john = JOHN.supporter
    old_hash = john.email_hash
    old_ip_hash = Signature.objects.get(supporter=john).ip_hash
    supporter_erase(supporter=john)
    tasks.run(include_deferred=True)

    dump = database_dump().lower()
    for needle in [*JOHN.needles(), normalise_email(JOHN.email), old_ip_hash]:
        assert not lines_containing(dump, needle.lower()), needle
    assert [line.split(":")[0] for line in lines_containing(dump, old_hash)] == [
        "supporters_suppression"
    ]
    world.refresh_from_db()
    assert world.count == 2
    signature = Signature.objects.get(supporter=john)
    assert signature.counted and signature.country.code == "CA"
    assert signature.state == Signature.State.VALIDATED
    assert not ConsentRecord.objects.filter(supporter=john).exists()
    assert not Subscription.objects.filter(supporter=john).exists()
    assert Comment.objects.filter(body="").count() == 1
    john.refresh_from_db()
    assert john.erased_at is not None and john.personal_data == ""
    assert Suppression.objects.get(email_hash=old_hash).reason == "erased"

    nadia = NADIA.supporter
    assert nadia.personal_data and nadia.erased_at is None
    assert Comment.objects.filter(body=NADIA.comment).exists()
    assert list(subscribers(countries=["RU"])) == [nadia]
    assert AuditEvent.objects.filter(
        event="supporters.supporter.erased", object_id=str(john.pk)
    ).exists()


def test_an_erased_supporter_signing_up_again_is_never_mailed(client, world, smtp_server, tasks):
    """John, erased, subscribes again: nothing is stored or sent. He signs a new petition
    (a signature confirmation is not a mailing) and asks to be kept informed: he may
    confirm it, but no subscriber list or mailing audience ever includes him again."""
    supporter_erase(supporter=JOHN.supporter)
    response = client.post("/en/subscribe/countries/ru/", subscribe_data(email=JOHN.email))
    assert response["Location"] == "/en/subscribe/check-email/"
    tasks.run()
    assert smtp_server.messages == []
    assert not Supporter.objects.filter(email_hash=email_hash(JOHN.email)).exists()

    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(email=JOHN.email, keep_informed="on"))
    tasks.run()
    assert client.post(signature_confirm_link(smtp_server.messages[0])).status_code == 200
    again = Supporter.objects.get(email_hash=email_hash(JOHN.email))
    assert again.email_confirmed_at is not None
    assert again not in mailable_supporters()
    assert again not in subscribers(cases=[petition.case], countries=["RU"])


def test_bounces_and_complaints_exclude_an_address_for_good(world):
    john, nadia = JOHN.supporter, NADIA.supporter
    assert set(mailable_supporters()) == {john, nadia}
    supporter_mark_undeliverable(supporter=john, reason="550 no such user", kind="bounce")
    supporter_mark_undeliverable(supporter=john, reason="again", kind="bounce")
    supporter_mark_undeliverable(supporter=nadia, reason="abuse report", kind="complaint")
    assert list(mailable_supporters()) == []
    john.refresh_from_db()
    assert john.undeliverable_reason == "bounce: 550 no such user"
    assert sorted(Suppression.objects.values_list("reason", flat=True)) == [
        "bounce",
        "complaint",
    ]
    with pytest.raises(ValueError):
        supporter_mark_undeliverable(supporter=john, reason="?", kind="sneeze")


def test_staff_export_and_erase_from_the_admin_are_audited(client, world):
    """Dana (data protection) downloads John's data as JSON and, after a confirmation page,
    erases him; both are in the audit log under her name. Carla (campaigner) can do
    neither."""
    john = JOHN.supporter
    actors.logged_in(client, actors.campaigner())
    assert client.get(SUPPORTER_LIST).status_code == 403
    actors.logged_in(client, actors.data_protection_officer())
    selected = {"index": "0", "_selected_action": [john.pk]}
    response = client.post(SUPPORTER_LIST, {"action": "export_json", **selected})
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert data["supporter"]["email"] == JOHN.email
    assert AuditEvent.objects.get(
        event="supporters.supporter.exported", actor_username="dana-dpo"
    ).object_id == str(john.pk)

    confirm = client.post(SUPPORTER_LIST, {"action": "erase", **selected})
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert Supporter.objects.get(pk=john.pk).erased_at is None
    client.post(SUPPORTER_LIST, {"action": "erase", "confirm": "erase", **selected})
    assert Supporter.objects.get(pk=john.pk).erased_at is not None
    assert AuditEvent.objects.filter(
        event="supporters.supporter.erased", actor_username="dana-dpo", object_id=str(john.pk)
    ).exists()
    page = client.get(reverse("admin:supporters_supporter_change", args=[john.pk]))
    assert JOHN.first_name not in page.content.decode()


def test_erasing_someone_with_an_unconfirmed_signature_voids_it_and_mails_nothing(
    client, smtp_server, tasks
):
    """Erased before confirming: the signature is voided (never counted), its pending
    reminder sends nothing, and the old confirmation link no longer confirms anything."""
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(email="late@example.org"))
    tasks.run()
    (confirmation,) = smtp_server.messages
    supporter_erase(supporter=Supporter.objects.get())
    tasks.run(include_deferred=True)
    assert len(smtp_server.messages) == 1
    assert Signature.objects.get().state == Signature.State.INVALIDATED
    assert client.post(signature_confirm_link(confirmation)).status_code == 404
    petition.refresh_from_db()
    assert petition.count == 0
