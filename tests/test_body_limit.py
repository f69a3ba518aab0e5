"""No public POST can make the server write a large body to disk: it is refused unread."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from tests.conftest import sign_data

SPOOLED: list[str] = []


class RecordingUploadHandler(TemporaryFileUploadHandler):
    """Django's own handler that spools file parts to disk, noting each file it starts."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        SPOOLED.append(self.file.temporary_file_path())


@pytest.fixture
def spooled(settings, tmp_path):
    """The files Django spooled to FILE_UPLOAD_TEMP_DIR while these requests were parsed."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_HANDLERS = ["tests.test_body_limit.RecordingUploadHandler"]
    SPOOLED.clear()
    yield SPOOLED
    SPOOLED.clear()


def big_file(size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.bin", b"x" * size, content_type="application/octet-stream")


@pytest.mark.django_db
def test_a_large_upload_to_a_public_form_is_refused_before_anything_is_spooled(
    petition, spooled, tmp_path
):
    """A 3 MB multipart POST to the signing page (with the CSRF check on, which parses the
    body) gets a plain 413 and nothing is written to the temporary directory."""
    client = Client(enforce_csrf_checks=True)
    data = {**sign_data(), "attachment": big_file(3 * 1024 * 1024)}
    response = client.post(petition.get_absolute_url(), data, REMOTE_ADDR="192.0.2.80")
    assert response.status_code == 413
    assert "more than the page accepts" in response.content.decode()
    assert spooled == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_an_upload_over_the_check_page_cap_is_refused_before_anything_is_spooled(settings, spooled):
    """The delivery check page takes larger files, but one over DELIVERY_VERIFY_MAX_UPLOAD
    gets its own 413 page before the CSRF check can spool it."""
    settings.DELIVERY_VERIFY_MAX_UPLOAD = 1024 * 1024
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("delivery-verify"), {"file": big_file(3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large to check here" in response.content.decode()
    assert spooled == []


@pytest.mark.django_db
def test_the_check_page_still_takes_a_file_larger_than_public_forms(settings, client):
    """A 200 KB package (over PUBLIC_MAX_REQUEST_BODY) is still checked by its page."""
    assert settings.PUBLIC_MAX_REQUEST_BODY < 200 * 1024 < settings.DELIVERY_VERIFY_MAX_UPLOAD
    response = client.post(reverse("delivery-verify"), {"file": big_file(200 * 1024)})
    assert response.status_code == 200


@pytest.mark.django_db
def test_the_admin_takes_staff_uploads_up_to_its_own_cap(settings, client):
    """The staff admin takes a body over the public cap (CSV imports, images), and refuses
    one over ADMIN_MAX_REQUEST_BODY."""
    settings.ADMIN_MAX_REQUEST_BODY = 512 * 1024
    login = reverse("admin:login")
    medium = {"username": "x", "password": "y", "pad": "p" * 100 * 1024}
    assert client.post(login, medium).status_code == 200
    large = {"username": "x", "password": "y", "file": big_file(600 * 1024)}
    assert client.post(login, large).status_code == 413


@pytest.mark.django_db
def test_a_chunked_body_without_a_length_is_refused(petition, client):
    """A body whose size is not declared (chunked) is refused with 411, not read."""
    response = client.generic(
        "POST",
        petition.get_absolute_url(),
        b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    assert response.status_code == 411
