from django import template

from outcry.actions.registry import type_of
from outcry.solidarity import selectors, services

register = template.Library()


@register.simple_tag
def solidarity_messages_shown(action):
    """The approved messages the case page may show (display copies only)."""
    return selectors.messages_shown(action=action)


@register.simple_tag
def solidarity_counted(action) -> str:
    """ "3,412 messages of solidarity", in the active language."""
    return type_of(action).counted_text(action)


@register.simple_tag
def solidarity_invitation(action) -> str:
    return services.invitation(action)
