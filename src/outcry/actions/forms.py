import re
import unicodedata

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from outcry.actions.models import Call
from outcry.actions.participation import Consents, ConsentText

# The exact wording of the "keep me informed" box; its version is recorded with each answer.
# Change the wording → change the version.
KEEP_INFORMED_LABEL = _(
    "Keep me informed by email about this case and other urgent actions. "
    "I can unsubscribe at any time."
)
KEEP_INFORMED_VERSION = "keep-informed-2026-11-v1"
# The exact wording of "you may give my name to the target"; same rule for its version.
NAMED_TO_TARGET_LABEL = _(
    "You may give my name and city to the official with this action. "
    "Otherwise I am counted anonymously, by country."
)
NAMED_TO_TARGET_VERSION = "named-to-target-2026-11-v1"

# Where a signer came from, carried from the link's ``?source=`` (e.g. "mailing:12").
SOURCE_PATTERN = re.compile(r"[a-z0-9][a-z0-9:_.-]{0,39}")


def clean_source(value: str | None) -> str:
    """The source if well-formed, else "": a bad value never stops anyone signing."""
    value = (value or "").strip().lower()
    return value if SOURCE_PATTERN.fullmatch(value) else ""


def reject_control_characters(value: str) -> str:
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs"} for ch in value):
        raise forms.ValidationError(_("Please remove the invisible or control characters."))
    return value


class _ChoicesOnce(BaseChoiceIterator):
    """Choices already normalised: Django passes a ``BaseChoiceIterator`` through as it
    is, where a list would be walked and copied again for every form."""

    def __init__(self, choices: list[tuple[str, str]]) -> None:
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


_country_choices: dict[str, _ChoicesOnce] = {}


def country_choices() -> _ChoicesOnce:
    """The country list in the active language (no country preselected), built once per
    language per process: a list made at import time would keep the names of whichever
    language was active then, and building it per form walked 250 countries three times."""
    language = get_language() or ""
    found = _country_choices.get(language)
    if found is None:
        found = _ChoicesOnce(
            [("", str(_("Choose your country"))), *((code, str(name)) for code, name in countries)]
        )
        _country_choices[language] = found
    return found


class SignatureForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City (optional)"), max_length=100, required=False)
    named_to_target = forms.BooleanField(label=NAMED_TO_TARGET_LABEL, required=False)
    keep_informed = forms.BooleanField(label=KEEP_INFORMED_LABEL, required=False)
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
    # Sent back from the challenge page only (see actions/challenge.py); never rendered on
    # the petition page.
    challenge = forms.CharField(required=False, max_length=200)
    challenge_solution = forms.CharField(required=False, max_length=20)
    challenge_fallback = forms.BooleanField(required=False)

    CHALLENGE_FIELDS = ("challenge", "challenge_solution", "challenge_fallback")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    def visible_fields_for_page(self):
        """The fields the petition page shows (not the challenge's answers)."""
        return [field for field in self if field.name not in self.CHALLENGE_FIELDS]

    def clean_first_name(self) -> str:
        return reject_control_characters(self.cleaned_data["first_name"])

    def clean_last_name(self) -> str:
        return reject_control_characters(self.cleaned_data["last_name"])

    def clean_city(self) -> str:
        return reject_control_characters(self.cleaned_data["city"].strip())

    def clean_source(self) -> str:
        return clean_source(self.cleaned_data.get("source"))

    def clean_email(self) -> str:
        return reject_control_characters(self.cleaned_data["email"].strip())

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


# The exact wording of "the official may reply to me"; same rule for its version.
REPLY_TO_LABEL = _(
    "Give the official my email address so that they can reply to me "
    "(otherwise replies come to us)."
)
REPLY_TO_VERSION = "reply-to-target-2026-11-v1"


def _grouped(number: int) -> str:
    """1,000 in English, 1 000 in French."""
    return number_format(number, force_grouping=True)


