import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from outcry.comments.models import AUTHOR_NAME_MAX_LENGTH, BODY_MAX_LENGTH

# Invisible and control characters (bidi overrides, zero-width joiners, NUL …) are refused:
# they hide text from moderators. Line breaks and tabs are fine in a comment.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs"}


def _refuse_control_characters(value: str, *, allow: str = "") -> str:
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES and ch not in allow for ch in value):
        raise forms.ValidationError(
            _("Please remove the invisible or control characters."), code="control_characters"
        )
    return value


class CommentForm(forms.Form):
    author_name = forms.CharField(
        label=_("Name"),
        max_length=AUTHOR_NAME_MAX_LENGTH,
        error_messages={
            "required": _("Please give a name to show with your comment."),
            "max_length": _("Please keep your name to %(limit_value)d characters or fewer."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email (optional, never shown)"),
        required=False,
        max_length=254,
        help_text=_("We email you a link to delete your comment if you ever want to."),
        error_messages={"invalid": _("Please enter a valid email address, or leave it empty.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = forms.CharField(
        label=_("Comment"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text; web links become clickable."),
        error_messages={
            "required": _("Please write your comment."),
            "max_length": _(
                "Your comment is too long: please keep it to %(limit_value)d characters "
                "(it has %(show_value)d)."
            ),
        },
    )
    parent = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**62,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("That comment cannot be replied to.")},
    )
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, max_length=500, label=_("Leave this field empty"))

    def clean_author_name(self) -> str:
        return _refuse_control_characters(self.cleaned_data["author_name"])

    def clean_email(self) -> str:
        return _refuse_control_characters(self.cleaned_data["email"].strip())

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\r\n", "\n")
        return _refuse_control_characters(body, allow="\n\t")

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ReportForm(forms.Form):
    reason = forms.CharField(required=False, max_length=200)
