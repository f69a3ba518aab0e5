"""Markdown from staff is rendered to HTML that can carry no active content."""

import pytest

from outcry.core.text import plain_text, render_markdown, truncate_plain
from tests.news.conftest import XSS_CORPUS, active_content


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_render_markdown_never_outputs_active_content(payload):
    """Each hostile snippet of the corpus renders to inert HTML."""
    html = render_markdown(payload)
    assert active_content(html) == []
    assert "javascript:" not in html.lower()


def test_checker_finds_active_content():
    """The checker the XSS tests rely on does see script, handlers and javascript: URLs."""
    assert active_content("<script>alert(1)</script>")
    assert active_content('<img src="x" onerror="alert(1)">')
    assert active_content('<a href=" javascript:alert(1)">x</a>')
    assert active_content("<svg></svg>")
    assert active_content("<form><button>go</button></form>")
    assert active_content('<script src="/static/outcry/count.js"></script>') == []


def test_markdown_keeps_formatting_and_safe_links():
    """Headings, emphasis, lists and web links survive; links get rel=nofollow noopener."""
    html = render_markdown("## Title\n\n*one* **two**\n\n- a\n- b\n\n[site](https://example.org/x)")
    assert "<h2>Title</h2>" in html
    assert "<em>one</em>" in html and "<strong>two</strong>" in html
    assert "<li>a</li>" in html
    assert '<a href="https://example.org/x" rel="nofollow noopener">site</a>' in html


def test_broken_markup_is_closed():
    """Unclosed tags in the source are closed in the output."""
    html = render_markdown("<b>bold <i>italic")
    assert html.count("<b>") == html.count("</b>")
    assert html.count("<i>") == html.count("</i>")


def test_empty_text_renders_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_plain_text_drops_markup_and_scripts():
    """Plain text has no tags and none of a script's content."""
    text = plain_text("# Hello\n\n<script>alert('x')</script> *world*")
    assert text == "Hello world"


def test_truncate_plain_cuts_on_length():
    assert len(truncate_plain("word " * 100, 50)) <= 50
