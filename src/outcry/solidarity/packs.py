"""The printable pack: an action's approved messages, one per card, grouped by language.

Staff ask for it from the admin (``pack_request``: one row, one audit entry, one task in the
same transaction); the worker, which holds the private key, opens the messages and writes
the PDF (``pack_generate``) into private storage. Staff then record whom it was handed
over to: the person, their family or their lawyer; there is no way to record an official.
"""

import hashlib
import itertools
import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django_countries import countries

from outcry.core.audit import audit_record
from outcry.core.crypto import unseal
from outcry.core.pdf import Document
from outcry.core.queue import enqueue
from outcry.solidarity.models import Handover, SolidarityAction, SolidarityPack
from outcry.solidarity.selectors import messages_for_pack
from outcry.supporters.models import Supporter

logger = logging.getLogger(__name__)

_LANGUAGE_NAMES = dict(ALL_LANGUAGES)


class PackNotReady(Exception):
    """Only a generated pack can be handed over."""


class AlreadyHandedOver(Exception):
    """The pack's handover is recorded already."""


def language_name(code: str) -> str:
    """The language's name in the active language ("French", "français")."""
    return _(_LANGUAGE_NAMES[code]) if code in _LANGUAGE_NAMES else code


def pack_request(*, action: SolidarityAction, language: str, actor) -> SolidarityPack:
    """Queue the generation of a pack of ``action``'s approved messages (the worker opens
    them). Audited as an export: the pack holds the writers' first names and words."""

    with transaction.atomic():
        pack = SolidarityPack(action=action, language=language, requested_by=actor)
        pack.full_clean()
        pack.save()
        audit_record(
            actor=actor,
            event="solidarity.solidaritypack.exported",
            obj=pack,
            extra={"action_id": action.pk},
        )
        enqueue("outcry.solidarity.tasks.generate_pack", pack.pk)
    return pack


def _write_pdf(pack: SolidarityPack, groups: list[tuple[str, list[tuple[str, str, str]]]]) -> bytes:
    """The cover, then one card (page) per message, a language's messages together."""
    action = pack.action
    total = sum(len(cards) for _, cards in groups)
    doc = Document(
        title=_("Messages of solidarity to %(recipient)s") % {"recipient": action.recipient},
        author=settings.ORGANISATION["name"],
        footer=settings.ORGANISATION["name"],
        created=pack.requested_at,
    )
    doc.add_page()
    doc.heading(_("Messages of solidarity to %(recipient)s") % {"recipient": action.recipient})
    doc.key_values(
        [
            (_("Messages"), number_format(total, force_grouping=True)),
            (_("Languages"), ", ".join(language_name(code) for code, _cards in groups)),
            (_("Made on"), date_format(timezone.localdate(), "DATE_FORMAT")),
        ]
    )
    for code, cards in groups:
        for first_name, country, text in cards:
            doc.add_page()
            doc.paragraph(language_name(code), size=8)
            doc.space(6)
            doc.paragraph(text, size=12)
            doc.space(6)
            doc.paragraph(f"— {first_name}, {country}", bold=True)
    return doc.to_bytes()


