"""Delivery packages: what the PDF and CSV say, who may read them, and their digests."""

import csv
import hashlib
import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from outcry.actions.services import offline_signatures_add
from outcry.core.models import AuditEvent
from outcry.deliveries import services
from outcry.deliveries.models import DeliveryPackage
from outcry.targets.services import tenure_begin
from tests import actors
from tests.deliveries.conftest import pdf_text
from tests.factories import TargetFactory

pytestmark = pytest.mark.django_db(transaction=True)


def make_package(action, *, tasks, language="en", actor=None) -> DeliveryPackage:
    package = services.package_request(
        action=action, language=language, page_size="A4", actor=actor
    )
    tasks.run()
    package.refresh_from_db()
    assert package.status == DeliveryPackage.Status.READY, package.error
    return package


def read(field) -> bytes:
    with field.open("rb") as f:
        return f.read()


def test_package_pdf_has_address_totals_countries_and_only_consenting_names(
    chechnya_petition, tasks
):
    """The PDF opens with a cover letter to the office holder at the office's address, gives
    the action's text, the total, the counts by country, and names only the supporters who
    agreed to be named, with city and country."""
    package = make_package(chechnya_petition, tasks=tasks)
    text = pdf_text(read(package.pdf))

    for line in [
        "Prosecutor General Yury Chaika",
        "Prosecutor General of the Russian Federation",
        "ul. Bolshaya Dmitrovka, 15a",
        "125993 Moscow GSP-3",
        "Russian Federation",
        "Dear Prosecutor General,",
        "Open an effective, impartial investigation into the abductions.",
        "UA 80/17",
    ]:
        assert line in text, line
    assert re.search(r"Total\s+6\b", text)
    assert re.search(r"France\s+3\b", text)
    assert re.search(r"Russian Federation\s+2\b", text)
    assert re.search(r"Canada\s+1\b", text)
    assert "Anne Martin Lyon France" in text
    assert "Иван Петров Казань Russian Federation" in text
    for secret in ["Secret", "Grozny", "Hidden", "Paris", "Quiet", "Nice"]:
        assert secret not in text
    assert "3 more people who did not ask to be named" in text
    assert (package.total, package.named, package.countries) == (6, 3, 3)


def test_cover_prints_the_csv_digest_and_both_digests_are_stored(chechnya_petition, tasks):
    """The CSV's SHA-256 is printed on the PDF's cover; the stored digests are those of the
    stored files."""
    package = make_package(chechnya_petition, tasks=tasks)
    pdf, listing = read(package.pdf), read(package.csv)
    assert package.csv_sha256 == hashlib.sha256(listing).hexdigest()
    assert package.pdf_sha256 == hashlib.sha256(pdf).hexdigest()
    cover = pdf_text(pdf).split("\n")
    assert package.csv_sha256 in "".join(cover).replace(" ", "")


def test_csv_counts_sum_to_the_total_and_names_cannot_run_as_formulas(chechnya_petition, tasks):
    """The CSV lists the named supporters (count 1 each), then those not named per country,
    then paper signatures: its count column adds up to the total."""
    offline_signatures_add(
        petition=chechnya_petition, count=250, source="Paris stall, 8 March", country="FR"
    )
    package = make_package(chechnya_petition, tasks=tasks)
    rows = list(csv.DictReader(io.StringIO(read(package.csv).decode())))
    assert sum(int(row["count"]) for row in rows) == package.total == 256
    named = rows[:3]
    assert [row["name"] for row in named] == ["Anne Martin", "Иван Петров", "'=cmd Evil"]
    assert {"Secret Person", "Hidden Name"}.isdisjoint(row["name"] for row in rows)
    not_named = [(row["name"], row["country_code"], row["count"]) for row in rows[3:5]]
    assert not_named == [("(not named)", "FR", "2"), ("(not named)", "RU", "1")]
    text = pdf_text(read(package.pdf))
    assert re.search(r"France\s+253\b", text)
    assert "=cmd Evil Ottawa Canada" in text and "'=cmd" not in text
    assert "Paris stall, 8 March" in text


