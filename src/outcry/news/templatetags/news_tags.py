"""Template helpers for news: Markdown rendering and list excerpts."""

from django import template
from django.utils.safestring import SafeString

from outcry.core.text import render_markdown, truncate_plain

register = template.Library()

EXCERPT_LENGTH = 300


@register.filter
def markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML (see outcry.core.text.render_markdown)."""
    return render_markdown(text)


@register.filter
def excerpt(post) -> str:
    """A post's summary, or else the start of its body as plain text (autoescaped later)."""
    return post.summary or truncate_plain(getattr(post, "body", "") or "", EXCERPT_LENGTH)
