from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class CaseStatus(models.TextChoices):
    AT_RISK = "at_risk", _("At risk")
    THREATENED = "threatened", _("Threatened")
    IN_HIDING = "in_hiding", _("In hiding")
    JUDICIAL_HARASSMENT = "judicial_harassment", _("Judicial harassment")
    DETAINED = "detained", _("Detained")
    IMPRISONED = "imprisoned", _("Imprisoned")
    DISAPPEARED = "disappeared", _("Disappeared")
    RELEASED = "released", _("Released")
    CHARGES_DROPPED = "charges_dropped", _("Charges dropped")
    KILLED = "killed", _("Killed")
    CLOSED = "closed", _("Closed")


class CaseQuerySet(models.QuerySet):
    def published(self) -> "CaseQuerySet":
        return self.filter(is_published=True)


class Case(models.Model):
    """A person or group at risk, on whose behalf actions are taken."""

    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    name = models.CharField(
        _("name"), max_length=200, help_text=_("As shown publicly: use a pseudonym where needed.")
    )
    is_pseudonym = models.BooleanField(
        _("name is a pseudonym"),
        default=False,
        help_text=_("Identifying details are withheld from public pages."),
    )
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    description = models.TextField(_("description"), blank=True)
    sensitive_notes = models.TextField(
        _("sensitive notes"),
        blank=True,
        help_text=_(
            "For staff only (real identity, contacts, sources): never shown publicly, never "
            "indexed for search, never in feeds or sharing metadata."
        ),
    )
    country = CountryField(_("country"))
    status = models.CharField(
        _("status"), max_length=32, choices=CaseStatus, default=CaseStatus.AT_RISK
    )
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        # The notes say who a pseudonymous person really is and how to reach them: seeing
        # the case is not enough to read them (every read is audited, see the admin).
        permissions = [("view_sensitive_notes", _("Can read a case's sensitive notes"))]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("case-detail", kwargs={"slug": self.slug})


class CaseUpdate(models.Model):
    """A dated event on the case's timeline; it may change the case's status."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="updates", verbose_name=_("case")
    )
    date = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("body"), blank=True)
    new_status = models.CharField(_("new status"), max_length=32, choices=CaseStatus, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name = _("case update")
        verbose_name_plural = _("case updates")

    def __str__(self) -> str:
        return f"{self.date}: {self.title}"