def test_french_package_addresses_the_holder_in_french(chechnya_petition, tasks):
    package = make_package(chechnya_petition, tasks=tasks, language="fr")
    text = pdf_text(read(package.pdf))
    assert "Monsieur le Procureur général," in text
    assert "Procureur général de la Fédération de Russie" in text
    assert "Fédération de Russie" in text


def test_package_goes_to_whoever_holds_the_office_when_it_is_made(chechnya_petition, tasks):
    """After a new Prosecutor General takes office, the next package is addressed to him;
    the earlier package still names his predecessor."""
    before = make_package(chechnya_petition, tasks=tasks)
    krasnov = TargetFactory(name="Igor Krasnov", honorific="Prosecutor General")
    tenure_begin(office=chechnya_petition.office, target=krasnov, started_on=date(2020, 1, 22))
    after = make_package(chechnya_petition, tasks=tasks)
    assert "Igor Krasnov" in pdf_text(read(after.pdf))
    assert "Yury Chaika" not in pdf_text(read(after.pdf))
    assert "Yury Chaika" in pdf_text(read(before.pdf))


def test_generation_runs_once(chechnya_petition, tasks):
    package = make_package(chechnya_petition, tasks=tasks)
    assert services.package_generate(package_id=package.pk) == "skipped"
    package.refresh_from_db()
    assert package.pdf_sha256 == hashlib.sha256(read(package.pdf)).hexdigest()


def test_files_are_kept_outside_public_media(chechnya_petition, tasks):
    package = make_package(chechnya_petition, tasks=tasks)
    path = Path(package.pdf.path).resolve()
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())


def test_campaigner_generates_and_downloads_a_package_and_each_download_is_audited(
    client, chechnya_petition, tasks
):
    """Carla (campaigner) asks for the package in the admin; the worker makes it; her
    download of the PDF is recorded in the audit log as a read of personal data."""
    carla = actors.logged_in(client, actors.campaigner())
    add_url = reverse("admin:deliveries_deliverypackage_add")
    form = client.get(add_url)
    assert form.status_code == 200
    key = next(
        value
        for value, label in form.context["form"].fields["action"].choices
        if chechnya_petition.title in label
    )
    response = client.post(add_url, {"action": key, "language": "en", "page_size": "A4"})
    assert response.status_code == 302
    package = DeliveryPackage.objects.get()
    assert package.requested_by == carla
    tasks.run()
    package.refresh_from_db()

    page = client.get(reverse("admin:deliveries_deliverypackage_change", args=[package.pk]))
    assert package.pdf_sha256 in page.content.decode()
    download = client.get(
        reverse("admin:deliveries_deliverypackage_download", args=[package.pk, "pdf"])
    )
    assert download.status_code == 200
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == (package.pdf_sha256)
    reads = AuditEvent.objects.filter(
        actor=carla, event="deliveries.deliverypackage.downloaded", object_id=str(package.pk)
    )
    assert reads.count() == 1
    assert AuditEvent.objects.filter(
        actor=carla, event="deliveries.deliverypackage.exported", object_id=str(package.pk)
    ).exists()


def test_staff_without_the_permission_cannot_generate_or_download(client, chechnya_petition, tasks):
    package = make_package(chechnya_petition, tasks=tasks)
    actors.logged_in(client, actors.moderator())
    assert client.get(reverse("admin:deliveries_deliverypackage_add")).status_code == 403
    url = reverse("admin:deliveries_deliverypackage_download", args=[package.pk, "csv"])
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(event="deliveries.deliverypackage.downloaded").exists()


def test_a_failed_generation_is_marked_with_its_reason(chechnya_petition):
    """When the action is gone before the worker runs, staff see why the package failed."""
    package = services.package_request(
        action=chechnya_petition, language="en", page_size="A4", actor=None
    )
    chechnya_petition.delete()
    with pytest.raises(ValueError, match="no longer exists"):
        services.package_generate(package_id=package.pk)
    package.refresh_from_db()
    assert package.status == DeliveryPackage.Status.FAILED
    assert "no longer exists" in package.error
    assert not package.pdf and not package.pdf_sha256
