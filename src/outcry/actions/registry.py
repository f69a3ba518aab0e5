"""The registry of action types: what Outcry knows about each kind of action, in one place.

Petitions, letters (and emails) to an official, calls and messages of solidarity are kinds
of one thing: an ``Action`` (``outcry.actions.models``) that supporters take part in through
``Participation`` rows. Each kind registers itself once, from its app's
``AppConfig.ready()``, the way pretix registers payment providers. Everything that works
across kinds (counting, retention, erasure and export, deliveries, mailing segments and
results, news "take action" boxes, the case page, dashboards and the API to come) asks this
registry, never ``isinstance``.

A kind is its module (models, form, service, templates), a migration and one
``register(ActionType(...))``. ``tests/test_action_registry.py`` checks that every registered
kind is covered by everything above.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import Q


class Addressee(models.TextChoices):
    """Who an action's participations are delivered to."""

    OFFICE = "office", "office"  # whoever holds an office on the day (targets app)
    PERSON = "person", "person"  # the person at risk or their family, never the official
    NONE = "none", "none"


def _no_offline(action) -> list[tuple[str, int, str]]:
    return []


@dataclass(frozen=True)
class ActionType:
    """One kind of action.

    ``key`` names the kind wherever a plain value must (task arguments, audit rows, API
    types, delivery keys); it never changes once data exists.
    """

    key: str
    action_model: type[models.Model]
    participation_model: type[models.Model]
    # How the count is worded: ``count_wording(action, n)`` is the translated phrase for n
    # with a ``%(count)s`` placeholder ("%(count)s signatures", "%(count)s letters sent"),
    # so that pages can wrap the number in their own markup (the live counter's span).
    count_wording: Callable[[Any, int], str]
    # The participation's foreign key to its action.
    action_field: str = "action"
    addressee: str = Addressee.OFFICE
    # Who is counted, and whose "keep me informed" counts as theirs: proven participations.
    # Most kinds count what the address's owner confirmed; a kind whose act is its own
    # proof (a call report) says so here.
    proven: Q = field(default_factory=lambda: Q(confirmed_at__isnull=False))
    # Who may be named in a delivery (with their city): those who agreed, and proven.
    named: Q = field(default_factory=lambda: Q(named_to_target=True, confirmed_at__isnull=False))
    # The participation's own fields (beyond ``Participation``'s) that a supporter's export
    # shows, and the values erasure writes over its own fields that could lead back to them.
    export_fields: tuple[str, ...] = ()
    erase_values: dict[str, Any] = field(default_factory=dict)
    # Participants counted without a row (paper signatures): ``(country, count, source)``.
    offline_counts: Callable[[Any], list[tuple[str, int, str]]] = _no_offline
    # The public page, and the public count JSON (URL names taking ``slug``).
    detail_url_name: str = ""
    count_url_name: str = ""
    # A kind whose participations are delivered, counted in packages (deliveries app).
    deliverable: bool = True
    # The kind's public pages: a URLconf module mounted under the language prefix by the
    # root URLconf (``outcry.urls``), so a kind in its own app needs no edit there.
    urls: str = ""
    # The case page's invitation to act ("Send a message of solidarity to Elena
    # Milashina"), or None for the action's title; and the body of the action's card on
    # the case page (with ``action`` in its context; in place of ``card_template`` there),
    # e.g. the count and the approved messages.
    invitation: Callable[[Any], str] | None = None
    case_page_template: str = ""
    # The template of the action's card where pages list actions (the case page, the home
    # page), with ``action`` in its context: a petition's progress bar towards its goal.
    # Kinds with one are listed in a section of their own on the home page; empty: the
    # card shows the count wording.
    card_template: str = ""
    # The button a list of actions offers to take part (a news post's "take action" box):
    # ``act_button(action)`` is its (label, URL), or None for no button.
    act_button: Callable[[Any], tuple[str, str]] | None = None
    # The dotted path of the kind's ``ParticipationRules`` (``outcry.actions.participation``),
    # for cross-kind jobs that need them, such as queueing again a lost confirmation email.
    participation_rules: str = ""

    @property
    def label(self) -> str:
        return str(self.action_model._meta.verbose_name)

    def participations(self, action) -> models.QuerySet:
        return self.participation_model.objects.filter(**{self.action_field: action})

    def participations_of(self, action_id: int) -> models.QuerySet:
        return self.participation_model.objects.filter(**{f"{self.action_field}_id": action_id})

    def counted_text(self, action, count: int | None = None) -> str:
        """ "3,412 messages of solidarity": the count in words, as plain text."""
        count = action.total if count is None else count
        return self.count_wording(action, count) % {"count": intcomma(count)}


_types: dict[str, ActionType] = {}
_by_model: dict[type[models.Model], ActionType] = {}


def register(action_type: ActionType) -> ActionType:
    """Register a kind (idempotent for the same key and models, so a reloaded app is fine)."""
    existing = _types.get(action_type.key)
    if existing is not None and existing.action_model is not action_type.action_model:
        raise ValueError(f"Action type {action_type.key!r} is already registered")
    _types[action_type.key] = action_type
    _by_model[action_type.action_model] = action_type
    _by_model[action_type.participation_model] = action_type
    return action_type


def action_types() -> list[ActionType]:
    """Every registered kind, in registration order."""
    return list(_types.values())


def action_type(key: str) -> ActionType:
    return _types[key]


def type_of(obj_or_model) -> ActionType:
    """The kind an action or a participation (or their model) belongs to."""
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _by_model[model]
    except KeyError:
        raise TypeError(f"Not a registered action or participation: {obj_or_model!r}") from None


def is_action(obj) -> bool:
    return type(obj) in _by_model and _by_model[type(obj)].action_model is type(obj)


def urlconfs() -> list[str]:
    """The URLconf modules of the kinds that bring their own pages."""
    return [kind.urls for kind in _types.values() if kind.urls]


def actions_public(**filters) -> Iterator[Any]:
    """Every public action of every kind matching ``filters`` (e.g. ``case=case``)."""
    for kind in _types.values():
        yield from kind.action_model.objects.public().filter(**filters)


def participations_of_supporter(supporter) -> Iterator[tuple[ActionType, models.QuerySet]]:
    """Everything this supporter took part in, kind by kind."""
    for kind in _types.values():
        yield (
            kind,
            kind.participation_model.objects.filter(supporter=supporter).select_related(
                kind.action_field
            ),
        )
