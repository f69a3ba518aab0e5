"""Writes for mailings: composing from a case update, scheduling, starting, pausing,
cancelling, previews and test sends, unsubscribing through a message, bounces and
complaints reported by an email service."""

import logging
import re
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from outcry.cases.models import CaseUpdate
from outcry.core.audit import audit_record
from outcry.core.crypto import email_hash
from outcry.core.mail import (
    PermanentDeliveryFailure,
    TemporaryDeliveryFailure,
    scrub_addresses,
)
from outcry.core.queue import enqueue
from outcry.mailings.basis import general_reason
from outcry.mailings.composition import build_message, compile_variant, message_id_domain
from outcry.mailings.dkim_signing import dkim_sign
from outcry.mailings.models import Mailing, MailingRecipient, MailingVariant
from outcry.mailings.selectors import (
    basis_of_subscriptions,
    mailing_audience,
    mailing_scope,
    with_consent_basis,
)
from outcry.mailings.transport import transport
from outcry.supporters.models import Supporter
from outcry.supporters.selectors import supporter_personal_data
from outcry.supporters.services import supporter_mark_undeliverable, supporter_unsubscribe_all

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | AnonymousUser | None
MATERIALISE_CHUNK = 5000


def mailing_check_ready(*, mailing: Mailing) -> int:
    """Everything a mailing needs before it may go; returns how many it would reach.

    Raises ValidationError with every problem found: no variant in the default language,
    a merge field that does not exist or bad template syntax, nobody to send to.
    """
    problems = []
    variants = list(mailing.variants.all())
    if not any(v.language == mailing.default_language for v in variants):
        problems.append(
            _("Write a variant in the default language (%(language)s): it is the fallback.")
            % {"language": mailing.default_language}
        )
    for variant in variants:
        try:
            variant.full_clean()
            compile_variant(variant, mailing=mailing)
        except ValidationError as exc:
            problems.extend(f"[{variant.language}] {message}" for message in exc.messages)
    count = mailing_audience(mailing=mailing).count()
    if count == 0:
        problems.append(_("The segment reaches nobody: there is no one to send this to."))
    if problems:
        raise ValidationError(problems)
    return count


def mailing_schedule(*, mailing: Mailing, actor: Actor, at: datetime | None = None) -> Mailing:
    """Send at ``at`` (or now). The recipients are fixed when sending starts."""
    if not mailing.is_editable:
        raise ValidationError(_("This mailing has already started."))
    mailing_check_ready(mailing=mailing)
    at = at or timezone.now()
    with transaction.atomic():
        updated = Mailing.objects.filter(
            pk=mailing.pk, status__in=[Mailing.Status.DRAFT, Mailing.Status.SCHEDULED]
        ).update(status=Mailing.Status.SCHEDULED, scheduled_at=at)
        if not updated:
            raise ValidationError(_("This mailing has already started."))
        audit_record(actor=actor, event="mailings.mailing.scheduled", obj=mailing, extra={"at": at})
        enqueue("outcry.mailings.tasks.mailing_start_task", mailing.pk, run_after=at)
    mailing.refresh_from_db()
    return mailing


def _language_for(supporter_language: str, languages: set[str], default: str) -> str:
    return supporter_language if supporter_language in languages else default


def _basis_key(
    petition_id: int | None,
    letter_id: int | None,
    subscription_id: int | None,
    subscription_keys: dict[int, str],
) -> str:
    # "Keep me informed" first: it names what the person did ("after signing …"), and it
    # is also what made their case subscription.
    if petition_id is not None:
        return f"petition:{petition_id}"
    if letter_id is not None:
        return f"letter:{letter_id}"
    return subscription_keys.get(subscription_id, "")


def _write_recipients(mailing: Mailing, languages: set[str], chunk: list[tuple]) -> None:
    subscription_keys = basis_of_subscriptions(row[4] for row in chunk if row[4] is not None)
    MailingRecipient.objects.bulk_create(
        [
            MailingRecipient(
                mailing_id=mailing.pk,
                supporter_id=supporter_id,
                token=secrets.token_urlsafe(18),
                language=_language_for(language, languages, mailing.default_language),
                basis=_basis_key(petition_id, letter_id, subscription_id, subscription_keys),
            )
            for supporter_id, language, petition_id, letter_id, subscription_id in chunk
        ],
        ignore_conflicts=True,
    )


def mailing_materialise(*, mailing: Mailing) -> int:
    """One recipient row per person in the audience, written in bulk, idempotently (the
    unique constraint and ``ignore_conflicts`` make a second run add only the missing).
    Each row names the consent it is sent under (``basis``), for the footer."""
    languages = set(mailing.variants.values_list("language", flat=True))
    audience = (
        with_consent_basis(mailing_audience(mailing=mailing), scope=mailing_scope(mailing=mailing))
        .order_by("pk")
        .values_list("pk", "language", "basis_petition", "basis_letter", "basis_subscription")
    )
    chunk = []
    for row in audience.iterator(chunk_size=MATERIALISE_CHUNK):
        chunk.append(row)
        if len(chunk) >= MATERIALISE_CHUNK:
            _write_recipients(mailing, languages, chunk)
            chunk = []
    if chunk:
        _write_recipients(mailing, languages, chunk)
    return MailingRecipient.objects.filter(mailing=mailing).count()


