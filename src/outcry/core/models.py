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
