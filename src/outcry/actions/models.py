import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.cases.models import Case
from outcry.supporters.models import Supporter
from outcry.targets.models import Target


class PetitionQuerySet(models.QuerySet):
    def public(self) -> "PetitionQuerySet":
        return self.exclude(status=Petition.Status.DRAFT)


class Petition(models.Model):
    """A petition on a case to one target, with a counter and a goal."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    reference = models.CharField(
        _("reference"),
        max_length=40,
        blank=True,
        help_text=_('The action\'s reference number, e.g. "UA 219/06"'),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("case"),
        null=True,
        blank=True,
    )
    target = models.ForeignKey(
        Target,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("target"),
        null=True,
        blank=True,
    )
    title = models.CharField(_("title"), max_length=200)
    ask = models.TextField(
        _("the ask"), max_length=2000, help_text=_("What the petition asks the target to do.")
    )
    body = models.TextField(_("background"), blank=True)
    goal = models.PositiveIntegerField(_("goal"), default=10_000)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    signing_paused = models.BooleanField(
        _("signing paused"),
        default=False,
        help_text=_("Stop taking signatures for now, e.g. during an attack by bots."),
    )
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("keep signers' data for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Days after the petition closes before the signers who did not ask to hear more "
            "are anonymised. Empty: the site's default."
        ),
    )
    anonymised_at = models.DateTimeField(
        _("signers anonymised"), null=True, blank=True, editable=False
    )
    # Written only by the counting task (batched), never per signature: see services.
    signature_count = models.PositiveIntegerField(
        _("signatures counted"), default=0, editable=False
    )
    counted_at = models.DateTimeField(_("count updated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PetitionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            models.CheckConstraint(condition=models.Q(goal__gt=0), name="petition_goal_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("petition-detail", kwargs={"slug": self.slug})

    @property
    def is_open(self) -> bool:
        if self.status != self.Status.OPEN:
            return False
        return self.closes_at is None or self.closes_at > timezone.now()

    @property
    def progress_percent(self) -> int:
        return min(100, int(self.signature_count * 100 / self.goal)) if self.goal else 0


class Signature(models.Model):
    """One supporter's signature on one petition.

    States follow alphagov/e-petitions: pending until the email link is followed, then
    validated (and counted once by the counting task); flagged when the rate limits
    tripped (kept, never counted unless staff validate it); invalidated by staff.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        VALIDATED = "validated", _("Validated")
        FLAGGED = "flagged", _("Flagged")
        INVALIDATED = "invalidated", _("Invalidated")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("petition")
    )
    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("supporter")
    )
    email_hash = models.CharField(_("email hash"), max_length=64)
    country = CountryField(_("country"))
    language = models.CharField(_("language"), max_length=10)
    state = models.CharField(_("state"), max_length=12, choices=State, default=State.PENDING)
    flag_reason = models.CharField(_("why flagged"), max_length=100, blank=True)
    ip_hash = models.CharField(_("IP hash"), max_length=32, blank=True)
    keep_informed = models.BooleanField(_("keep me informed"), default=False)
    # Where the signer came from, e.g. "mailing:12" (validated, never free text).
    source = models.CharField(_("source"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("signed"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    # True once this signature is included in petition.signature_count (or subtracted).
    counted = models.BooleanField(default=False, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation_bounced = models.BooleanField(default=False, editable=False)
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    duplicate_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        permissions = [
            ("export_signature", _("Can export signatures")),
            ("moderate_signature", _("Can validate or invalidate signatures")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_hash"], name="one_signature_per_email_per_petition"
            ),
        ]
        indexes = [
            # The counting task's work list: validated but not yet counted.
            models.Index(fields=["petition", "state", "counted"], name="signature_count_idx"),
        ]

    def __str__(self) -> str:
        return f"Signature #{self.pk} on {self.petition_id}"
