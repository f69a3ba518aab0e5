"""Putting a letter together: the salutation of whoever holds the office, the body (the
model letter or the supporter's version) and the sign-off, in the letter's language.

Staff write the model letter in Markdown; it is rendered with ``core.text`` (sanitised).
A supporter's edited letter is never Markdown or HTML: it is plain text, escaped wherever
it is shown, so markup they type is shown as text and never runs.
"""

import re
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from outcry.actions.models import LetterAction
from outcry.core.crypto import unseal
from outcry.core.text import render_markdown
from outcry.targets.selectors import Addressee, addressee

_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_EMPHASIS_RE = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_HEADING_RE = re.compile(r"^#{1,6}\s*", re.MULTILINE)


def markdown_to_plain(text: str) -> str:
    """Staff Markdown as it reads on paper or in a plain-text email: numbered demands and
    paragraphs kept as written, emphasis marks and link syntax removed."""
    text = _LINK_RE.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m[1], text)
    text = _EMPHASIS_RE.sub(r"\2", text)
    return _HEADING_RE.sub("", text).strip()


@dataclass(frozen=True)
class ComposedLetter:
    """A letter ready to send or print, in ``language``."""

    language: str
    addressee: Addressee
    subject: str
    salutation: str
    # Plain text paragraphs of the body (demands keep their numbers).
    body_text: str
    # The body as safe HTML: rendered Markdown for the model letter, escaped text otherwise.
    body_html: SafeString
    closing: str
    signature_lines: list[str] = field(default_factory=list)
    edited: bool = False

    @property
    def text(self) -> str:
        """The whole letter as plain text (the text part of an email, the mailto: body)."""
        parts = [f"{self.salutation},", self.body_text, self.closing]
        if self.signature_lines:
            parts.append("\n".join(self.signature_lines))
        return "\n\n".join(part for part in parts if part)


def _translated(action: LetterAction, name: str, language: str) -> str:
    return getattr(action, f"{name}_{language}", None) or getattr(action, name) or ""


def model_body(action: LetterAction, language: str) -> str:
    """The model letter's Markdown in ``language`` (English when not translated)."""
    return _translated(action, "body", language)


def letter_compose(
    *,
    action: LetterAction,
    language: str,
    name: str = "",
    city: str = "",
    country_name: str = "",
    body: str | None = None,
    target: Addressee | None = None,
) -> ComposedLetter:
    """The letter of ``action`` in ``language``, signed by ``name`` of ``city``.

    ``body`` is the supporter's own version (plain text) when they edited it; None gives
    the model letter.
    """
    target = target or addressee(office=action.office, language=language)
    edited = body is not None
    if edited:
        body_text = body.strip()
        body_html = mark_safe(linebreaks(escape(body_text)))  # noqa: S308 - escaped first
    else:
        source = model_body(action, language)
        body_text = markdown_to_plain(source)
        body_html = render_markdown(source)
    with translation.override(language):
        closing = gettext("Yours sincerely,")
    place = ", ".join(part for part in (city, country_name) if part)
    return ComposedLetter(
        language=language,
        addressee=target,
        subject=_translated(action, "subject", language),
        salutation=target.salutation,
        body_text=body_text,
        body_html=body_html,
        closing=closing,
        signature_lines=[line for line in (name, place) if line],
        edited=edited,
    )


def anonymous_sign_off(*, country_name: str, language: str) -> str:
    """How a supporter who did not agree to be named signs, in the letter's language."""
    with translation.override(language):
        if country_name:
            return gettext("A supporter from %(country)s") % {"country": country_name}
        return gettext("A supporter")


def letter_as_written(letter, *, target: Addressee | None = None) -> ComposedLetter:
    """A supporter's letter as it goes to the official (opens their sealed words: worker
    or staff). Signed with their name and city only if they agreed to be named to the
    official; otherwise "A supporter from <country>"."""
    words = unseal(letter.personal_data)
    with translation.override(letter.language):
        country_name = str(letter.country.name) if letter.country else ""
    if letter.named_to_target:
        name, city = words.get("name", ""), words.get("city", "")
    else:
        name = anonymous_sign_off(country_name=country_name, language=letter.language)
        city = country_name = ""
    return letter_compose(
        action=letter.action,
        language=letter.language,
        name=name,
        city=city,
        country_name=country_name,
        body=words.get("body"),
        target=target,
    )
