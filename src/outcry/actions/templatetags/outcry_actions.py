"""Template tags for actions of every kind: the count in the kind's own words."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from outcry.actions.registry import type_of

register = template.Library()


@register.simple_tag
def action_count(action, count: int | None = None) -> SafeString:
    """ "<span class="count-value">1,204</span> letters sent": the action's count (its
    total unless ``count`` is given) worded by its kind (``ActionType.count_wording``), the
    number in the span the live counter updates."""
    count = action.total if count is None else count
    wording = type_of(action).count_wording(action, count)
    number = format_html('<span class="count-value">{}</span>', intcomma(count))
    # The translated wording is escaped first; only the number's own markup is kept.
    return mark_safe(escape(wording) % {"count": number})  # noqa: S308
