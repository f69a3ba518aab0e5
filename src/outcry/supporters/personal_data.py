"""Where each app declares the personal data it holds about a supporter.

A supporter's export ("my data") and erasure must reach every row that refers to them, in
apps that sit above this one and that this app may not import. Each such app registers one
exporter and one eraser from its ``AppConfig.ready()``; the supporters' services call them
all. An app that adds a model pointing at ``Supporter`` (or sealing a supporter's words)
registers here in the same change, or its rows would survive an erasure.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from outcry.supporters.models import Supporter


@dataclass(frozen=True)
class PersonalDataHolder:
    label: str
    # Everything this app holds about the supporter, JSON-serialisable (opened, not sealed).
    export: Callable[[Supporter], Any]
    # Remove or anonymise it; keep anonymous facts (country, counted, dates) for counts.
    erase: Callable[[Supporter], None]
    # Stop any email this app would send them (unsubscribe from everything); optional.
    withdraw: Callable[[Supporter], bool] | None = None


_holders: dict[str, PersonalDataHolder] = {}


def register(
    label: str,
    *,
    export: Callable[[Supporter], Any],
    erase: Callable[[Supporter], None],
    withdraw: Callable[[Supporter], bool] | None = None,
) -> None:
    """Declare an app's personal data (call from ``AppConfig.ready()``; idempotent).

    ``withdraw`` ends what this app sends the supporter (subscriptions, follow-ups) when
    they unsubscribe from everything, and returns whether anything changed.
    """
    _holders[label] = PersonalDataHolder(label=label, export=export, erase=erase, withdraw=withdraw)


def holders() -> list[PersonalDataHolder]:
    return sorted(_holders.values(), key=lambda holder: holder.label)
