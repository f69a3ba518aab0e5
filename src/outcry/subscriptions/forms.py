import unicodedata

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The exact wording beside the subscribe button; recorded with each request, with its
# version. Change the wording → change the version.
SUBSCRIBE_CONSENT = _(
    "Email me news and urgent actions about %(subject)s. I can unsubscribe at any time."
)
SUBSCRIBE_CONSENT_VERSION = "subscribe-2026-11-v1"


def reject_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in value):
        raise forms.ValidationError(_("Please remove the invisible or control characters."))
    return value


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    first_name = forms.CharField(label=_("First name (optional)"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Emails in"))
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs) -> None:
        # Its own id prefix: the box shares pages with other forms (search, signing).
        kwargs.setdefault("auto_id", "subscribe_%s")
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _languages()
        self.fields["language"].initial = get_language()
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"

    def clean_email(self) -> str:
        return reject_control_characters(self.cleaned_data["email"].strip())

    def clean_first_name(self) -> str:
        return reject_control_characters(self.cleaned_data["first_name"].strip())

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Emails in"))
    subscriptions = forms.TypedMultipleChoiceField(
        label=_("Email me about"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, subscriptions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _languages()
        self.fields["subscriptions"].choices = [
            (subscription.pk, subscription.subject) for subscription in subscriptions
        ]
