"""Every write to news: posts, topics, their images, and the search index that follows them."""

import io
import uuid
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from outcry.actions.models import Petition
from outcry.actions.registry import type_of
from outcry.cases.models import Case
from outcry.news import search
from outcry.news.models import Post, PostAction, Topic

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
# Images are scaled down to fit this box: enough for any screen, light on a slow link.
IMAGE_BOX = (2000, 2000)
ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def post_image_clean(*, upload) -> ContentFile:
    """Re-encode an uploaded image with none of its metadata, under a random name.

    EXIF (camera, GPS position, time), XMP, ICC profiles and text chunks are all dropped:
    only the pixels are copied, after applying the EXIF orientation. Images over
    ``MAX_IMAGE_BYTES`` or ``MAX_IMAGE_PIXELS``, and anything Pillow cannot read as a JPEG,
    PNG, WebP or GIF, are refused with a ``ValidationError``. The result is a JPEG, or a
    PNG when the image has transparency, scaled to fit ``IMAGE_BOX``.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large: at most %(mb)d MB, please."),
            code="image_too_large",
            params={"mb": MAX_IMAGE_BYTES // (1024 * 1024)},
        )
    if hasattr(upload, "seek"):
        upload.seek(0)
    try:
        with Image.open(upload) as original:
            if original.format not in ACCEPTED_IMAGE_FORMATS:
                raise ValidationError(
                    _("Please upload a JPEG, PNG, WebP or GIF image."), code="image_format"
                )
            if original.width * original.height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels: at most %(mp)d megapixels, please."),
                    code="image_too_many_pixels",
                    params={"mp": MAX_IMAGE_PIXELS // 1_000_000},
                )
            original.seek(0)
            oriented = ImageOps.exif_transpose(original)
            has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (
                oriented.mode == "P" and "transparency" in oriented.info
            )
            mode = "RGBA" if has_alpha else "RGB"
            converted = oriented.convert(mode)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise ValidationError(
            _("This file is not an image we can read."), code="image_invalid"
        ) from exc
    # A fresh image from the raw pixels carries no info dictionary, hence no metadata.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    clean.thumbnail(IMAGE_BOX)
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        extension = "jpg"
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def post_create(
    *,
    slug: str,
    title: str,
    kind: str = Post.Kind.NEWS,
    summary: str = "",
    body: str = "",
    author: str = "",
    image=None,
    image_alt: str = "",
    countries: Iterable[str] = (),
    topics: Iterable[Topic] = (),
    cases: Iterable[Case] = (),
    actions: Iterable = (),
    is_published: bool = False,
    published_at: datetime | None = None,
    comment_mode: str = Post.CommentMode.CLOSED,
    translations: dict[str, dict[str, str]] | None = None,
) -> Post:
    """Create a post (validated with ``full_clean``), its tags, and its search entry.

    ``translations`` maps a language to field values, e.g. ``{"fr": {"title": "…"}}``.
    An ``image`` is re-encoded without metadata first (see ``post_image_clean``).
    """
    post = Post(
        slug=slug,
        kind=kind,
        title=title,
        summary=summary,
        body=body,
        author=author,
        image_alt=image_alt,
        countries=list(countries),
        is_published=is_published,
        comment_mode=comment_mode,
    )
    if published_at is not None:
        post.published_at = published_at
    for language, fields in (translations or {}).items():
        for field, value in fields.items():
            setattr(post, f"{field}_{language}", value)
    if image is not None:
        post.image = post_image_clean(upload=image)
    with transaction.atomic():
        post.full_clean()
        post.save()
        post.topics.set(topics)
        post.cases.set(cases)
        post_actions_set(post=post, actions=actions)
        post_saved(post=post)
    return post


def post_actions_set(*, post: Post, actions: Iterable) -> None:
    """The post's "take action" box: ``actions`` of any registered kinds, in this order,
    replacing what it had."""
    rows = [
        PostAction(post=post, kind=type_of(action).key, action_id=action.pk, order=order)
        for order, action in enumerate(actions)
    ]
    with transaction.atomic():
        PostAction.objects.filter(post=post).delete()
        PostAction.objects.bulk_create(rows)


def post_saved(*, post: Post) -> None:
    """What follows every save of a post and its tags: its search entry is refreshed."""
    search.search_index_post(post=post)


def post_deleted(*, post_ids: list[int]) -> None:
    """What follows deleting posts: their search entries go."""
    search.search_remove(kind=search.KIND_POST, object_ids=post_ids)


def case_saved(*, case: Case) -> None:
    """Refresh a case's search entry (public text only)."""
    search.search_index_case(case=case)


def case_deleted(*, case_ids: list[int]) -> None:
    search.search_remove(kind=search.KIND_CASE, object_ids=case_ids)


def petition_saved(*, petition: Petition) -> None:
    """Refresh a petition's search entry."""
    search.search_index_petition(petition=petition)


def petition_deleted(*, petition_ids: list[int]) -> None:
    search.search_remove(kind=search.KIND_PETITION, object_ids=petition_ids)


def topic_create(*, slug: str, name: str, description: str = "", translations=None) -> Topic:
    """Create a topic, validated."""
    topic = Topic(slug=slug, name=name, description=description)
    for language, fields in (translations or {}).items():
        for field, value in fields.items():
            setattr(topic, f"{field}_{language}", value)
    topic.full_clean()
    topic.save()
    return topic
