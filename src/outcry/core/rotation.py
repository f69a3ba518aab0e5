"""Re-sealing personal data with the newest public key, so that an old private key can go.

Every sealed column is declared as a ``SealedTextField`` (core.fields), which puts it in
the register this module walks. A value is re-sealed by opening it with the old private key
and sealing it again with the newest public key; it is written back only if nobody changed
it meanwhile (a conditional UPDATE), so a concurrent writer is never overwritten. Values
already sealed with the newest key are skipped, so an interrupted run simply continues when
started again. Blind indexes (email hashes) do not depend on the sealing key and are left
alone.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Count
from django.db.models.functions import Substr
from nacl.exceptions import CryptoError

from outcry.core.audit import audit_record
from outcry.core.crypto import (
    KEY_ID_LENGTH,
    PersonalDataKeyMissing,
    private_key_ids,
    public_key_id,
    seal,
    sealed_key_id,
    unseal,
)
from outcry.core.fields import SealedTextField, sealed_fields

DEFAULT_BATCH_SIZE = 500


class ResealRefused(Exception):
    """Re-sealing cannot start (a key is missing); nothing was written."""


def column_label(model: type[models.Model], sealed: SealedTextField) -> str:
    return f"{model._meta.label}.{sealed.name}"


def sealed_key_counts() -> dict[str, Counter]:
    """For each sealed column ("app.Model.field"), how many values each key id sealed."""
    counts = {}
    for model, sealed in sealed_fields():
        rows = (
            model._base_manager.exclude(**{sealed.name: ""})
            .annotate(sealed_key=Substr(sealed.name, 1, KEY_ID_LENGTH))
            .order_by()
            .values("sealed_key")
            .annotate(values=Count("pk"))
        )
        counts[column_label(model, sealed)] = Counter(
            {row["sealed_key"]: row["values"] for row in rows}
        )
    return counts


def values_on_old_keys() -> dict[str, Counter]:
    """The columns still holding values sealed with a key other than the newest, by key id."""
    newest = public_key_id()
    old = {}
    for label, by_key in sealed_key_counts().items():
        stale = Counter({kid: n for kid, n in by_key.items() if kid != newest})
        if stale:
            old[label] = stale
    return old


def reseal_refusal() -> str:
    """Why re-sealing cannot start here ("" when it can): a private key it needs is missing."""
    newest = public_key_id()
    openable = private_key_ids()
    if newest not in openable:
        return (
            f"The private key of the newest public key (id {newest}) is not in "
            "PERSONAL_DATA_PRIVATE_KEYS: re-sealed data could not be opened here. Add it "
            "(newest first) and run again."
        )
    missing: dict[str, list[str]] = {}
    for label, by_key in values_on_old_keys().items():
        for kid in by_key:
            if kid not in openable:
                missing.setdefault(kid, []).append(f"{label} ({by_key[kid]})")
    if not missing:
        return ""
    lines = [f"key id {kid}: {', '.join(columns)}" for kid, columns in sorted(missing.items())]
    return (
        "Some values are sealed with a key whose private key is not in "
        "PERSONAL_DATA_PRIVATE_KEYS; add it and run again. Nothing was re-sealed.\n"
        + "\n".join(lines)
    )


def _stale(model: type[models.Model], sealed: SealedTextField, newest: str) -> models.QuerySet:
    return model._base_manager.exclude(**{sealed.name: ""}).exclude(
        **{f"{sealed.name}__startswith": f"{newest}:"}
    )


@dataclass
class ColumnProgress:
    label: str
    total: int
    resealed: int = 0
    # Changed by someone else between our read and our write: left as they wrote it.
    skipped: int = 0


@dataclass
class ResealResult:
    key_id: str
    columns: list[ColumnProgress] = field(default_factory=list)
    stopped_at_limit: bool = False

    @property
    def resealed(self) -> int:
        return sum(column.resealed for column in self.columns)

    @property
    def skipped(self) -> int:
        return sum(column.skipped for column in self.columns)


def reseal_plan() -> list[ColumnProgress]:
    """Each sealed column with how many of its values are not sealed with the newest key."""
    newest = public_key_id()
    return [
        ColumnProgress(
            label=column_label(model, sealed), total=_stale(model, sealed, newest).count()
        )
        for model, sealed in sealed_fields()
    ]


def _reseal_batch(
    *,
    model: type[models.Model],
    sealed: SealedTextField,
    newest: str,
    after_pk,
    size: int,
) -> tuple[object, int, int]:
    """Re-seal up to ``size`` values past ``after_pk``: (last pk seen, re-sealed, skipped).

    Every value of the batch is opened before anything is written, so a value that cannot
    be opened stops the run with the batch unwritten; the writes of one batch commit together.
    """
    stale = _stale(model, sealed, newest)
    if after_pk is not None:
        stale = stale.filter(pk__gt=after_pk)
    rows = list(stale.order_by("pk").values_list("pk", sealed.attname)[:size])
    if not rows:
        return None, 0, 0
    fresh = []
    for pk, old_value in rows:
        try:
            fresh.append((pk, old_value, seal(unseal(old_value))))
        except (PersonalDataKeyMissing, CryptoError, ValueError) as error:
            raise ResealRefused(
                f"{column_label(model, sealed)} row {pk} (key id {sealed_key_id(old_value)}) "
                f"cannot be opened: {error}. Its batch was not written."
            ) from error
    resealed = 0
    with transaction.atomic():
        for pk, old_value, new_value in fresh:
            resealed += model._base_manager.filter(pk=pk, **{sealed.attname: old_value}).update(
                **{sealed.attname: new_value}
            )
    return rows[-1][0], resealed, len(rows) - resealed


def personal_data_reseal(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    limit: int | None = None,
    on_progress: Callable[[ColumnProgress], None] | None = None,
) -> ResealResult:
    """Re-seal every value not sealed with the newest public key, and audit the run.

    Refuses (``ResealRefused``, nothing written) when a private key it needs is missing.
    ``limit`` stops after that many values (a later run continues where it stopped).
    """
    refusal = reseal_refusal()
    if refusal:
        raise ResealRefused(refusal)
    newest = public_key_id()
    result = ResealResult(key_id=newest, columns=reseal_plan())
    try:
        for (model, sealed), progress in zip(sealed_fields(), result.columns, strict=True):
            after_pk = None
            while progress.total:
                left = None if limit is None else limit - result.resealed - result.skipped
                if left is not None and left <= 0:
                    result.stopped_at_limit = True
                    return result
                size = batch_size if left is None else min(batch_size, left)
                last_pk, resealed, skipped = _reseal_batch(
                    model=model, sealed=sealed, newest=newest, after_pk=after_pk, size=size
                )
                if not resealed and not skipped:
                    break
                after_pk = last_pk
                progress.resealed += resealed
                progress.skipped += skipped
                if on_progress:
                    on_progress(progress)
    finally:
        audit_record(
            actor=None,
            event="core.personal_data.resealed",
            extra={
                "key_id": newest,
                "resealed": result.resealed,
                "changed_meanwhile": result.skipped,
                "stopped_at_limit": result.stopped_at_limit,
                "columns": {
                    column.label: [column.resealed, column.total]
                    for column in result.columns
                    if column.total
                },
            },
        )
    return result