def pack_generate(*, pack_id: int) -> str:
    """Make the pack's PDF (in the worker). Runs once: a ready pack is left alone."""
    claimed_at = timezone.now()
    if not SolidarityPack.objects.filter(
        pk=pack_id, status=SolidarityPack.Status.QUEUED, generated_at__isnull=True
    ).update(generated_at=claimed_at):
        return "skipped"
    pack = SolidarityPack.objects.select_related("action").get(pk=pack_id)
    try:
        with translation.override(pack.language):
            rows = list(messages_for_pack(action=pack.action))
            groups = []
            for code, messages in itertools.groupby(rows, key=lambda m: m.message_language):
                cards = []
                for message in messages:
                    words = unseal(message.personal_data) if message.personal_data else {}
                    if not words.get("message"):  # erased since it was approved
                        continue
                    cards.append(
                        (
                            words.get("first_name", ""),
                            str(countries.name(message.country)),
                            words["message"],
                        )
                    )
                if cards:
                    groups.append((code, cards))
            # Languages in the order of their names as the cover's reader reads them.
            groups.sort(key=lambda group: language_name(group[0]).casefold())
            data = _write_pdf(pack, groups)
        digest = hashlib.sha256(data).hexdigest()
        pack.pdf.save(f"pack-{pack.pk}-{digest[:12]}.pdf", ContentFile(data), save=False)
        with transaction.atomic():
            SolidarityPack.objects.filter(pk=pack.pk).update(
                pdf=pack.pdf.name,
                status=SolidarityPack.Status.READY,
                message_count=sum(len(cards) for _, cards in groups),
                languages=", ".join(code for code, _cards in groups)[:300],
            )
            pack.messages.set(rows)
    except Exception as exc:
        logger.exception("Solidarity pack %s failed", pack_id)
        SolidarityPack.objects.filter(pk=pack_id).update(
            status=SolidarityPack.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    return "ready"


def pack_open(*, pack: SolidarityPack, actor):
    """The pack's PDF for a staff member to read: an audited read of the writers' words."""
    audit_record(
        actor=actor,
        event="solidarity.solidaritypack.downloaded",
        obj=pack,
        extra={"file": "pdf", "messages": pack.message_count},
    )
    return pack.pdf.open("rb")


def pack_record_handover(
    *, pack: SolidarityPack, to: str, on: date, note: str = "", actor
) -> SolidarityPack:
    """Staff record that the pack was handed over to the person, their family or their
    lawyer (never an official: there is no such choice), on a date. Once, audited."""
    if to not in Handover.values:
        raise ValidationError(_("A pack goes to the person, their family or their lawyer."))
    with transaction.atomic():
        pack = SolidarityPack.objects.select_for_update().get(pk=pack.pk)
        if pack.status != SolidarityPack.Status.READY:
            raise PackNotReady
        if pack.handed_over_to:
            raise AlreadyHandedOver
        pack.handed_over_to, pack.handed_over_on, pack.handover_note = to, on, note[:300]
        pack.handed_over_by = actor if actor is not None and actor.is_authenticated else None
        pack.full_clean()
        pack.save(
            update_fields=["handed_over_to", "handed_over_on", "handover_note", "handed_over_by"]
        )
        audit_record(
            actor=actor,
            event="solidarity.solidaritypack.handed_over",
            obj=pack,
            extra={"to": to, "on": on.isoformat()},
        )
    return pack


def _discard(pack: SolidarityPack) -> None:
    if pack.pdf:
        pack.pdf.delete(save=False)
    SolidarityPack.objects.filter(pk=pack.pk).update(pdf="", status=SolidarityPack.Status.DISCARDED)


def packs_erase_supporter(supporter: Supporter) -> None:
    """A writer is erased: packs not yet handed over that print their message are deleted
    (staff make a new one); a handed-over pack is paper in someone's hands already, and
    its file goes as well."""
    for pack in SolidarityPack.objects.filter(messages__supporter=supporter).distinct():
        _discard(pack)


def packs_export_supporter(supporter: Supporter) -> list[dict]:
    """Which packs printed the supporter's message, and whether they were handed over."""
    return [
        {
            "pack": pack.pk,
            "action_slug": pack.action.slug,
            "handed_over_to": pack.handed_over_to,
            "handed_over_on": pack.handed_over_on.isoformat() if pack.handed_over_on else None,
        }
        for pack in SolidarityPack.objects.filter(messages__supporter=supporter)
        .select_related("action")
        .distinct()
    ]


def packs_expire(now: datetime) -> int:
    """Delete the files of packs handed over DELIVERY_PACKAGE_EXPIRY_DAYS ago, as for
    delivery packages. Returns how many."""
    cutoff = (now - timedelta(days=settings.DELIVERY_PACKAGE_EXPIRY_DAYS)).date()
    expired = SolidarityPack.objects.filter(handed_over_on__lt=cutoff).exclude(pdf="")
    count = 0
    for pack in expired:
        pack.pdf.delete(save=False)
        SolidarityPack.objects.filter(pk=pack.pk).update(pdf="")
        count += 1
    return count
