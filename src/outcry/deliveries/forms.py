from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from outcry.deliveries.selectors import DIGEST_RE, normalise_digest

TOO_LARGE = _("This file is too large to check here; give its SHA-256 digest instead.")


class VerifyForm(forms.Form):
    digest = forms.CharField(
        label=_("SHA-256 digest"),
        required=False,
        max_length=120,
        help_text=_("64 hexadecimal characters, e.g. from: sha256sum package.pdf"),
    )
    file = forms.FileField(label=_("or the file itself (PDF or CSV)"), required=False)

    def clean_digest(self) -> str:
        digest = normalise_digest(self.cleaned_data.get("digest", ""))
        if digest and not DIGEST_RE.match(digest):
            raise forms.ValidationError(
                _("A SHA-256 digest is 64 characters, 0–9 and a–f."), code="bad_digest"
            )
        return digest

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > settings.DELIVERY_VERIFY_MAX_UPLOAD:
            raise forms.ValidationError(TOO_LARGE, code="too_large")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("digest") and not cleaned.get("file"):
            raise forms.ValidationError(_("Give a digest or choose a file."), code="empty")
        return cleaned
