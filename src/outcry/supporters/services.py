"""Writes to supporters and their consents: creation, unsubscribing, bounces, export and
erasure."""

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outcry.core.audit import audit_record
from outcry.core.crypto import email_hash, seal
from outcry.core.db.inserts import insert_row
from outcry.core.mail import scrub_addresses
from outcry.supporters import personal_data
from outcry.supporters.models import ConsentRecord, Supporter, Suppression
from outcry.supporters.selectors import supporter_personal_data

UNSUBSCRIBE_ALL_VERSION = "unsubscribe-all-2026-11-v1"
ERASED_HASH_PREFIX = "erased:"

Actor = AbstractBaseUser | AnonymousUser | None


def supporter_get_or_create(
    *, email: str, first_name: str, last_name: str, country: str, language: str
) -> tuple[Supporter, bool]:
    """The one supporter record for this address, created (and sealed) on first sight.

    An existing record is left as it is: whoever types an address is not yet proven to own
    it, so they must not be able to overwrite the owner's name. The name typed first is
    only a placeholder: each participation seals the name given with it and uses that, and
    the record takes a participation's name when it is confirmed (``supporter_rename``).
    """
    supporter = Supporter.objects.filter(email_hash=email_hash(email)).first()
    if supporter is not None:
        return supporter, False
    new = _supporter_sealed(email, first_name, last_name, country, language)
    saved = supporter_save(supporter=new)
    return saved, saved is new


def supporter_prepare(
    *, email: str, first_name: str, last_name: str, country: str, language: str
) -> Supporter:
    """The first half of ``supporter_get_or_create``, for the signing path, done before its
    transaction: this address's record as it stands (only its id and hash loaded), or a new
    one, sealed, not yet written; ``supporter_save`` writes it inside the transaction.

    Split because on SQLite the transaction holds the one write lock: the read and the
    sealing (about 0.1 ms) need not hold it too.
    """
    hashed = email_hash(email)
    with connection.cursor() as cursor:
        cursor.execute(_SUPPORTER_ID_SQL, [hashed])
        row = cursor.fetchone()
    if row is not None:
        # A record with its other fields deferred: saving it could only write these two.
        return Supporter.from_db(connection.alias, ["id", "email_hash"], [row[0], hashed])
    return _supporter_sealed(email, first_name, last_name, country, language)


def supporter_save(*, supporter: Supporter) -> Supporter:
    """Write a record from ``supporter_prepare`` if it is new; the record for its address.

    One statement and no savepoint: when another request created the address's record
    since it was read, nothing is written and that record is returned."""
    if not supporter._state.adding:
        return supporter
    if insert_row(supporter, unless_exists=("email_hash",)):
        return supporter
    return Supporter.objects.get(email_hash=supporter.email_hash)


def _supporter_sealed(
    email: str, first_name: str, last_name: str, country: str, language: str
) -> Supporter:
    return Supporter(
        email_hash=email_hash(email),
        personal_data=seal(
            {"email": email.strip(), "first_name": first_name, "last_name": last_name}
        ),
        country=country,
        language=language,
    )


_SUPPORTER_ID_SQL = f'SELECT "id" FROM "{Supporter._meta.db_table}" WHERE "email_hash" = %s'  # noqa: S608 - a constant


def supporter_rename(*, supporter: Supporter, first_name: str, last_name: str) -> None:
    """The address's owner confirmed an action under this name: the record takes it.

    Opens and reseals the record, so it runs where a private key is (the worker). Called
    only for a confirmed participation: an unconfirmed one never changes anyone's name.
    """
    with transaction.atomic():
        supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if supporter.erased_at is not None:
            return
        person = supporter_personal_data(supporter=supporter)
        if (person.get("first_name", ""), person.get("last_name", "")) == (first_name, last_name):
            return
        person |= {"first_name": first_name, "last_name": last_name}
        Supporter.objects.filter(pk=supporter.pk).update(personal_data=seal(person))


def consent_record(
    *,
    supporter: Supporter,
    purpose: str,
    wording: str,
    wording_version: str,
    language: str,
    given: bool,
    source_url: str,
) -> ConsentRecord:
    record = ConsentRecord(
        supporter=supporter,
        purpose=purpose,
        wording=wording,
        wording_version=wording_version,
        language=language,
        given=given,
        source_url=source_url[:500],
    )
    # One per participation, in the signing path's transaction: see core.db.inserts.
    insert_row(record)
    return record


def supporter_confirm_email(
    *, supporter: Supporter | None = None, supporter_id: int | None = None, now=None
) -> None:
    """The owner followed a link we sent to the address: it is theirs. (By id: the
    confirmation of an action does not load the record for this.)"""
    Supporter.objects.filter(
        pk=supporter.pk if supporter is not None else supporter_id,
        email_confirmed_at__isnull=True,
    ).update(email_confirmed_at=now or timezone.now())


def supporter_set_language(*, supporter: Supporter, language: str) -> None:
    Supporter.objects.filter(pk=supporter.pk).update(language=language)
    supporter.language = language


