"""Where each app declares the personal data it holds about a supporter.

A supporter's export ("my data") and erasure must reach every row that refers to them, in
apps that sit above this one and that this app may not import. Each such app registers one
exporter and one eraser from its ``AppConfig.ready()``; the supporters' services call them
all. An app that adds a model pointing at ``Supporter`` (or sealing a supporter's words)
registers here in the same change, or its rows would survive an erasure.

Each app also names the models it holds personal data in (``models``: covered by its
``erase``) and may give a ``retain`` function, run daily, that lets personal data go when
it is no longer needed (``retains``: the models it covers). A test walks every model and
fails when one holding personal data is covered by no eraser or no retention.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outcry.supporters.models import Supporter

ModelLabels = tuple[str, ...] | Callable[[], Iterable[str]]


def _labels(labels: ModelLabels) -> tuple[str, ...]:
    return tuple(labels() if callable(labels) else labels)


@dataclass(frozen=True)
class PersonalDataHolder:
    label: str
    # Everything this app holds about the supporter, JSON-serialisable (opened, not sealed).
    export: Callable[[Supporter], Any]
    # Remove or anonymise it; keep anonymous facts (country, counted, dates) for counts.
    erase: Callable[[Supporter], None]
    # Stop any email this app would send them (unsubscribe from everything); optional.
    withdraw: Callable[[Supporter], bool] | None = None
    # The models ("app_label.modelname") whose personal data ``erase`` removes: a tuple,
    # or a function giving them when asked (an app whose models other apps add to, such as
    # the action types' registry, knows them only once every app is ready).
    erases: ModelLabels = ()
    # Run daily: remove what is no longer needed; returns how many rows or people it did.
    retain: Callable[[datetime], Any] | None = None
    # The models whose personal data ``retain`` lets go in time (a tuple or a function).
    retained: ModelLabels = ()

    @property
    def models(self) -> tuple[str, ...]:
        return _labels(self.erases)

    @property
    def retains(self) -> tuple[str, ...]:
        return _labels(self.retained)


# Erased by ``supporter_erase`` itself, whatever the apps register.
SUPPORTERS_MODELS = ("supporters.supporter", "supporters.consentrecord")
# Kept on purpose, with the reason.
RETENTION_EXEMPT = {
    "supporters.suppression": "a keyed hash of an address that asked never to be mailed "
    "again (erased, complained, bounced): dropping it would mail them again",
}

_holders: dict[str, PersonalDataHolder] = {}


def register(
    label: str,
    *,
    export: Callable[[Supporter], Any],
    erase: Callable[[Supporter], None],
    withdraw: Callable[[Supporter], bool] | None = None,
    models: ModelLabels = (),
    retain: Callable[[datetime], Any] | None = None,
    retains: ModelLabels = (),
) -> None:
    """Declare an app's personal data (call from ``AppConfig.ready()``; idempotent).

    ``withdraw`` ends what this app sends the supporter (subscriptions, follow-ups) when
    they unsubscribe from everything, and returns whether anything changed.
    """
    _holders[label] = PersonalDataHolder(
        label=label,
        export=export,
        erase=erase,
        withdraw=withdraw,
        erases=models,
        retain=retain,
        retained=retains,
    )


def holders() -> list[PersonalDataHolder]:
    return sorted(_holders.values(), key=lambda holder: holder.label)


def retain_all(*, now: datetime, skip: str = "") -> dict[str, Any]:
    """Run every app's daily retention (but ``skip``'s: the caller's own), by label."""
    return {
        holder.label: holder.retain(now)
        for holder in holders()
        if holder.retain is not None and holder.label != skip
    }
