"""What apps above this one show on a case's page.

The case page lists the case's actions of every kind, but cases may not import actions
(the layers in ``pyproject.toml``). The actions app registers one plain function here from
its ``AppConfig.ready()``, as it takes ``actions.hooks`` receivers from the apps above it;
without it (actions not installed) the page lists no actions.
"""

from collections.abc import Callable
from typing import Any

# Called as ``provider(case)``: the case's public actions as the page shows them, each with
# ``action``, ``title`` (the kind's invitation or the action's title), ``card_template``
# and ``case_page_template`` (the latter two may be "").
CaseActionsProvider = Callable[[Any], list]

_providers: dict[str, CaseActionsProvider] = {}


def case_actions_provide(label: str, provider: CaseActionsProvider) -> None:
    """Register ``provider`` under ``label`` (idempotent per label)."""
    _providers[label] = provider


def case_page_actions(case) -> list:
    """Every provider's actions for ``case``, providers in label order."""
    return [entry for label in sorted(_providers) for entry in _providers[label](case)]
