"""The target directory: offices, the people who hold them, and who held which when.

Appeals are addressed to an *office* ("Prosecutor General of the Russian Federation"): it
keeps its address, phone and email when its holder changes. The *person* (``Target``) has a
name, an honorific and a salutation. A ``Tenure`` says who held which office from when to
when, so a letter goes to whoever holds the office on the day and the history stays.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name such as Europe/Moscow."),
            params={"value": value},
            code="invalid_timezone",
        )


class Office(models.Model):
    """A post that outlives its holder: where appeals are sent."""

    key = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        help_text=_("A short, stable name for imports and links, e.g. ru-prosecutor-general."),
    )
    title = models.CharField(
        _("title"), max_length=300, help_text=_('e.g. "Minister of Foreign Affairs"')
    )
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    address = models.TextField(
        _("postal address"),
        blank=True,
        help_text=_("One line per line of the envelope, without the country."),
    )
    country = CountryField(_("country"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    contact_url = models.URLField(_("web contact form"), blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Moscow: callers see the office hours in it."),
    )
    office_hours = models.CharField(
        _("office hours"), max_length=200, blank=True, help_text=_("e.g. Mon–Fri 09:00–18:00")
    )
    languages = models.CharField(
        _("languages read"),
        max_length=100,
        blank=True,
        help_text=_("Language codes, comma separated: ru, en"),
    )
    notes = models.TextField(_("notes for campaigners"), blank=True)
    # Set when the office's mail server refused our mail for good (5xx): nothing more is
    # sent to ``email`` until staff correct it (which clears these).
    email_bounced_at = models.DateTimeField(_("email bounced"), null=True, blank=True)
    email_bounce_reason = models.CharField(_("why it bounced"), max_length=500, blank=True)
    # Set when the address changes: letters queued for the old address must not follow it
    # to the new one unseen (it is where supporters' names and Reply-To addresses go), so
    # nothing is sent until an administrator confirms the new address.
    email_held_since = models.DateTimeField(
        _("new email held since"),
        null=True,
        blank=True,
        help_text=_("Nothing is sent to a changed address until an administrator confirms it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        permissions = [("change_office_email", _("Can change an office's email address"))]

    def __str__(self) -> str:
        return self.title

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    @property
    def email_usable(self) -> bool:
        return bool(self.email) and self.email_bounced_at is None and self.email_held_since is None


class Target(models.Model):
    """A person who holds (or held) an office: a minister, a prosecutor, an ambassador."""

    key = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        help_text=_("A short, stable name for imports, e.g. sergei-lavrov."),
    )
    honorific = models.CharField(
        _("honorific"),
        max_length=100,
        blank=True,
        help_text=_('e.g. "Minister", "Prosecutor General"'),
    )
    salutation = models.CharField(
        _("salutation"),
        max_length=200,
        blank=True,
        help_text=_('How a letter opens: "Your Excellency", "Monsieur le Ministre"'),
    )
    name = models.CharField(_("name"), max_length=200)
    languages = models.CharField(
        _("languages read"),
        max_length=100,
        blank=True,
        help_text=_("Language codes, comma separated: ru, en"),
    )
    notes = models.TextField(_("notes for campaigners"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()


class Tenure(models.Model):
    """``target`` held ``office`` from ``started_on`` until the day before ``ended_on``.

    ``ended_on`` is the first day out of office (empty while in office), so a successor's
    tenure may start on the day the predecessor's ends.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="tenures", verbose_name=_("office")
    )
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="tenures", verbose_name=_("holder")
    )
    started_on = models.DateField(
        _("in office from"), null=True, blank=True, help_text=_("Empty when not known.")
    )
    ended_on = models.DateField(
        _("left office on"), null=True, blank=True, help_text=_("Empty while in office.")
    )

    class Meta:
        ordering = ["office", "-started_on"]
        verbose_name = _("tenure")
        verbose_name_plural = _("tenures")
        constraints = [
            models.UniqueConstraint(
                fields=["office"],
                condition=Q(ended_on__isnull=True),
                name="one_current_holder_per_office",
                violation_error_message=_("This office already has a holder in office."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gt=models.F("started_on")),
                name="tenure_ends_after_it_starts",
                violation_error_message=_("A tenure must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} — {self.office}"

    def clean(self) -> None:
        if self.office_id is None:
            return
        # Two holders of one office on the same day would make "who gets the letter" moot.
        others = Tenure.objects.filter(office_id=self.office_id).exclude(pk=self.pk)
        if self.ended_on is not None:
            others = others.filter(Q(started_on__isnull=True) | Q(started_on__lt=self.ended_on))
        if self.started_on is not None:
            others = others.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=self.started_on))
        if others.exists():
            raise ValidationError(
                _("This tenure overlaps another holder's tenure of the same office."),
                code="tenure_overlap",
            )
