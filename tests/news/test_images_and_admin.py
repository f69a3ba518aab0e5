"""Post images lose their metadata on upload and are size-capped; the admin refuses empty,
over-long and control-character input with a clear message; campaigners may write news."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from outcry.news import services
from outcry.news.models import Post
from outcry.news.search import search
from tests import actors

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_exif() -> bytes:
    """A JPEG whose EXIF names a camera and a GPS position."""
    image = Image.new("RGB", (64, 48), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Maker"  # Make
    exif[0x0110] = "SpyCam 3000"  # Model
    exif[GPS_IFD] = {1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"secret comment")
    return out.getvalue()


def test_jpeg_metadata_is_stripped():
    """EXIF (camera, GPS), and comments are gone after the upload is cleaned; pixels stay."""
    raw = jpeg_with_exif()
    assert b"SpyCam" in raw
    with Image.open(io.BytesIO(raw)) as original:
        assert original.getexif()
    cleaned = services.post_image_clean(upload=SimpleUploadedFile("me at home.jpg", raw))
    data = cleaned.read()
    assert b"SpyCam" not in data and b"secret comment" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert image.size == (64, 48)
    assert "me at home" not in cleaned.name


def test_png_text_chunks_are_stripped_and_transparency_kept():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Real Name Here")
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, format="PNG", pnginfo=info)
    cleaned = services.post_image_clean(upload=SimpleUploadedFile("x.png", out.getvalue()))
    data = cleaned.read()
    assert b"Real Name Here" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.mode == "RGBA"


def test_large_images_are_scaled_down():
    out = io.BytesIO()
    Image.new("RGB", (4000, 1000), "blue").save(out, format="JPEG")
    cleaned = services.post_image_clean(upload=SimpleUploadedFile("big.jpg", out.getvalue()))
    with Image.open(cleaned) as image:
        assert max(image.size) <= services.IMAGE_BOX[0]


def test_oversized_or_invalid_files_are_refused_with_a_message(settings):
    """Too many bytes, too many pixels, or not an image: a clear ValidationError."""
    too_big = SimpleUploadedFile("x.jpg", b"0" * (services.MAX_IMAGE_BYTES + 1))
    with pytest.raises(ValidationError, match="too large"):
        services.post_image_clean(upload=too_big)
    with pytest.raises(ValidationError, match="not an image"):
        services.post_image_clean(upload=SimpleUploadedFile("x.jpg", b"<svg onload=x>"))
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, format="PNG")
    with pytest.raises(ValidationError, match="too many pixels"):
        services.post_image_clean(upload=SimpleUploadedFile("x.png", out.getvalue()))


@pytest.fixture
def campaigner(client, campaigner):
    """Carla (tests/conftest.py), logged in: the admin tests here post as her."""
    return actors.logged_in(client, campaigner)


def post_form(**overrides) -> dict:
    data = {
        "kind": "statement",
        "title_en": "A statement",
        "title_fr": "",
        "slug": "a-statement",
        "author": "",
        "published_at_0": "2024-01-02",
        "published_at_1": "10:00:00",
        "is_published": "on",
        "summary_en": "",
        "body_en": "Body text about elephants.",
        "image_alt_en": "",
        "countries": ["RU"],
        "comment_mode": "closed",
    }
    data.update(overrides)
    return data


def test_campaigner_creates_a_post_in_the_admin_with_a_clean_image(
    client, campaigner, settings, tmp_path
):
    """A campaigner can add a post; its image is stored without metadata and it is
    searchable at once (the admin save path updates the index)."""
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("photo.jpg", jpeg_with_exif(), content_type="image/jpeg")
    response = client.post(
        "/admin/news/post/add/", post_form(image=upload, image_alt_en="A red square")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get(slug="a-statement")
    stored = post.image.read()
    assert b"SpyCam" not in stored
    assert [hit.obj for hit in search(q="elephants", language="en")] == [post]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title_en": ""}, "This field is required."),
        ({"title_en": "x" * 301}, "Ensure this value has at most 300 characters"),
        ({"author": "y" * 201}, "Ensure this value has at most 200 characters"),
        ({"summary_en": "z" * 1001}, "Ensure this value has at most 1000 characters"),
        ({"title_en": "bell\x07"}, "control characters"),
        ({"slug": "<script>"}, "Enter a valid “slug”"),
    ],
)
def test_admin_refuses_bad_input_with_a_clear_message(client, campaigner, overrides, message):
    response = client.post("/admin/news/post/add/", post_form(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Post.objects.exists()


def test_admin_refuses_a_file_that_is_not_an_image(client, campaigner):
    upload = SimpleUploadedFile(
        "x.jpg", b"GIF89a<script>alert(1)</script>", content_type="image/jpeg"
    )
    response = client.post("/admin/news/post/add/", post_form(image=upload))
    assert response.status_code == 200
    assert not Post.objects.exists()


def test_deleting_a_post_in_the_admin_removes_it_from_search(client, admin_user):
    """An administrator (campaigners cannot delete) who deletes a post takes it out of search."""
    actors.logged_in(client, admin_user)
    post = services.post_create(slug="gone", title="Vanishing tapir", is_published=True)
    response = client.post(f"/admin/news/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert search(q="tapir", language="en") == []


def test_campaigner_role_has_news_permissions(campaigner):
    for perm in ["news.add_post", "news.change_post", "news.view_post", "news.add_topic"]:
        assert campaigner.has_perm(perm), perm
