"""Package files name supporters: only the service's user can read them, they go after
delivery, and an erasure reaches the packages that hold the erased person."""

import os
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from outcry.actions.models import Signature
from outcry.core.crypto import unseal
from outcry.deliveries import services
from outcry.deliveries.models import DeliveryPackage
from outcry.supporters.services import supporter_erase

pytestmark = pytest.mark.django_db(transaction=True)


def make_package(action, *, tasks) -> DeliveryPackage:
    package = services.package_request(action=action, language="en", page_size="A4", actor=None)
    tasks.run()
    package.refresh_from_db()
    assert package.status == DeliveryPackage.Status.READY, package.error
    return package


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def read_csv(package: DeliveryPackage) -> str:
    with package.csv.open("rb") as f:
        return f.read().decode()


def deliver(package: DeliveryPackage, *, on: date):
    return services.delivery_record(
        package=package, delivered_on=on, method="post", delivered_by="Team", actor=None
    )


def test_package_files_are_readable_by_the_service_user_only(chechnya_petition, tasks):
    """The PDF and CSV (they name supporters) are written 0600 in a 0700 folder, whatever
    the process's umask: another account on the host cannot read them."""
    previous = os.umask(0o022)
    try:
        package = make_package(chechnya_petition, tasks=tasks)
    finally:
        os.umask(previous)
    for field in (package.pdf, package.csv):
        assert mode(field.path) == 0o600, field.name
        assert mode(Path(field.path).parent) == 0o700


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL keeps its files in its own data folder"
)
def test_the_sqlite_database_file_is_readable_by_the_service_user_only():
    """The database holds sealed data and hashes of addresses: its file (and its WAL) are
    0600, not the umask's 0644."""
    connection.ensure_connection()
    path = connection.settings_dict["NAME"]
    assert mode(path) == 0o600
    if os.path.exists(f"{path}-wal"):
        assert mode(f"{path}-wal") == 0o600


def test_package_files_are_deleted_after_the_expiry_but_the_digest_still_verifies(
    client, chechnya_petition, tasks, settings
):
    """DELIVERY_PACKAGE_EXPIRY_DAYS after delivery the files go (the names with them); the
    record and its SHA-256 stay, so the verify page still recognises the target's copy.
    A package not yet that old keeps its files."""
    settings.DELIVERY_PACKAGE_EXPIRY_DAYS = 30
    old = make_package(chechnya_petition, tasks=tasks)
    recent = make_package(chechnya_petition, tasks=tasks)
    undelivered = make_package(chechnya_petition, tasks=tasks)
    today = timezone.localdate()
    deliver(old, on=today - timedelta(days=31))
    deliver(recent, on=today - timedelta(days=29))
    old_paths = [old.pdf.path, old.csv.path]

    assert services.packages_expire() == 1
    assert services.packages_expire() == 0  # idempotent

    for path in old_paths:
        assert not os.path.exists(path)
    old.refresh_from_db()
    assert old.files_deleted_at is not None and not old.pdf and not old.csv
    for package in (recent, undelivered):
        package.refresh_from_db()
        assert os.path.exists(package.pdf.path) and package.files_deleted_at is None

    page = client.get(reverse("delivery-verify"), {"digest": old.pdf_sha256}).content.decode()
    assert "This is one of our delivery packages." in page


def _named_signer(petition, first_name: str):
    for signature in Signature.objects.filter(petition=petition, named_to_target=True):
        if unseal(signature.supporter.personal_data)["first_name"] == first_name:
            return signature.supporter
    raise AssertionError(first_name)


def test_erasure_regenerates_undelivered_packages_and_is_noted_on_delivered_ones(
    chechnya_petition, tasks
):
    """Erasing a named signer: a package not yet delivered is made again without them (its
    old files gone); a delivered one cannot be recalled, so it records one erasure after
    delivery, and nothing about who."""
    delivered = make_package(chechnya_petition, tasks=tasks)
    deliver(delivered, on=timezone.localdate())
    waiting = make_package(chechnya_petition, tasks=tasks)
    assert "Anne" in read_csv(waiting)
    old_csv_path = waiting.csv.path

    supporter_erase(supporter=_named_signer(chechnya_petition, "Anne"))
    tasks.run()

    waiting.refresh_from_db()
    assert waiting.status == DeliveryPackage.Status.READY, waiting.error
    assert not os.path.exists(old_csv_path)
    listing = read_csv(waiting)
    assert "Anne" not in listing and "Martin" not in listing
    assert "Иван" in listing  # the others are still named
    assert waiting.named == 2 and waiting.total == 6
    assert waiting.erasures_after_delivery == 0

    delivered.refresh_from_db()
    assert delivered.erasures_after_delivery == 1
    assert "Anne" in read_csv(delivered)  # what the target holds, until the files expire
