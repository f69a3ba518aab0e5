from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class Target(models.Model):
    """An official who receives appeals: a minister, a prosecutor, an ambassador."""

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
        help_text=_('How a letter opens: "Your Excellency"'),
    )
    name = models.CharField(_("name"), max_length=200)
    office = models.CharField(
        _("office"), max_length=300, help_text=_('e.g. "Minister of Foreign Affairs"')
    )
    organisation = models.CharField(_("organisation"), max_length=300, blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    country = CountryField(_("country"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    languages = models.CharField(
        _("languages read"),
        max_length=100,
        blank=True,
        help_text=_("Language codes, comma separated: ru, en"),
    )
    notes = models.TextField(_("notes for campaigners"), blank=True)

    class Meta:
        ordering = ["office", "name"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self) -> str:
        return f"{self.honorific} {self.name}, {self.office}".strip()

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()
