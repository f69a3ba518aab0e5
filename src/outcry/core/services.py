"""Writes that belong to no one app: forgetting which address did what."""

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from outcry.core.crypto import ip_hash_keys_forget
from outcry.core.models import IpHashKey
from outcry.core.ratelimit import rate_limit_counters_prune

logger = logging.getLogger(__name__)

# Stands in for a wiped hash where the column must stay unique (one report per address).
WIPED_PREFIX = "wiped-"


def _models_with_ip_hash() -> list[type[models.Model]]:
    """Every installed model that keeps an ``ip_hash`` beside its ``created_at``: found, not
    listed, so core names no app above it and a new model is wiped too."""
    found = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.concrete_fields}
        if {"ip_hash", "created_at"} <= names:
            found.append(model)
    return found


def _ip_hash_is_unique(model: type[models.Model]) -> bool:
    for constraint in model._meta.constraints:
        if "ip_hash" in getattr(constraint, "fields", ()):
            return True
    return any("ip_hash" in together for together in model._meta.unique_together)


def ip_hashes_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Past the moderation window (IP_HASH_RETENTION_DAYS): wipe the address hashes from
    every row and destroy the days' keys they were made with. Returns rows wiped per model.

    Idempotent; run daily by the retention task.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.IP_HASH_RETENTION_DAYS)
    wiped = {}
    with transaction.atomic():
        for model in _models_with_ip_hash():
            rows = model._base_manager.filter(created_at__lt=cutoff).exclude(ip_hash="")
            if _ip_hash_is_unique(model):
                rows = rows.exclude(ip_hash__startswith=WIPED_PREFIX)
                replacement = Concat(
                    models.Value(WIPED_PREFIX),
                    Cast("pk", models.CharField()),
                    output_field=models.CharField(),
                )
            else:
                replacement = models.Value("")
            wiped[model._meta.label_lower] = rows.update(ip_hash=replacement)
        IpHashKey.objects.filter(day__lt=cutoff.date()).delete()
    ip_hash_keys_forget()
    rate_limit_counters_prune(now=now)
    logger.info("ip hashes older than %s wiped: %s", cutoff.date(), wiped)
    return wiped
