"""Delivering an action to its target: the package (PDF + CSV) and the record of delivery.

A package is generated once, by the worker, from the counted participants of one action;
its files are kept in private storage (never served publicly) with their SHA-256 digests.
The PDF's cover prints the CSV's digest (a file cannot contain its own), and the PDF's
digest is recorded here and on the delivery: anyone holding either file can check it on the
verify page.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outcry.cases.models import CaseUpdate
from outcry.targets.models import Office


def private_storage():
    """Files holding supporters' names: under VAR_DIR/private, never served by URL."""
    return storages["private"]


class PageSize(models.TextChoices):
    A4 = "A4", _("A4")
    LETTER = "Letter", _("US Letter")


class DeliveryPackage(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    action_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("action type")
    )
    action_id = models.PositiveBigIntegerField(_("action id"))
    action = GenericForeignKey("action_type", "action_id")
    # What the action was called when the package was made (it may be renamed later).
    action_title = models.CharField(_("action"), max_length=300)
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="delivery_packages",
        verbose_name=_("office"),
        null=True,
        blank=True,
    )
    addressee = models.CharField(_("addressed to"), max_length=300, blank=True)
    language = models.CharField(
        _("language of the cover letter"), max_length=10, choices=settings.LANGUAGES
    )
    page_size = models.CharField(
        _("page size"), max_length=10, choices=PageSize, default=PageSize.A4
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    named = models.PositiveIntegerField(_("named supporters"), default=0)
    countries = models.PositiveIntegerField(_("countries"), default=0)
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to="deliveries/", blank=True)
    csv = models.FileField(_("CSV"), storage=private_storage, upload_to="deliveries/", blank=True)
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    csv_sha256 = models.CharField(_("SHA-256 of the CSV"), max_length=64, blank=True)
    # The files name supporters: deleted DELIVERY_PACKAGE_EXPIRY_DAYS after delivery. The
    # record and its digests stay, so the verify page still recognises the files.
    files_deleted_at = models.DateTimeField(
        _("files deleted"), null=True, blank=True, editable=False
    )
    # Supporters erased after the package was delivered: the target still holds their
    # names, which cannot be recalled; how many is kept, never who.
    erasures_after_delivery = models.PositiveIntegerField(
        _("supporters erased after delivery"), default=0, editable=False
    )

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("delivery package")
        verbose_name_plural = _("delivery packages")
        permissions = [
            (
                "download_deliverypackage",
                _("Can download delivery packages (they name supporters)"),
            ),
        ]
        indexes = [
            models.Index(fields=["action_type", "action_id"], name="package_action_idx"),
            models.Index(fields=["pdf_sha256"], name="package_pdf_sha256_idx"),
            models.Index(fields=["csv_sha256"], name="package_csv_sha256_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.action_title}"

    @property
    def reference(self) -> str:
        return f"DP-{self.pk:06d}" if self.pk else "DP-?"

    def get_verify_url(self) -> str:
        return reverse("delivery-verify") + f"?digest={self.pdf_sha256}"


class Delivery(models.Model):
    """A package taken to the target: when, how, by whom; later, what came back."""

    class Method(models.TextChoices):
        EMAIL = "email", _("Email")
        POST = "post", _("Post")
        IN_PERSON = "in_person", _("In person")
        FAX = "fax", _("Fax")

    class Outcome(models.TextChoices):
        AWAITING = "awaiting", _("Awaiting a reply")
        ACKNOWLEDGED = "acknowledged", _("Receipt acknowledged")
        REPLIED = "replied", _("Replied")
        REFUSED = "refused", _("Refused")
        ACTION_TAKEN = "action_taken", _("Action taken")
        NO_REPLY = "no_reply", _("No reply")

    package = models.ForeignKey(
        DeliveryPackage,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("package"),
    )
    delivered_on = models.DateField(_("delivered on"))
    method = models.CharField(_("method"), max_length=12, choices=Method)
    delivered_by = models.CharField(
        _("delivered by"), max_length=200, help_text=_("Who took it: names or team.")
    )
    recipient = models.CharField(
        _("received by"),
        max_length=300,
        blank=True,
        help_text=_("Who received it, when known; by default the office holder on the day."),
    )
    notes = models.TextField(_("notes"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome, default=Outcome.AWAITING
    )
    reply_received_on = models.DateField(_("reply received on"), null=True, blank=True)
    reply = models.TextField(_("the target's reply"), blank=True)
    reply_public = models.BooleanField(
        _("show the reply on the case's public timeline"), default=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    # The entries this delivery put on the case's timeline.
    timeline_update = models.ForeignKey(
        CaseUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome_update = models.ForeignKey(
        CaseUpdate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-delivered_on", "-recorded_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reply_received_on__isnull=True)
                | models.Q(reply_received_on__gte=models.F("delivered_on")),
                name="delivery_reply_after_delivery",
                violation_error_message=_("A reply cannot come before the delivery."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.package.action_title} — {self.delivered_on}"