def mailing_start(*, mailing_id: int, now: datetime | None = None) -> bool:
    """Start a scheduled mailing whose time has come: fix its recipients, then send."""
    now = now or timezone.now()
    mailing = Mailing.objects.filter(
        pk=mailing_id, status=Mailing.Status.SCHEDULED, scheduled_at__lte=now
    ).first()
    if mailing is None:
        return False
    try:
        # Checked again: a scheduled mailing stays editable until it starts.
        mailing_check_ready(mailing=mailing)
    except ValidationError as exc:
        Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SCHEDULED).update(
            status=Mailing.Status.DRAFT
        )
        logger.warning("Mailing %s not started, back to draft: %s", mailing.pk, exc.messages)
        return False
    count = mailing_materialise(mailing=mailing)
    with transaction.atomic():
        started = Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SCHEDULED).update(
            status=Mailing.Status.SENDING, started_at=now, recipient_count=count
        )
        if started:
            enqueue("outcry.mailings.tasks.mailing_send_task", mailing.pk)
    return bool(started)


def _set_status(*, mailing: Mailing, actor: Actor, old: set[str], new: str, what: str) -> bool:
    with transaction.atomic():
        changed = Mailing.objects.filter(pk=mailing.pk, status__in=old).update(status=new)
        if changed:
            audit_record(actor=actor, event=f"mailings.mailing.{what}", obj=mailing)
    mailing.refresh_from_db()
    return bool(changed)


def mailing_pause(*, mailing: Mailing, actor: Actor) -> bool:
    """Workers stop after their current batch; nothing already claimed is lost."""
    return _set_status(
        mailing=mailing,
        actor=actor,
        old={Mailing.Status.SENDING},
        new=Mailing.Status.PAUSED,
        what="paused",
    )


def mailing_resume(*, mailing: Mailing, actor: Actor) -> bool:
    with transaction.atomic():
        resumed = _set_status(
            mailing=mailing,
            actor=actor,
            old={Mailing.Status.PAUSED},
            new=Mailing.Status.SENDING,
            what="resumed",
        )
        if resumed:
            enqueue("outcry.mailings.tasks.mailing_send_task", mailing.pk)
    return resumed


def mailing_cancel(*, mailing: Mailing, actor: Actor) -> bool:
    """Nobody not yet mailed will be (rows being sent right now finish or are dropped)."""
    with transaction.atomic():
        cancelled = _set_status(
            mailing=mailing,
            actor=actor,
            old={
                Mailing.Status.DRAFT,
                Mailing.Status.SCHEDULED,
                Mailing.Status.SENDING,
                Mailing.Status.PAUSED,
            },
            new=Mailing.Status.CANCELLED,
            what="cancelled",
        )
        if cancelled:
            MailingRecipient.objects.filter(
                mailing=mailing, status=MailingRecipient.Status.PENDING
            ).update(status=MailingRecipient.Status.CANCELLED)
            Mailing.objects.filter(pk=mailing.pk).update(finished_at=timezone.now())
    return cancelled


SAMPLE_VALUES = {"first_name": "", "last_name": "", "country": ""}


def _variant(mailing: Mailing, language: str) -> MailingVariant:
    variants = {v.language: v for v in mailing.variants.all()}
    variant = variants.get(language) or variants.get(mailing.default_language)
    if variant is None:
        raise ValidationError(_("This mailing has no variant to show yet."))
    return variant


def mailing_render_for(
    *, mailing: Mailing, language: str, supporter: Supporter | None, actor: Actor
) -> dict[str, str]:
    """The message as one person (or nobody, with the defaults) would get it.

    Opening a real supporter's name is a staff read of personal data: audited.
    """
    variant = _variant(mailing, language)
    compiled = compile_variant(variant, mailing=mailing)
    values = dict(SAMPLE_VALUES)
    if supporter is not None:
        person = supporter_personal_data(supporter=supporter)
        audit_record(
            actor=actor,
            event="mailings.mailing.previewed",
            obj=supporter,
            extra={"mailing_id": mailing.pk},
        )
        values.update(
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
            country=compiled.country_name(str(supporter.country or "")),
        )
    site = settings.SITE_URL
    values.update(
        view_url=site,
        unsubscribe_url=site,
        preferences_url=site,
        # Each recipient's own consent is named when it is sent; the preview shows the
        # sentence for those who gave none more specific.
        consent_reason=general_reason(variant.language),
    )
    subject, text, html = compiled.render(values)
    return {"subject": subject, "text": text, "html": html, "language": variant.language}


