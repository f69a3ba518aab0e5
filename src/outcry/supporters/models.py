from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.core.fields import SealedTextField
from outcry.core.models import AppendOnlyQuerySet


class Supporter(models.Model):
    """One person, however many times they act.

    Their email and names are sealed together in ``personal_data`` (see core.crypto); they
    are found and deduplicated through ``email_hash``, a keyed hash of the normalised email.
    """

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True)
    personal_data = SealedTextField(_("personal data (sealed)"))
    country = CountryField(_("country"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Unsubscribed from every email (a new confirmed subscription clears it).
    unsubscribed_at = models.DateTimeField(_("unsubscribed from all email"), null=True, blank=True)
    # The address bounced for good, or its owner complained: never mailed again.
    undeliverable_at = models.DateTimeField(_("undeliverable since"), null=True, blank=True)
    undeliverable_reason = models.CharField(_("why undeliverable"), max_length=200, blank=True)
    # Erased on request or by retention: the row stays, anonymous, so that counts of what
    # this person did stay right; it holds nothing personal any more.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        permissions = [
            ("export_supporter", _("Can export a supporter's data")),
            ("erase_supporter", _("Can erase a supporter")),
        ]

    def __str__(self) -> str:
        return f"Supporter #{self.pk}"


class ConsentRecord(models.Model):
    """What a supporter was asked, in the exact words shown, and what they answered.

    Append-only: a change of mind is a new record, never an edit.
    """

    class Purpose(models.TextChoices):
        KEEP_INFORMED = "keep_informed", _("Keep me informed")
        SUBSCRIPTION = "subscription", _("Subscription")
        ALL_EMAIL = "all_email", _("All email")
        NAMED_TO_TARGET = "named_to_target", _("My name and city may go to the official")
        REPLY_TO_TARGET = "reply_to_target", _("The official may reply to my address")

    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="consents", verbose_name=_("supporter")
    )
    purpose = models.CharField(_("purpose"), max_length=32, choices=Purpose)
    wording = models.TextField(_("exact wording shown"))
    wording_version = models.CharField(_("wording version"), max_length=50)
    language = models.CharField(_("language"), max_length=10)
    given = models.BooleanField(_("consent given"))
    source_url = models.CharField(_("page"), max_length=500)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.given else 'no'} @ {self.created_at:%Y-%m-%d}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Consent records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Consent records are append-only.")


class Suppression(models.Model):
    """An address that must never be mailed again, known only by its keyed hash.

    Written when its owner is erased on request, complains, or the address bounces for
    good; it outlives the supporter record, so signing up anew does not lift it.
    """

    class Reason(models.TextChoices):
        ERASED = "erased", _("Erased on request")
        COMPLAINT = "complaint", _("Complaint (marked as spam)")
        BOUNCE = "bounce", _("Permanent bounce")

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return f"{self.reason} {self.email_hash[:12]}…"
