"""Merge fields: Django template syntax, restricted to a few variables and filters.

Campaigners write ``Dear {{ first_name|default:"friend" }},``. A template engine with no
tags at all (only the built-in filters) compiles it; a walk over the compiled nodes then
refuses any variable or filter not on the lists below. ``validate_variant`` runs in the
admin form (``MailingVariant.clean``) and again before a mailing starts, so a typo is
reported to the campaigner, never rendered into 100,000 inboxes.
"""

import re
from functools import cache

from django.core.exceptions import ValidationError
from django.template import Engine, Template, TemplateSyntaxError
from django.template.base import TextNode, VariableNode
from django.utils.html import escape
from django.utils.translation import gettext as _

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
        expression = node.filter_expression
        var = expression.var
        name = getattr(var, "var", None)
        lookups = getattr(var, "lookups", None)
        if lookups is None:
            continue  # a literal, e.g. {{ "text" }}
        if name not in allowed or len(lookups) != 1:
            problems.append(
                _("Unknown merge field “%(name)s”. Known: %(known)s.")
                % {"name": name, "known": ", ".join(sorted(MERGE_FIELDS))}
            )
        for func, _args in expression.filters:
            filter_name = getattr(func, "_filter_name", func.__name__)
            if filter_name not in ALLOWED_FILTERS:
                problems.append(
                    _("Filter “%(name)s” is not allowed. Allowed: %(allowed)s.")
                    % {"name": filter_name, "allowed": ", ".join(sorted(ALLOWED_FILTERS))}
                )
    if problems:
        raise ValidationError(problems)
    return template


def validate_variant(variant) -> None:
    """Every templated field of a variant compiles with known merge fields only."""
    errors = {}
    for field in ("subject", "preheader", "body", "reason"):
        try:
            compile_merge(getattr(variant, field) or "", autoescape=False)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


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
