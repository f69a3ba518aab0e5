"""Reads of delivery packages: the action choices, and finding a package by its digest."""

import hashlib
import re
from dataclasses import dataclass
from typing import BinaryIO

from django.db import models

from outcry.actions.registry import Addressee as DeliveredTo
from outcry.deliveries.models import DeliveryPackage
from outcry.deliveries.services import HASH_CHUNK, deliverable_kinds

DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")


def deliverable_actions() -> list[tuple[str, str]]:
    """(key, label) for every action of a deliverable kind, newest first per kind; those
    addressed to an office only once they name one."""
    choices = []
    for kind in deliverable_kinds():
        actions = kind.action_model.objects.order_by("-pk")
        if kind.addressee == DeliveredTo.OFFICE:
            actions = actions.exclude(office__isnull=True)
        for action in actions[:500]:
            label = f"{kind.label.capitalize()}: {action.title}"
            choices.append((f"{kind.key}:{action.pk}", label))
    return choices


def action_for_key(key: str) -> models.Model | None:
    """The action a ``deliverable_actions`` key ("<kind>:<id>") names, or None."""
    kind_key, _, action_id = key.partition(":")
    kind = next((kind for kind in deliverable_kinds() if kind.key == kind_key), None)
    if kind is None or not action_id.isdigit():
        return None
    return kind.action_model.objects.filter(pk=int(action_id)).first()


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
