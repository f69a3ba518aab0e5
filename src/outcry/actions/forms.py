import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

# The exact wording of the "keep me informed" box; its version is recorded with each answer.
# Change the wording → change the version.
KEEP_INFORMED_LABEL = _(
    "Keep me informed by email about this case and other urgent actions. "
    "I can unsubscribe at any time."
)
KEEP_INFORMED_VERSION = "keep-informed-2026-11-v1"

# Where a signer came from, carried from the link's ``?source=`` (e.g. "mailing:12").
SOURCE_PATTERN = re.compile(r"[a-z0-9][a-z0-9:_.-]{0,39}")


def clean_source(value: str | None) -> str:
    """The source if well-formed, else "": a bad value never stops anyone signing."""
    value = (value or "").strip().lower()
    return value if SOURCE_PATTERN.fullmatch(value) else ""


def _reject_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in value):
        raise forms.ValidationError(_("Please remove the invisible or control characters."))
    return value


class SignatureForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    country = forms.ChoiceField(label=_("Country"))
    keep_informed = forms.BooleanField(label=KEEP_INFORMED_LABEL, required=False)
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per form, in the request's language: a list made at import time would keep
        # the country names of whichever language was active then. No country is preselected.
        self.fields["country"].choices = [("", _("Choose your country")), *countries]

    def clean_first_name(self) -> str:
        return _reject_control_characters(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return _reject_control_characters(self.cleaned_data["last_name"])

    def clean_source(self) -> str:
        return clean_source(self.cleaned_data.get("source"))

    def clean_email(self) -> str:
        return _reject_control_characters(self.cleaned_data["email"].strip())

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
