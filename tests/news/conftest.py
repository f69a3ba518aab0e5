"""Fixtures for news tests: an XSS corpus, an HTML checker for active content, a client."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

# Hostile input placed in every text field of a post.
XSS_CORPUS = [
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    "[click me](javascript:alert('xss-3'))",
    "<a href=\"javascript:alert('xss-4')\">link</a>",
    "<svg onload=alert('xss-5')><circle r=1 /></svg>",
    "\"><script>alert('xss-6')</script>",
    "' onmouseover='alert(\"xss-7\")' x='",
    "<iframe src=\"javascript:alert('xss-8')\"></iframe>",
    "<b onclick=alert('xss-9')>unclosed <i>markup",
    "<<script>script>alert('xss-10')<</script>/script>",
    "![img](javascript:alert('xss-11'))",
    "<a href=\"jav&#x09;ascript:alert('xss-12')\">tab</a>",
    "<math><mi xlink:href=\"javascript:alert('xss-13')\">m</mi></math>",
    "<style>body{background:url(\"javascript:alert('xss-14')\")}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-15\')">',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "</title><script>alert('xss-16')</script>",
    "<!--<script>alert('xss-17')//-->",
    "<form action=\"javascript:alert('xss-18')\"><button>go</button></form>",
    "<object data=\"javascript:alert('xss-19')\"></object><embed src=x>",
]
XSS_TEXT = "\n\n".join(XSS_CORPUS)

DANGEROUS_TAGS = {"script", "svg", "math", "iframe", "object", "embed", "style", "base"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}
_SCHEME_RE = re.compile(r"^\s*([a-z][a-z0-9+.\-]*)\s*:", re.IGNORECASE)


class ActiveContentFinder(HTMLParser):
    """Collects whatever in a document could run script: dangerous tags, event handler
    attributes, script-capable URLs, meta refreshes. The page's own static script is allowed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            src = attributes.get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"script tag {attrs}")
            self._in_script = True
        elif tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "form" and not (attributes.get("action") or "").startswith("/"):
            self.problems.append(f"form posting to {attributes.get('action')!r}")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"meta http-equiv {attributes}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if tag == "link" and name == "href" and value == "data:,":
                continue  # the page's empty favicon (no request, nothing to run)
            if name in URL_ATTRIBUTES and value:
                cleaned = re.sub(r"[\x00-\x20]", "", value)
                match = _SCHEME_RE.match(cleaned)
                if match and match.group(1).lower() not in {"http", "https", "mailto"}:
                    self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def active_content(document: str) -> list[str]:
    finder = ActiveContentFinder()
    finder.feed(document)
    finder.close()
    return finder.problems


def feed_html_fields(xml: bytes) -> list[str]:
    """The texts of a feed that readers render as HTML: RSS descriptions, Atom summaries
    and contents (after XML unescaping)."""
    root = ET.fromstring(xml)  # noqa: S314 - our own feed, in a test
    texts = []
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        if local in {"description", "summary", "content", "encoded"} and element.text:
            texts.append(element.text)
    return texts