def normalise_letter(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _reject_control_characters_in_text(value: str) -> str:
    """As for names, but a letter keeps its line breaks and tabs."""
    return reject_control_characters(value.replace("\n", "").replace("\t", "")) and value


def consents_answered(data: dict) -> Consents:
    """The consent questions a participation form asked, as answered, each with the exact
    words shown (a form without the reply-to box did not ask it)."""
    reply_to_asked = ConsentText(str(REPLY_TO_LABEL), REPLY_TO_VERSION)
    return Consents(
        keep_informed=data["keep_informed"],
        named_to_target=data["named_to_target"],
        reply_to=data.get("reply_to", False),
        keep_informed_asked=ConsentText(str(KEEP_INFORMED_LABEL), KEEP_INFORMED_VERSION),
        named_to_target_asked=ConsentText(str(NAMED_TO_TARGET_LABEL), NAMED_TO_TARGET_VERSION),
        reply_to_asked=reply_to_asked if "reply_to" in data else None,
    )


class _ParticipantForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("Email"), max_length=254)
    country = forms.ChoiceField(label=_("Country"))
    city = forms.CharField(label=_("City (optional)"), max_length=100, required=False)
    # Where the participant came from, as on the petition form (``?source=`` of the link).
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()

    clean_first_name = SignatureForm.clean_first_name
    clean_last_name = SignatureForm.clean_last_name
    clean_email = SignatureForm.clean_email
    clean_city = SignatureForm.clean_city
    clean_source = SignatureForm.clean_source

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class LetterForm(_ParticipantForm):
    """A supporter's letter: who they are, their version of the letter, how it goes."""

    PAPER_CHOICES = [("a4", _("A4")), ("letter", _("US Letter"))]

    body = forms.CharField(label=_("Your letter"), widget=forms.Textarea, required=False)
    route = forms.ChoiceField(label=_("How should it go?"), widget=forms.RadioSelect)
    paper = forms.ChoiceField(
        label=_("Paper size"), choices=PAPER_CHOICES, initial="a4", required=False
    )
    reply_to = forms.BooleanField(label=REPLY_TO_LABEL, required=False)
    named_to_target = forms.BooleanField(label=NAMED_TO_TARGET_LABEL, required=False)
    keep_informed = forms.BooleanField(label=KEEP_INFORMED_LABEL, required=False)
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, action, routes, model_body: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.action = action
        self.model_body = normalise_letter(model_body)
        labels = {
            "email": _("Send it by email for me"),
            "print": _("I will print it and post it"),
        }
        self.fields["route"].choices = [(route, labels[route]) for route in routes]
        if routes:
            self.fields["route"].initial = routes[0]
        if action.editable:
            self.fields["body"].initial = self.model_body
            self.fields["body"].help_text = _(
                "You may change the letter; at most %(max)s characters. It is sent as plain text."
            ) % {"max": _grouped(action.max_length)}
        else:
            del self.fields["body"]
        if "print" in routes:
            # The naming box is about what Outcry sends; a printed letter is the
            # supporter's own to post, so it carries what they type.
            self.fields["route"].help_text = _(
                "A printed letter is signed with the name and city you give here, whatever "
                "you choose below: you post it yourself."
            )
        else:
            del self.fields["paper"]
        if "email" not in routes:
            del self.fields["reply_to"]

    def clean_body(self) -> str | None:
        """The supporter's version, or None when it is the model letter unchanged."""
        text = normalise_letter(self.cleaned_data.get("body") or "")
        if not text or text == self.model_body:
            return None
        if len(text) > self.action.max_length:
            raise forms.ValidationError(
                _(
                    "Your letter is %(length)s characters long; the limit is %(max)s. "
                    "Please shorten it."
                ),
                code="too_long",
                params={"length": _grouped(len(text)), "max": _grouped(self.action.max_length)},
            )
        _reject_control_characters_in_text(text)
        return text


class CallReportForm(_ParticipantForm):
    """'I called': how it went, and who called.

    Only the country and the outcome are needed to count a call. Being named to the
    official or kept informed needs an email address, proven by a link, and a name.
    """

    outcome = forms.ChoiceField(label=_("How did it go?"), widget=forms.RadioSelect)
    named_to_target = forms.BooleanField(label=NAMED_TO_TARGET_LABEL, required=False)
    keep_informed = forms.BooleanField(label=KEEP_INFORMED_LABEL, required=False)
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Call.Outcome.choices
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = False
        self.fields["email"].label = _("Email (optional)")
        self.fields["email"].help_text = _(
            "Needed only to be named to the official or kept informed: we then send you a "
            "link to confirm it, and until you follow it you are counted without your name."
        )
        self.fields["first_name"].label = _("First name (to be named)")
        self.fields["last_name"].label = _("Last name (to be named)")

    def clean(self) -> dict:
        data = super().clean()
        wishes = data.get("named_to_target") or data.get("keep_informed")
        if wishes and not data.get("email") and "email" not in self.errors:
            self.add_error(
                "email",
                _(
                    "To be named or kept informed, give your email address: we send you a "
                    "link to confirm it. Otherwise untick those boxes: your call is counted "
                    "all the same."
                ),
            )
        if data.get("named_to_target"):
            for name in ("first_name", "last_name"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, _("To be named to the official, give your name."))
        return data
