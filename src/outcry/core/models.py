from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
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
    """Who did what to which record, and when. Append-only, in the database too.

    Every staff read of personal data, every export and every staff write writes one: a
    dotted ``event`` (``<app>.<model>.<verb>``, registered with a label in
    ``outcry.core.audit``), the actor, the object, and ``extra`` (old and new values,
    counts, filters; ids and hashes, never an email address or a name).

    The actor is kept as an id without a database constraint and with its username beside
    it: deleting a staff account must neither cascade to these rows nor set them to NULL
    (an UPDATE, which the table's triggers refuse), and the trail still names who it was.
    """

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("Staff member")
        API_KEY = "api_key", _("API key")
        SYSTEM = "system", _("System")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    actor_kind = models.CharField(
        _("actor kind"), max_length=16, choices=ActorKind, default=ActorKind.SYSTEM
    )
    event = models.CharField(_("event"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    extra = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["object_type", "object_id"], name="core_audit_object_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.event}"

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
