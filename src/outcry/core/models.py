from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    """Rows are added, never changed or removed, not even in bulk.

    ``Model.save()``/``delete()`` guard single rows; this guards ``Model.objects.….update()``
    and ``.delete()``, which bypass them. (Deleting a parent still cascades: Django's
    collector works through the plain base manager, as an erasure needs.)
    """

    def update(self, **kwargs):
        raise ValueError(f"{self.model.__name__} rows are append-only.")

    def delete(self):
        raise ValueError(f"{self.model.__name__} rows are append-only.")


class AuditEvent(models.Model):
    """Who did what to which record, and when. Append-only.

    Every staff read of personal data, every export and every sensitive change writes one.
    """

    class Action(models.TextChoices):
        VIEW_PERSONAL_DATA = "view_personal_data", _("Viewed personal data")
        EXPORT = "export", _("Exported")
        SEARCH_PERSONAL_DATA = "search_personal_data", _("Searched by personal data")
        CHANGE = "change", _("Changed")
        VALIDATE = "validate", _("Validated")
        INVALIDATE = "invalidate", _("Invalidated")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    detail = models.TextField(_("detail"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class RateLimitCounter(models.Model):
    """Hits on one rate-limit key in one fixed window, when no Redis is configured.

    Incremented by one atomic upsert (never read-modify-write) and never culled while its
    window runs: a cache may evict entries under pressure, and then limits silently vanish.
    Rows whose window has ended are pruned.
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")
        verbose_name_plural = _("rate-limit counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class IpHashKey(models.Model):
    """The random key that IP addresses are hashed under on one day.

    Created on first use of the day; deleted once the moderation window
    (IP_HASH_RETENTION_DAYS) has passed, after which nobody, holding a copy of the database
    or not, can test an address against that day's hashes.
    """

    day = models.DateField(unique=True)
    key = models.BinaryField()

    class Meta:
        verbose_name = _("IP hash key")
        verbose_name_plural = _("IP hash keys")

    def __str__(self) -> str:
        return self.day.isoformat()