def supporter_mark_undeliverable(*, supporter: Supporter, reason: str, kind: str) -> None:
    """The address bounced for good (``kind="bounce"``) or its owner complained
    (``"complaint"``): never mail it again, even if it signs up anew. Idempotent."""
    if kind not in {Suppression.Reason.BOUNCE, Suppression.Reason.COMPLAINT}:
        raise ValueError(f"Unknown kind of undeliverable address: {kind!r}")
    with transaction.atomic():
        Supporter.objects.filter(pk=supporter.pk, undeliverable_at__isnull=True).update(
            undeliverable_at=timezone.now(),
            undeliverable_reason=scrub_addresses(f"{kind}: {reason}")[:200],
        )
        if supporter.erased_at is None and not supporter.email_hash.startswith(ERASED_HASH_PREFIX):
            Suppression.objects.get_or_create(
                email_hash=supporter.email_hash, defaults={"reason": kind}
            )


def supporter_unsubscribe_all(*, supporter: Supporter, source: str) -> bool:
    """Stop every email to this supporter: all subscriptions end, follow-ups stop.

    The withdrawal is recorded as a consent record (what they did, where, when). Returns
    whether anything changed (a second click changes nothing and records nothing).
    """
    language = supporter.language or "en"
    with transaction.atomic():
        changed = bool(
            Supporter.objects.filter(pk=supporter.pk, unsubscribed_at__isnull=True).update(
                unsubscribed_at=timezone.now()
            )
        )
        for holder in personal_data.holders():
            if holder.withdraw is not None:
                changed = holder.withdraw(supporter) or changed
        if changed:
            with translation.override(language):
                wording = _("Unsubscribe me from every email.")
            consent_record(
                supporter=supporter,
                purpose=ConsentRecord.Purpose.ALL_EMAIL,
                wording=wording,
                wording_version=UNSUBSCRIBE_ALL_VERSION,
                language=language,
                given=False,
                source_url=source,
            )
    supporter.refresh_from_db()
    return changed


def supporter_resubscribe(*, supporter: Supporter) -> None:
    """A new, confirmed opt-in lifts an earlier "unsubscribe from everything" (never a
    suppression: that stays)."""
    Supporter.objects.filter(pk=supporter.pk).update(unsubscribed_at=None)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def supporter_export(*, supporter: Supporter, actor: Actor = None) -> dict[str, Any]:
    """Everything Outcry holds about this person, opened, as JSON-ready data.

    Needs a private key (the worker, or the staff admin). An audit row says who exported
    whom (``actor``: staff; none: the supporter through their preference centre).
    """
    person = supporter_personal_data(supporter=supporter)
    data: dict[str, Any] = {
        "supporter": {
            "id": supporter.pk,
            "email": person.get("email", ""),
            "first_name": person.get("first_name", ""),
            "last_name": person.get("last_name", ""),
            "country": str(supporter.country or ""),
            "language": supporter.language,
            "created_at": _iso(supporter.created_at),
            "email_confirmed_at": _iso(supporter.email_confirmed_at),
            "unsubscribed_at": _iso(supporter.unsubscribed_at),
            "undeliverable_at": _iso(supporter.undeliverable_at),
            "undeliverable_reason": supporter.undeliverable_reason,
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "given": consent.given,
                "wording": consent.wording,
                "wording_version": consent.wording_version,
                "language": consent.language,
                "page": consent.source_url,
                "at": _iso(consent.created_at),
            }
            for consent in supporter.consents.order_by("created_at", "pk")
        ],
    }
    for holder in personal_data.holders():
        data[holder.label] = holder.export(supporter)
    audit_record(
        actor=actor,
        event="supporters.supporter.exported",
        obj=supporter,
        extra={"everything": True, "asked_by_supporter": actor is None},
    )
    return data


def supporter_erase(
    *,
    supporter: Supporter,
    actor: Actor = None,
    suppress: bool = True,
    audit: bool = True,
    why: str = "request",
) -> None:
    """Remove this person's personal data everywhere; keep the anonymous counts.

    Every app that holds data about them erases it through the registry (signatures keep
    their country and whether they were counted; comments lose name, email and text). The
    supporter row stays as an anonymous stub (no address, no names, no hash of either), so
    counts stay right. With ``suppress`` (an erasure on request), only a keyed hash of the
    address is kept, so it is never mailed again; retention (``suppress=False``) keeps none.
    Idempotent. Audited (with ``actor``, or none when the person asked themselves) unless
    the caller writes its own audit row for a batch (``audit=False``, retention).
    """
    with transaction.atomic():
        supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
        if supporter.erased_at is not None:
            return
        hashed = supporter.email_hash
        for holder in personal_data.holders():
            holder.erase(supporter)
        # Consent records are append-only for everyone but an erasure (the base manager).
        ConsentRecord._base_manager.filter(supporter=supporter).delete()
        if suppress:
            Suppression.objects.get_or_create(
                email_hash=hashed, defaults={"reason": Suppression.Reason.ERASED}
            )
        now = timezone.now()
        Supporter.objects.filter(pk=supporter.pk).update(
            email_hash=f"{ERASED_HASH_PREFIX}{uuid.uuid4().hex}",
            personal_data="",
            country="",
            language="",
            email_confirmed_at=None,
            unsubscribed_at=now,
            undeliverable_reason="",
            erased_at=now,
        )
        if audit:
            audit_record(
                actor=actor,
                event="supporters.supporter.erased",
                obj=supporter,
                extra={"why": why},
            )
