"""Markdown written by staff, rendered to HTML that cannot carry active content.

``render_markdown(text)`` turns Markdown into HTML with the ``markdown`` package, then
sanitises the result with ``nh3`` against an allowlist: headings, paragraphs, emphasis,
lists, quotes, code, tables, images and links. Every attribute not listed is dropped
(``onclick``, ``style`` …), every tag not listed is removed (``<script>``, ``<svg>``,
``<iframe>`` …; the contents of ``<script>``/``<style>`` go with them), URLs are limited to
http, https and mailto (relative links are kept), comments are stripped and every link gets
``rel="nofollow noopener"``. Raw HTML inside the Markdown goes through the same filter.

``plain_text(text)`` gives the same Markdown as plain text (for summaries, feeds and
metadata) and ``truncate_plain(text, length)`` shortens it on a word boundary.
"""

import html
import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener"
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]

_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")


def _sanitise(rendered: str) -> str:
    return nh3.clean(
        rendered,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML, safe to put in a page as it is.

    Empty or missing text gives an empty string. The output never contains a script,
    an event handler, a ``javascript:`` or ``data:`` URL, an SVG or an unclosed tag.
    """
    if not text:
        return mark_safe("")  # noqa: S308 - empty
    rendered = markdown.markdown(
        str(text).replace("\x00", ""),
        extensions=MARKDOWN_EXTENSIONS,
        output_format="html",
    )
    return mark_safe(_sanitise(rendered))  # noqa: S308 - sanitised by nh3 with an allowlist


def plain_text(text: str) -> str:
    """Markdown (or HTML) to one line of plain, unescaped text: no tags, spaces collapsed."""
    if not text:
        return ""
    rendered = markdown.markdown(str(text).replace("\x00", ""), extensions=MARKDOWN_EXTENSIONS)
    cleaned = nh3.clean(rendered, tags=set(), clean_content_tags={"script", "style"})
    return _SPACE_RE.sub(" ", html.unescape(_TAG_RE.sub(" ", cleaned))).strip()


def truncate_plain(text: str, length: int) -> str:
    """``plain_text`` shortened to at most ``length`` characters on a word boundary."""
    return Truncator(plain_text(text)).chars(length)
