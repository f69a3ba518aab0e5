"""Comment bodies are plain text: escaped, line breaks kept, web links made clickable.

The result goes through nh3 with an allowlist of two tags (``<a href>`` and ``<br>``) and
two URL schemes, and every link gets ``rel="nofollow ugc"``. Whatever a reader types,
markup is shown as text and nothing active reaches the page.
"""

import html
import re
from urllib.parse import urlsplit

import nh3
from django.utils.html import Urlizer
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"a", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = {"http", "https"}
LINK_REL = "nofollow ugc"

_HREF_RE = re.compile(r'<a href="([^"]*)"')


class _WebLinksOnly(Urlizer):
    """Django's urlizer, minus mailto: links (addresses stay plain text)."""

    @staticmethod
    def is_email_simple(value: str) -> bool:
        return False


_urlize = _WebLinksOnly()


def render_comment_body(text: str) -> SafeString:
    """Plain text to safe HTML: escape, autolink http(s) links, keep line breaks, sanitise."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    linked = _urlize(text, trim_url_limit=60, nofollow=True, autoescape=True)
    with_breaks = linked.replace("\n", "<br>")
    cleaned = nh3.clean(
        with_breaks,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 with a two-tag allowlist


def link_urls(text: str) -> list[str]:
    """The links the rendered comment will show: exactly what a reader could follow."""
    return [html.unescape(href) for href in _HREF_RE.findall(render_comment_body(text))]


def link_hosts(text: str) -> set[str]:
    """The lower-cased host names the comment links to."""
    hosts = set()
    for url in link_urls(text):
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host:
            hosts.add(host.rstrip("."))
    return hosts
