from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from outcry.actions.forms import (
    KEEP_INFORMED_LABEL,
    SignatureForm,
    clean_source,
    reject_control_characters,
)
from outcry.solidarity.models import FIRST_NAME_MAX_LENGTH, MESSAGE_LANGUAGES, SolidarityAction
from outcry.solidarity.services import normalise_text


class MessageForm(forms.Form):
    """A message of solidarity: its words, the writer's first name and country, and an
    address to confirm it (never shown to anyone)."""

    message = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 8}))
    message_language = forms.ChoiceField(label=_("Language of your message"))
    first_name = forms.CharField(label=_("First name"), max_length=FIRST_NAME_MAX_LENGTH)
    country = forms.ChoiceField(label=_("Country"))
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("To confirm your message. It is never shown, nor given to anyone."),
    )
    keep_informed = forms.BooleanField(label=KEEP_INFORMED_LABEL, required=False)
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, action: SolidarityAction, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.fields["country"].choices = [("", _("Choose your country")), *countries]
        self.fields["message_language"].choices = [
            (code, _(name)) for code, name in MESSAGE_LANGUAGES
        ]
        # The page's language, unless the writer says otherwise.
        self.fields["message_language"].initial = language
        self.fields["message"].help_text = _(
            "Plain text, at most %(max)s characters. Only your first name and country are "
            "shown with it, once a moderator has read it."
        ) % {"max": number_format(action.max_length, force_grouping=True)}

    clean_first_name = SignatureForm.clean_first_name
    clean_email = SignatureForm.clean_email

    def clean_message(self) -> str:
        text = normalise_text(self.cleaned_data["message"])
        if len(text) > self.action.max_length:
            raise forms.ValidationError(
                _(
                    "Your message is %(length)s characters long; the limit is %(max)s. "
                    "Please shorten it."
                ),
                code="too_long",
                params={
                    "length": number_format(len(text), force_grouping=True),
                    "max": number_format(self.action.max_length, force_grouping=True),
                },
            )
        reject_control_characters(text.replace("\n", "").replace("\t", ""))
        return text

    def clean_source(self) -> str:
        return clean_source(self.cleaned_data.get("source"))

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
