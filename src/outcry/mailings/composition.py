"""Turning a mailing variant into messages: compiled once per language, filled in per person.

The Markdown body is rendered and sanitised (``core.text.render_markdown``: no script, no
event handler, no ``javascript:`` URL survives) once per variant, with its merge tags
swapped for inert placeholders on the way through. The result is poured into the email
layout (a table layout with inline styles, no remote image or font), and the whole is
compiled once as a restricted merge template. Per recipient, only that compiled template
is rendered, which keeps the send loop fast.
"""

import base64
import binascii
import re
import uuid
from dataclasses import dataclass, field
from email.utils import formataddr, formatdate, parseaddr
from functools import cache
from html import unescape
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django_countries import countries

from outcry.core.text import render_markdown
from outcry.mailings.merge import (
    LINK_FIELDS,
    MERGE_FIELDS,
    URL_FIELDS,
    compile_merge,
    escape_template_source,
    merge_tags_in_attributes,
    protect_merge_tags,
    restore_merge_tags,
    validate_variant,
)

ALL_FIELDS = frozenset(MERGE_FIELDS) | LINK_FIELDS

# Inline styles: email clients ignore <style> blocks too often to rely on them.
_TAG_STYLES = {
    "p": "margin:0 0 16px 0;",
    "h1": "margin:0 0 16px 0;font-size:26px;line-height:1.25;",
    "h2": "margin:24px 0 12px 0;font-size:21px;line-height:1.3;",
    "h3": "margin:20px 0 10px 0;font-size:18px;line-height:1.3;",
    "blockquote": "margin:0 0 16px 0;padding:0 0 0 14px;border-left:4px solid #ffcc00;",
    "ul": "margin:0 0 16px 0;padding-left:24px;",
    "ol": "margin:0 0 16px 0;padding-left:24px;",
    "li": "margin:0 0 6px 0;",
}
_LINK_STYLE = "color:#0b57d0;text-decoration:underline;"
_OPEN_TAG_RE = re.compile(r"<(p|h1|h2|h3|blockquote|ul|ol|li)>")
_HREF_RE = re.compile(r'<a href="([^"]*)"')
_IMG_SRC_RE = re.compile(r'(<img\b[^>]*?\ssrc=")(/[^/"][^"]*)"')
_MD_LINK_RE = re.compile(r"(?<!!)\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_TEXT_URL_RE = re.compile(r"(?<![\w/])(https?://[^\s<>()\"']+)")


def _absolute(url: str) -> str:
    if url.startswith("/") and not url.startswith("//"):
        return settings.SITE_URL + url
    return url


def _with_source(url: str, source: str) -> str:
    """Absolute URL for links to this site, tagged with the mailing's source."""
    site = settings.SITE_URL
    url = _absolute(url)
    if not url.startswith(site + "/") and url != site:
        return url
    url, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}source={quote(source)}{hash_mark}{fragment}"


def body_html_source(body: str, *, source: str) -> str:
    """The Markdown body as sanitised, inline-styled HTML that still holds its merge tags."""
    protected, tags = protect_merge_tags(body)
    html = str(render_markdown(protected))
    html = _OPEN_TAG_RE.sub(lambda m: f'<{m.group(1)} style="{_TAG_STYLES[m.group(1)]}">', html)
    html = _HREF_RE.sub(
        lambda m: (
            f'<a style="{_LINK_STYLE}" href="{escape(_with_source(unescape(m.group(1)), source))}"'
        ),
        html,
    )
    # Images are Outcry's own media (merge.validate_variant); a mail client needs their
    # address in full.
    html = _IMG_SRC_RE.sub(
        lambda m: f'{m.group(1)}{escape(_absolute(unescape(m.group(2))))}"', html
    )
    return restore_merge_tags(html, tags)


def body_text_source(body: str, *, source: str) -> str:
    """The Markdown source reads well as plain text once its links are spelled out
    ("text (https://…)"); links to this site get the mailing's source."""
    protected, tags = protect_merge_tags(body)
    protected = _MD_LINK_RE.sub(lambda m: f"{m.group(1)} ({_absolute(m.group(2))})", protected)
    protected = _TEXT_URL_RE.sub(lambda m: _with_source(m.group(1), source), protected)
    return restore_merge_tags(protected, tags)


@dataclass
class CompiledVariant:
    """One language of a mailing, ready to be filled in for each recipient."""

    language: str
    subject: Template
    html: Template
    text: Template
    _country_names: dict[str, str] = field(default_factory=dict)

    def country_name(self, code: str) -> str:
        if not code:
            return ""
        if code not in self._country_names:
            with translation.override(self.language):
                self._country_names[code] = str(countries.name(code))
        return self._country_names[code]

    def render(self, values: dict[str, str]) -> tuple[str, str, str]:
        """(subject, text, html) for one person; ``values`` holds merge and link fields."""
        context = Context(values, autoescape=False)
        subject = " ".join(self.subject.render(context).split())
        text = self.text.render(context)
        html = self.html.render(Context(values))
        return subject, text, html


def organisation() -> dict[str, str]:
    org = dict(settings.ORGANISATION)
    privacy = org.get("privacy_url", "")
    if privacy.startswith("/"):
        org["privacy_url"] = settings.SITE_URL + privacy
    return org


def compile_variant(variant, *, mailing, web_view: bool = False) -> CompiledVariant:
    """Compile a variant (raises ValidationError if its merge fields are not allowed).

    ``web_view``: the page behind "View in browser", which anyone the link is passed to
    may open: no link to the recipient's preferences or unsubscribe, no word of their
    consent (the caller fills in no name either).
    """
    # Checked again here, not only when the variant was saved: whatever path a variant took
    # into the database, it is never sent with a merge field in a link or a remote image.
    validate_variant(variant)
    source = mailing.source
    context = {
        "language": variant.language,
        "web_view": web_view,
        "subject": mark_safe(escape_template_source(variant.subject)),  # noqa: S308
        "preheader": mark_safe(escape_template_source(variant.preheader)),  # noqa: S308
        "reason": mark_safe(escape_template_source(variant.reason)),  # noqa: S308
        "body": mark_safe(body_html_source(variant.body, source=source)),  # noqa: S308
        "organisation": organisation(),
        "view_url": mark_safe("{{ view_url }}"),  # noqa: S308 - filled in per recipient
        "unsubscribe_url": mark_safe("{{ unsubscribe_url }}"),  # noqa: S308
        "preferences_url": mark_safe("{{ preferences_url }}"),  # noqa: S308
        "consent_reason": mark_safe("{{ consent_reason }}"),  # noqa: S308
    }
    text_context = {
        **context,
        "subject": variant.subject,
        "preheader": variant.preheader,
        "reason": variant.reason,
        "body": body_text_source(variant.body, source=source),
    }
    with translation.override(variant.language):
        html_source = render_to_string("mailings/email.html", context)
        text_source = render_to_string("mailings/email.txt", text_context)
    # Only the layout's own links stand in attributes, and they carry the token alone.
    if misplaced := merge_tags_in_attributes(html_source, allowed=URL_FIELDS):
        raise ValidationError(
            _("Merge fields may not stand inside an HTML attribute: %(tags)s"),
            params={"tags": ", ".join(misplaced)},
        )
    return CompiledVariant(
        language=variant.language,
        subject=compile_merge(variant.subject, autoescape=False),
        html=compile_merge(html_source, autoescape=True, allowed=ALL_FIELDS),
        text=compile_merge(text_source, autoescape=False, allowed=ALL_FIELDS),
    )


# Building the MIME message by hand: the same structure EmailMultiAlternatives makes, at a
# fraction of the cost (the send loop builds 100,000 of them).


def _qp(text: str) -> bytes:
    data = text.replace("\r\n", "\n").encode("utf-8")
    return binascii.b2a_qp(data).replace(b"\n", b"\r\n")


@cache
def _encoded_from(address: str) -> str:
    name, addr = parseaddr(address)
    return formataddr((name, addr), charset="utf-8")


def _header(value: str) -> str:
    """RFC 2047 encoded words (base64), for subjects that are not plain ASCII."""
    if value.isascii():
        return value
    words, current = [], ""
    for char in value:
        # An encoded word may hold 75 characters: 45 bytes of UTF-8 in base64 fit.
        if len((current + char).encode()) > 45:
            words.append(current)
            current = ""
        current += char
    words.append(current)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words)


def message_id_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "outcry.invalid"


_QP_HEADER = "Content-Transfer-Encoding: quoted-printable\r\n\r\n"


def build_message(
    *,
    from_email: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    language: str,
    extra_headers: list[tuple[str, str]],
) -> bytes:
    """A multipart/alternative message (text, then HTML) as CRLF bytes, ready for SMTP."""
    boundary = "=_" + uuid.uuid4().hex
    headers = [
        ("From", _encoded_from(from_email)),
        ("To", to),
        ("Subject", _header(subject)),
        ("Date", formatdate(usegmt=True)),
        ("Message-ID", message_id),
        ("Content-Language", language),
        *extra_headers,
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
    ]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8")
    part = 'Content-Type: text/{}; charset="utf-8"\r\n' + _QP_HEADER
    b = boundary.encode()
    return b"".join(
        [
            head,
            b"\r\n--",
            b,
            b"\r\n",
            part.format("plain").encode(),
            _qp(text),
            b"\r\n--",
            b,
            b"\r\n",
            part.format("html").encode(),
            _qp(html),
            b"\r\n--",
            b,
            b"--\r\n",
        ]
    )
