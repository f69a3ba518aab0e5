"""Reads of delivery packages: the action choices, and finding a package by its digest."""

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.contenttypes.models import ContentType
from django.db import models

from outcry.deliveries.models import DeliveryPackage
from outcry.deliveries.services import HASH_CHUNK, deliverable_models

DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def deliverable_actions() -> list[tuple[str, str]]:
    """(key, label) for every action addressed to an office, newest first per type."""
    choices = []
    for model in deliverable_models():
        content_type = ContentType.objects.get_for_model(model)
        for action in model.objects.exclude(office__isnull=True).order_by("-pk")[:500]:
            label = f"{model._meta.verbose_name.capitalize()}: {action.title}"
            choices.append((f"{content_type.pk}:{action.pk}", label))
    return choices


def action_for_key(key: str) -> models.Model | None:
    """The action a ``deliverable_actions`` key names, or None."""
    try:
        type_id, action_id = (int(part) for part in key.split(":"))
        content_type = ContentType.objects.get_for_id(type_id)
    except (ValueError, ContentType.DoesNotExist):
        return None
    model = content_type.model_class()
    if model not in deliverable_models():
        return None
    return model.objects.filter(pk=action_id).first()


@dataclass(frozen=True)
class Verification:
    digest: str
    package: DeliveryPackage | None
    # "pdf" or "csv": which of the package's files has this digest.
    file_kind: str = ""

    @property
    def action_title(self) -> str:
        """The action's title as delivered, or "" once the action is no longer public (its
        case was unpublished): a verify page must not name what the site now hides."""
        action = self.package.action if self.package is not None else None
        if action is None or not type(action).objects.public().filter(pk=action.pk).exists():
            return ""
        return self.package.action_title


def normalise_digest(value: str) -> str:
    return re.sub(r"[\s:]", "", value).lower()


def package_verify(*, digest: str) -> Verification:
    """Which package, if any, has a file with this SHA-256."""
    digest = normalise_digest(digest)
    if not DIGEST_RE.match(digest):
        return Verification(digest=digest, package=None)
    ready = DeliveryPackage.objects.filter(status=DeliveryPackage.Status.READY)
    package = ready.filter(pdf_sha256=digest).select_related("office").first()
    if package is not None:
        return Verification(digest=digest, package=package, file_kind="pdf")
    package = ready.filter(csv_sha256=digest).select_related("office").first()
    if package is not None:
        return Verification(digest=digest, package=package, file_kind="csv")
    return Verification(digest=digest, package=None)


def sha256_of(stream: BinaryIO) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()
