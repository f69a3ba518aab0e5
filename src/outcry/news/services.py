"""Every write to news: posts, topics, their images, and the search index that follows them."""

import io
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from outcry.actions.models import Petition
from outcry.actions.registry import type_of
from outcry.cases.models import Case
from outcry.core.content import (
    Changes,
    apply_fields,
    content_audit,
    content_deleted,
    content_saved,
    field_changes,
    publication_set,
    written_fields,
)
from outcry.news import search
from outcry.news.models import Post, PostAction, Topic

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
# Images are scaled down to fit this box: enough for any screen, light on a slow link.
IMAGE_BOX = (2000, 2000)
ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

Actor = AbstractBaseUser | AnonymousUser | None


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
    actor: Actor = None,
) -> Post:
    """Create a post (validated with ``full_clean``), its tags, and its search entry.

    ``translations`` maps a language to field values, e.g. ``{"fr": {"title": "…"}}``.
    An ``image`` is re-encoded without metadata first (see ``post_image_clean``).
    """
    fields: dict[str, Any] = {
        "slug": slug,
        "kind": kind,
        "title": title,
        "summary": summary,
        "body": body,
        "author": author,
        "image_alt": image_alt,
        "countries": list(countries),
        "is_published": is_published,
        "comment_mode": comment_mode,
    }
    if published_at is not None:
        fields["published_at"] = published_at
    for language, values in (translations or {}).items():
        for field, value in values.items():
            fields[f"{field}_{language}"] = value
    if image is not None:
        fields["image"] = post_image_clean(upload=image)
    return post_add(fields=fields, topics=topics, cases=cases, actions=actions, actor=actor)


def post_add(
    *,
    fields: dict[str, Any],
    topics: Iterable[Topic] = (),
    cases: Iterable[Case] = (),
    actions: Iterable = (),
    actor: Actor,
) -> Post:
    """Create a post from model field values (``title_fr`` for a translation), audited;
    an ``is_published`` is a publication after the creation, audited as such. An image
    still as uploaded is re-encoded without metadata first."""
    fields = _clean_image(dict(fields))
    publish = bool(fields.pop("is_published", False))
    with transaction.atomic():
        post = Post()
        apply_fields(post, fields)
        post.full_clean()
        post.save()
        post.topics.set(topics)
        post.cases.set(cases)
        post_actions_set(post=post, actions=actions)
        changes = field_changes(None, post)
        changes.update(_tag_changes(before=None, post=post))
        content_audit(actor=actor, event="news.post.created", obj=post, changes=changes)
        if publish:
            publication_set(obj=post, published=True, actor=actor)
        content_saved(post)
    return post


def post_update(
    *,
    post: Post,
    fields: dict[str, Any],
    actor: Actor,
    topics: Iterable[Topic] | None = None,
    cases: Iterable[Case] | None = None,
    actions: Iterable | None = None,
) -> Post:
    """Change a post's fields and, when given, its tags; a change of ``is_published`` is
    a publication (or its withdrawal), audited as one."""
    fields = _clean_image(dict(fields))
    publish = fields.pop("is_published", None)
    with transaction.atomic():
        before = Post.objects.select_for_update().get(pk=post.pk)
        tags_before = _tags(before)
        apply_fields(post, fields)
        post.is_published = before.is_published
        changes = field_changes(before, post)
        if changes:
            post.full_clean()
            post.save(update_fields=written_fields(Post))
        for name, values in (("topics", topics), ("cases", cases)):
            if values is not None:
                getattr(post, name).set(values)
        if actions is not None:
            post_actions_set(post=post, actions=actions)
        changes.update(_tag_changes(before=tags_before, post=post))
        if changes:
            content_audit(actor=actor, event="news.post.updated", obj=post, changes=changes)
        published = False
        if publish is not None:
            published = publication_set(obj=post, published=bool(publish), actor=actor)
        if changes or published:
            content_saved(post)
    return post


def post_publish(*, post: Post, actor: Actor) -> Post:
    """Publish a post (nothing happens if it already is)."""
    with transaction.atomic():
        if publication_set(obj=post, published=True, actor=actor):
            content_saved(post)
    return post


def post_unpublish(*, post: Post, actor: Actor) -> Post:
    """Withdraw a post from the public pages (nothing happens if it is not published)."""
    with transaction.atomic():
        if publication_set(obj=post, published=False, actor=actor):
            content_saved(post)
    return post


def post_delete(*, post: Post, actor: Actor) -> None:
    """Delete a post; its search entry goes with it."""
    with transaction.atomic():
        post_id = post.pk
        changes = {name: (old, None) for name, (_n, old) in field_changes(None, post).items()}
        content_audit(actor=actor, event="news.post.deleted", obj=post, changes=changes)
        post.delete()
        content_deleted(Post, [post_id])


def _clean_image(fields: dict[str, Any]) -> dict[str, Any]:
    if isinstance(fields.get("image"), UploadedFile):
        fields["image"] = post_image_clean(upload=fields["image"])
    return fields


def _tags(post: Post) -> dict[str, list]:
    tags = {
        name: sorted(getattr(post, name).values_list("pk", flat=True))
        for name in ("topics", "cases")
    }
    # Take-action links name their kind: "letter:3".
    tags["actions"] = [
        f"{kind}:{action_id}"
        for kind, action_id in PostAction.objects.filter(post=post)
        .order_by("order")
        .values_list("kind", "action_id")
    ]
    return tags


def _tag_changes(*, before: dict[str, list] | None, post: Post) -> Changes:
    after = _tags(post)
    if before is None:
        return {name: (None, ids) for name, ids in after.items() if ids}
    return {name: (before[name], ids) for name, ids in after.items() if before[name] != ids}


def content_index(obj: Model) -> None:
    """Content hook: a saved post, case or petition gets its search entry refreshed."""
    if isinstance(obj, Post):
        post_saved(post=obj)
    elif isinstance(obj, Case):
        case_saved(case=obj)
    elif isinstance(obj, Petition):
        petition_saved(petition=obj)


def content_unindex(model: type[Model], ids: list[Any]) -> None:
    """Content hook: deleted posts, cases and petitions leave the search index."""
    if issubclass(model, Post):
        post_deleted(post_ids=ids)
    elif issubclass(model, Case):
        case_deleted(case_ids=ids)
    elif issubclass(model, Petition):
        petition_deleted(petition_ids=ids)


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