def mailing_test_send(
    *,
    mailing: Mailing,
    language: str,
    to: str,
    actor: Actor,
    supporter: Supporter | None = None,
) -> None:
    """Send the rendering to one address (marked as a test in the subject)."""
    rendered = mailing_render_for(
        mailing=mailing, language=language, supporter=supporter, actor=actor
    )
    data = build_message(
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        subject=f"[TEST] {rendered['subject']}",
        text=rendered["text"],
        html=rendered["html"],
        message_id=f"<test.m{mailing.pk}.{secrets.token_hex(8)}@{message_id_domain()}>",
        language=rendered["language"],
        extra_headers=[],
    )
    sender = transport()
    try:
        sender.send(
            sender=settings.DEFAULT_FROM_EMAIL,
            recipient=to,
            data=dkim_sign(data),
            record=lambda: True,
        )
    except (PermanentDeliveryFailure, TemporaryDeliveryFailure) as exc:
        raise ValidationError(
            _("The test message was refused: %(error)s"), params={"error": exc}
        ) from exc
    finally:
        sender.close()
    audit_record(actor=actor, event="mailings.mailing.test_sent", obj=mailing)


def recipient_unsubscribe(*, recipient: MailingRecipient) -> bool:
    """The person unsubscribes from everything through this mailing (counted in results)."""
    with transaction.atomic():
        MailingRecipient.objects.filter(pk=recipient.pk, unsubscribed_at__isnull=True).update(
            unsubscribed_at=timezone.now()
        )
        return supporter_unsubscribe_all(
            supporter=recipient.supporter, source=recipient.mailing.source
        )


_MAILTO_TOKEN_RE = re.compile(r"unsubscribe\s+([A-Za-z0-9_-]{16,32})\b", re.IGNORECASE)


def recipient_unsubscribe_by_mail(*, subject: str) -> bool:
    """The ``mailto:`` of List-Unsubscribe: a message whose subject is "unsubscribe
    <token>" (as every message's header offers) unsubscribes like the one-click link."""
    match = _MAILTO_TOKEN_RE.search(subject or "")
    recipient = (
        MailingRecipient.objects.filter(token=match.group(1))
        .select_related("mailing", "supporter")
        .first()
        if match
        else None
    )
    if recipient is None:
        return False
    recipient_unsubscribe(recipient=recipient)
    return True


def delivery_problem_apply(*, kind: str, email: str, message_id: str, detail: str) -> bool:
    """An email service reported a bounce (``"bounce"``) or a complaint (``"complaint"``)
    for an address: it is never mailed again, as with a 5xx at send time. A complaint also
    unsubscribes. Returns whether a supporter was found."""
    supporter = Supporter.objects.filter(email_hash=email_hash(email)).first() if email else None
    recipient = None
    if message_id:
        recipient = (
            MailingRecipient.objects.filter(message_id=message_id).select_related("mailing").first()
        )
        if supporter is None and recipient is not None:
            supporter = recipient.supporter
    if supporter is None:
        return False
    # The service's description often quotes the address: kept only without it.
    detail = scrub_addresses(detail)
    with transaction.atomic():
        supporter_mark_undeliverable(supporter=supporter, reason=detail[:150], kind=kind)
        if recipient is not None and kind == "bounce":
            MailingRecipient.objects.filter(pk=recipient.pk).update(
                status=MailingRecipient.Status.BOUNCED, error=detail[:300]
            )
        if kind == "complaint":
            source = recipient.mailing.source if recipient is not None else "complaint"
            supporter_unsubscribe_all(supporter=supporter, source=source)
    return True


def mailing_from_case_update(*, update: CaseUpdate, actor: Actor) -> Mailing:
    """A draft mailing of a case update, in every language the update is written in, to
    the case's subscribers and its signers who opted in. The campaigner reviews and sends.

    Raises ValidationError if the update's text could not be mailed (see merge)."""
    case = update.case
    with transaction.atomic():
        mailing = Mailing.objects.create(
            name=f"Update: {case.name} — {update.title}"[:200],
            case_update=update,
            default_language=settings.LANGUAGE_CODE,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        for language, _name in settings.LANGUAGES:
            title = getattr(update, f"title_{language}", "") or ""
            body = getattr(update, f"body_{language}", "") or ""
            if not title and language != settings.LANGUAGE_CODE:
                continue
            title = title or update.title
            body = body or update.body
            greeting = {"fr": 'Bonjour {{ first_name|default:"à vous" }},'}.get(
                language, 'Dear {{ first_name|default:"friend" }},'
            )
            with translation.override(language):
                link = settings.SITE_URL + case.get_absolute_url()
            variant = MailingVariant(
                mailing=mailing,
                language=language,
                subject=f"{case.name}: {title}"[:300],
                preheader=title[:300],
                body=f"{greeting}\n\n## {title}\n\n{body}\n\n[{case.name}]({link})\n",
            )
            # The update's text is checked like a campaigner's (a remote image, a merge
            # field in a link): refused here, the whole draft is rolled back.
            variant.full_clean()
            variant.save()
        audit_record(
            actor=actor,
            event="mailings.mailing.drafted_from_case_update",
            obj=mailing,
            extra={"case_update_id": update.pk},
        )
    return mailing
