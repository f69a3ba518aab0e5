"""Recording a delivery and the target's reply; checking a package by digest or file."""

import hashlib
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outcry.cases.models import CaseUpdate
from outcry.deliveries import services
from outcry.deliveries.models import Delivery, DeliveryPackage
from outcry.targets.services import tenure_begin
from tests import actors
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def package(chechnya_petition, tasks) -> DeliveryPackage:
    package = services.package_request(
        action=chechnya_petition, language="en", page_size="A4", actor=None
    )
    tasks.run()
    package.refresh_from_db()
    return package


def read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def admin_post(client, url: str, data: dict):
    response = client.post(url, data)
    if response.status_code != 302:
        form = response.context["adminform"].form if response.context else None
        pytest.fail(f"{url} refused the form: {form.errors if form else response.status_code}")
    return response


def test_campaigner_records_a_delivery_and_it_shows_on_the_case_timeline(client, package):
    """Carla records that the petition was handed in; the public case page tells it (with
    the office and the total, not who carried it), in English and in French."""
    actors.logged_in(client, actors.campaigner())
    admin_post(
        client,
        reverse("admin:deliveries_delivery_add"),
        {
            "package": str(package.pk),
            "delivered_on": "2017-05-11",
            "method": Delivery.Method.IN_PERSON,
            "delivered_by": "Dmitry S., Moscow office",
            "recipient": "",
            "notes": "Handed to the duty officer.",
        },
    )
    delivery = Delivery.objects.get()
    assert delivery.recipient == (
        "Prosecutor General Yury Chaika, Prosecutor General of the Russian Federation"
    )
    assert delivery.recorded_by.username == "carla-campaigner"
    case = package.action.case
    english = client.get(f"/en/cases/{case.slug}/").content.decode()
    assert "delivered to Prosecutor General of the Russian Federation: 6 supporters" in english
    assert "Dmitry" not in english
    french = client.get(f"/fr/cases/{case.slug}/").content.decode()
    assert "Procureur général de la Fédération de Russie" in french


def test_the_reply_is_recorded_later_and_told_on_the_timeline_only_if_public(client, package):
    delivery = services.delivery_record(
        package=package,
        delivered_on=date(2017, 5, 11),
        method=Delivery.Method.POST,
        delivered_by="Post room",
        actor=None,
    )
    actors.logged_in(client, actors.campaigner())
    url = reverse("admin:deliveries_delivery_change", args=[delivery.pk])
    admin_post(
        client,
        url,
        {
            "outcome": Delivery.Outcome.REPLIED,
            "reply_received_on": "2017-06-02",
            "reply": "An inquiry has been opened (ref. 12-345).",
            "reply_public": "",
        },
    )
    delivery.refresh_from_db()
    assert delivery.outcome == Delivery.Outcome.REPLIED
    update = delivery.outcome_update
    assert update.date == date(2017, 6, 2)
    assert update.title == "Prosecutor General of the Russian Federation: Replied"
    assert update.body == ""
    admin_post(
        client,
        url,
        {
            "outcome": Delivery.Outcome.ACTION_TAKEN,
            "reply_received_on": "2017-06-02",
            "reply": "An inquiry has been opened (ref. 12-345).",
            "reply_public": "on",
        },
    )
    delivery.refresh_from_db()
    assert delivery.outcome_update.body == "An inquiry has been opened (ref. 12-345)."
    assert CaseUpdate.objects.filter(case=package.action.case).count() == 3


def test_recipient_is_whoever_held_the_office_on_the_delivery_date(package):
    """Tenure history: a delivery dated before the new holder took office went to the old
    one, one dated after went to the new one."""
    krasnov = TargetFactory(name="Igor Krasnov", honorific="Prosecutor General")
    tenure_begin(office=package.office, target=krasnov, started_on=date(2020, 1, 22))
    old = services.delivery_record(
        package=package, delivered_on=date(2017, 5, 11), method="post", delivered_by="x", actor=None
    )
    new = services.delivery_record(
        package=package, delivered_on=date(2020, 2, 1), method="post", delivered_by="x", actor=None
    )
    assert "Yury Chaika" in old.recipient
    assert "Igor Krasnov" in new.recipient


def test_a_reply_before_the_delivery_is_refused(package):
    delivery = services.delivery_record(
        package=package, delivered_on=date(2017, 5, 11), method="post", delivered_by="x", actor=None
    )
    with pytest.raises(Exception, match="before the delivery"):
        services.delivery_record_outcome(
            delivery=delivery,
            outcome=Delivery.Outcome.REPLIED,
            reply_received_on=date(2017, 5, 1),
            actor=None,
        )


def test_anyone_can_check_a_package_by_digest_or_file(client, package):
    """The verify page (public, no login) recognises the PDF's digest, the CSV file itself,
    and says plainly when a file was changed."""
    url = reverse("delivery-verify")
    by_digest = client.get(url, {"digest": package.pdf_sha256.upper()})
    assert by_digest.status_code == 200
    page = by_digest.content.decode()
    assert "This is one of our delivery packages." in page
    assert package.reference in page and "Investigate the abduction" in page

    listing = read(package.csv)
    by_file = client.post(url, {"file": SimpleUploadedFile("list.csv", listing)})
    assert "This is one of our delivery packages." in by_file.content.decode()
    assert "CSV" in by_file.content.decode()

    changed = client.post(url, {"file": SimpleUploadedFile("list.csv", listing + b"x,y\n")})
    text = changed.content.decode()
    assert "No delivery package of ours has this digest." in text
    assert hashlib.sha256(listing + b"x,y\n").hexdigest() in text


def test_an_upload_declared_too_large_is_refused_before_it_is_read(client, db, settings):
    """Anonymous uploads must not fill the server's disk: a body declared larger than the
    limit is refused (413, not the form's 400) with a plain message, before it is parsed."""
    settings.DELIVERY_VERIFY_MAX_UPLOAD = 1024
    big = SimpleUploadedFile("package.pdf", b"x" * 200 * 1024)
    response = client.post(reverse("delivery-verify"), {"file": big})
    assert response.status_code == 413
    assert "too large to check here" in response.content.decode()


def test_a_malformed_digest_gets_a_clear_error(client, db):
    response = client.get(reverse("delivery-verify"), {"digest": "not-a-digest"})
    assert response.status_code == 400
    assert "A SHA-256 digest is 64 characters" in response.content.decode()


def test_a_package_being_generated_cannot_be_delivered(chechnya_petition):
    package = services.package_request(
        action=chechnya_petition, language="en", page_size="A4", actor=None
    )
    with pytest.raises(services.PackageNotReady):
        services.delivery_record(
            package=package,
            delivered_on=date(2017, 5, 11),
            method="post",
            delivered_by="x",
            actor=None,
        )


def test_timeline_entry_uses_the_action_title_in_each_language(package):
    petition = package.action
    petition.title_fr = "Enquêtez sur les enlèvements en Tchétchénie"
    petition.save()
    delivery = services.delivery_record(
        package=package, delivered_on=date(2017, 5, 11), method="fax", delivered_by="x", actor=None
    )
    update = delivery.timeline_update
    assert update.title_en.startswith("“Investigate the abduction")
    assert update.title_fr.startswith("« Enquêtez sur les enlèvements en Tchétchénie »")
    assert "Procureur" not in update.title_en and "Fédération de Russie" in update.title_fr
    assert update.body_fr.endswith("(fax).")
