"""Every write to subscriptions: asking (double opt-in), confirming, the preference centre,
"keep me informed" when signing, and the "my data" email.

Asking does one short transaction and never talks to SMTP: the confirmation email is queued
in the same transaction and sent by the worker (which holds the private key to open the
address), as signing does.
"""

import json
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outcry.actions.models import Participation
from outcry.actions.registry import type_of
from outcry.cases.models import Case
from outcry.core.confirmation import ResumeEmail
from outcry.core.crypto import email_hash, seal, unseal
from outcry.core.errors import AlreadyConfirmed, OutcryError, RateLimited
from outcry.core.mail import (
    EMAIL_MAX_ATTEMPTS,
    PermanentDeliveryFailure,
    TemporaryDeliveryFailure,
    backoff_seconds,
    deliver,
    send_once,
)
from outcry.core.queue import enqueue
from outcry.core.ratelimit import rate_limit_exceeded, sustained_bucket
from outcry.news.models import Topic
from outcry.subscriptions import emails, tokens
from outcry.subscriptions.models import Subscription, SubscriptionRequest
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.supporters.selectors import email_hash_is_suppressed, supporter_personal_data
from outcry.supporters.services import (
    consent_record,
    supporter_confirm_email,
    supporter_erase,
    supporter_export,
    supporter_get_or_create,
    supporter_resubscribe,
    supporter_set_language,
)

logger = logging.getLogger(__name__)

# A pending subscription's confirmation is sent again at most this often.
RESEND_INTERVAL = timedelta(hours=1)
PREFERENCES_WORDING_VERSION = "preferences-2026-11-v1"


@dataclass(frozen=True)
class ConsentText:
    wording: str
    version: str
    # The language the wording was shown in (the page's), if not the emails' language.
    language: str = ""


@dataclass(frozen=True)
class Scope:
    """What a subscription is about: exactly one of a country code, a topic, a case."""

    kind: str
    country: str = ""
    topic: Topic | None = None
    case: Case | None = None

    @classmethod
    def for_country(cls, code: str) -> "Scope":
        return cls(kind=Subscription.Kind.COUNTRY, country=code.upper())

    @classmethod
    def for_topic(cls, topic: Topic) -> "Scope":
        return cls(kind=Subscription.Kind.TOPIC, topic=topic)

    @classmethod
    def for_case(cls, case: Case) -> "Scope":
        return cls(kind=Subscription.Kind.CASE, case=case)

    def lookup(self) -> dict:
        return {"kind": self.kind, "country": self.country, "topic": self.topic, "case": self.case}


def _rate_limited(ip_hash: str) -> bool:
    if not ip_hash:
        return False
    return rate_limit_exceeded(
        key=f"subscribe:{ip_hash}",
        limit=settings.SUBSCRIBE_RATE_BURST_PER_MINUTE,
        window_seconds=60,
    ) or rate_limit_exceeded(
        key=f"subscribe:{sustained_bucket(ip_hash)}",
        limit=settings.SUBSCRIBE_RATE_SUSTAINED_PER_HOUR,
        window_seconds=3600,
    )


def subscription_request(
    *,
    email: str,
    first_name: str,
    language: str,
    scope: Scope,
    consent: ConsentText,
    source_url: str,
    ip_hash: str,
) -> None:
    """Ask to subscribe; a confirmation link will be emailed (double opt-in).

    The web tier only seals the request and queues it: the same two writes whatever the
    address's state, so neither the page nor its timing tells who is subscribed. The worker
    decides (``subscription_request_process``). Raises RateLimited.
    """
    if _rate_limited(ip_hash):
        raise RateLimited
    with transaction.atomic():
        request = SubscriptionRequest.objects.create(
            personal_data=seal({"email": email.strip(), "first_name": first_name}),
            language=language,
            kind=scope.kind,
            country=scope.country,
            topic=scope.topic,
            case=scope.case,
            consent_wording=consent.wording,
            consent_version=consent.version,
            consent_language=consent.language or language,
            source_url=source_url[:500],
        )
        enqueue("outcry.subscriptions.tasks.process_subscription_request", request.pk)


def subscription_request_process(*, request_id: int) -> str:
    """Worker side of a subscribe form: an active subscription gets nothing more, a pending
    one is re-sent at most hourly, an ended one is reopened (pending again), and a
    suppressed address (erased, complained, bounced) is neither stored nor mailed. The
    request row goes either way. Returns what was done."""
    now = timezone.now()
    with transaction.atomic():
        request = SubscriptionRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:
            return "gone"
        request.delete()
        person = unseal(request.personal_data)
        email = person["email"]
        if email_hash_is_suppressed(email_hash=email_hash(email)):
            return "suppressed"
        scope = Scope(
            kind=request.kind, country=str(request.country), topic=request.topic, case=request.case
        )
        language = request.language
        try:
            with transaction.atomic():
                supporter, _ = supporter_get_or_create(
                    email=email,
                    first_name=person.get("first_name", ""),
                    last_name="",
                    country="",
                    language=language,
                )
                subscription, created = Subscription.objects.select_for_update().get_or_create(
                    supporter=supporter, **scope.lookup(), defaults={"language": language}
                )
        except IntegrityError:
            # Another worker asked for the same address and scope at this very moment.
            logger.info("subscription request raced another for the same scope")
            return "raced"
        if not created:
            if subscription.is_active:
                return "active"
            # Pending: its confirmation is queued (not sent yet) or went out within the
            # hour. Either way the person already has, or soon will have, a link.
            if subscription.ended_at is None and (
                subscription.confirmation_sent_at is None
                or subscription.confirmation_sent_at > now - RESEND_INTERVAL
            ):
                return "pending"
            Subscription.objects.filter(pk=subscription.pk).update(
                ended_at=None, confirmed_at=None, confirmation_sent_at=None, language=language
            )
        consent_record(
            supporter=supporter,
            purpose=ConsentRecord.Purpose.SUBSCRIPTION,
            wording=request.consent_wording,
            wording_version=request.consent_version,
            language=request.consent_language,
            given=True,
            source_url=request.source_url,
        )
        enqueue("outcry.subscriptions.tasks.send_subscription_confirmation", subscription.pk)
    return "asked"


class UnsubscribedFromAll(OutcryError):
    """The person asked us to stop every email, and the confirmation did not say to start
    again: nothing was confirmed (the page asks them)."""

    code = "unsubscribed_from_all"
    status = 409
    default_message = gettext_lazy(
        "You asked us to stop every email: nothing was confirmed. Say on the page whether "
        "we may email you about this again."
    )


def subscription_to_confirm(*, token: str) -> Subscription:
    """The pending subscription the link names, read only (the page with the button). Raises
    tokens.TokenInvalid, tokens.TokenExpired or AlreadyConfirmed."""
    subscription_uuid = tokens.subscription_uuid_from_token(token)
    subscription = (
        Subscription.objects.select_related("supporter", "topic", "case")
        .filter(uuid=subscription_uuid)
        .first()
    )
    if subscription is None or subscription.supporter.erased_at is not None:
        raise tokens.TokenInvalid
    if subscription.is_active:
        raise AlreadyConfirmed
    if subscription.ended_at is not None:
        raise tokens.TokenInvalid
    return subscription


def _email_may_resume(*, supporter_id: int, resume_email: ResumeEmail | None) -> bool:
    """Whether mail may start for this supporter now: yes if they never asked us to stop
    every email; after they did, only if they said so again on the confirmation page (a
    consent record keeps the words they were shown). Inside the caller's transaction."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter_id)
    if supporter.unsubscribed_at is None:
        return True
    if resume_email is None:
        return False
    supporter_resubscribe(supporter=supporter)
    consent_record(
        supporter=supporter,
        purpose=ConsentRecord.Purpose.ALL_EMAIL,
        wording=resume_email.wording,
        wording_version=resume_email.version,
        language=resume_email.language,
        given=True,
        source_url=resume_email.source_url,
    )
    return True


def subscription_confirm(*, token: str, resume_email: ResumeEmail | None = None) -> Subscription:
    """Follow the emailed link and press the page's button: the subscription starts.

    It does not silently undo an earlier "unsubscribe from everything": then the page says
    so, and only with ``resume_email`` (the person pressed "email me again about …") does
    it confirm; otherwise UnsubscribedFromAll and nothing changes. Raises
    tokens.TokenInvalid, tokens.TokenExpired or AlreadyConfirmed too.
    """
    subscription = subscription_to_confirm(token=token)
    now = timezone.now()
    with transaction.atomic():
        if not _email_may_resume(supporter_id=subscription.supporter_id, resume_email=resume_email):
            raise UnsubscribedFromAll
        confirmed = Subscription.objects.filter(
            pk=subscription.pk, confirmed_at__isnull=True, ended_at__isnull=True
        ).update(confirmed_at=now)
        if confirmed:
            supporter_confirm_email(supporter=subscription.supporter)
            if not subscription.supporter.language:
                supporter_set_language(
                    supporter=subscription.supporter, language=subscription.language
                )
        else:
            # Lost a race with another press of the button: undo nothing, say why below.
            transaction.set_rollback(True)
    subscription.refresh_from_db()
    if not confirmed:
        if subscription.is_active:
            raise AlreadyConfirmed
        raise tokens.TokenInvalid
    return subscription


def subscription_from_confirmation(
    participation: Participation, *, resume_email: ResumeEmail | None = None
) -> None:
    """ "Keep me informed" when signing or writing, once the address is confirmed (which
    proved it: that is the double opt-in): a subscription to the action's case, or, for an
    action on no case, to its office's country. Registered in actions.hooks.

    After an "unsubscribe from everything" it subscribes only if the person ticked "email
    me again" on the confirmation page (``resume_email``): ticking "keep me informed" on a
    form anyone can fill in for any address is not enough to undo it.
    """
    if not participation.keep_informed:
        return
    action = getattr(participation, type_of(participation).action_field)
    # A hidden case's action may stand alone: its signers follow the country, not the case.
    if action.case_id and action.case.is_published:
        scope = Scope.for_case(action.case)
    elif getattr(action, "office_id", None) and action.office.country:
        # Kinds addressed to a person have no office: with no public case, nothing to follow.
        scope = Scope.for_country(str(action.office.country))
    else:
        return
    if not _email_may_resume(supporter_id=participation.supporter_id, resume_email=resume_email):
        return
    now = timezone.now()
    language = participation.language
    subscription, created = Subscription.objects.get_or_create(
        supporter_id=participation.supporter_id,
        **scope.lookup(),
        defaults={"language": language, "confirmed_at": now},
    )
    if not created and not subscription.is_active:
        Subscription.objects.filter(pk=subscription.pk).update(
            confirmed_at=now, ended_at=None, language=language
        )


def subscriptions_update_preferences(
    *, supporter: Supporter, language: str, active_ids: set[int], source_url: str
) -> int:
    """Save the preference centre: the language, and which subscriptions are on.

    The link was emailed to the address, so switching one on needs no further
    confirmation. Each switch is recorded as a consent record in the words the page
    showed. Returns how many subscriptions changed.
    """
    now = timezone.now()
    changed = 0
    with transaction.atomic():
        if language and language != supporter.language:
            supporter_set_language(supporter=supporter, language=language)
        subscriptions = list(
            Subscription.objects.select_for_update(of=("self",))
            .filter(supporter=supporter)
            .select_related("topic", "case")
        )
        for subscription in subscriptions:
            wanted = subscription.pk in active_ids
            if wanted == subscription.is_active:
                if language:
                    Subscription.objects.filter(pk=subscription.pk).update(language=language)
                continue
            fields = {"language": language or subscription.language}
            if wanted:
                fields.update(confirmed_at=subscription.confirmed_at or now, ended_at=None)
            else:
                fields.update(ended_at=now)
            Subscription.objects.filter(pk=subscription.pk).update(**fields)
            changed += 1
            with translation.override(supporter.language or settings.LANGUAGE_CODE):
                wording = _("Email me about %(subject)s") % {"subject": subscription.subject}
            consent_record(
                supporter=supporter,
                purpose=ConsentRecord.Purpose.SUBSCRIPTION,
                wording=wording,
                wording_version=PREFERENCES_WORDING_VERSION,
                language=supporter.language or settings.LANGUAGE_CODE,
                given=wanted,
                source_url=source_url,
            )
        if Subscription.objects.active().filter(supporter=supporter).exists():
            supporter_resubscribe(supporter=supporter)
    supporter.refresh_from_db()
    return changed


def subscriptions_end_all(supporter: Supporter) -> bool:
    """Every subscription ends (unsubscribe from everything). Registered as the
    subscriptions app's ``withdraw`` in the personal-data registry."""
    return bool(
        Subscription.objects.filter(supporter=supporter, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )
    )


def my_data_request(*, supporter: Supporter) -> bool:
    """Email the supporter everything held about them (prepared by the worker, which alone
    can open sealed data). At most once per MY_DATA_INTERVAL; returns whether it was
    queued."""
    if not cache.add(f"my-data:{supporter.pk}", 1, timeout=settings.MY_DATA_INTERVAL):
        return False
    with transaction.atomic():
        enqueue("outcry.subscriptions.tasks.send_my_data", supporter.pk)
    return True


# Worker side --------------------------------------------------------------------------


def subscription_send_confirmation(*, subscription_id: int, attempt: int = 0) -> str:
    def build(subscription: Subscription):
        if subscription.confirmed_at is not None or subscription.ended_at is not None:
            return None
        if email_hash_is_suppressed(email_hash=subscription.supporter.email_hash):
            return None
        return emails.subscription_confirmation(
            subscription, token=tokens.confirmation_token(subscription.uuid)
        )

    return send_once(
        queryset=Subscription.objects.select_related("supporter", "topic", "case"),
        pk=subscription_id,
        sent_field="confirmation_sent_at",
        build=build,
        retry_task="outcry.subscriptions.tasks.send_subscription_confirmation",
        attempt=attempt,
    )


def my_data_send(*, supporter_id: int, attempt: int = 0) -> str:
    """Build the export and email it, as a JSON attachment, to the supporter's own
    address (the only place it may go: the request came through a link sent there)."""
    supporter = Supporter.objects.filter(pk=supporter_id, erased_at__isnull=True).first()
    if supporter is None:
        return "erased"
    data = supporter_export(supporter=supporter)
    document = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    try:
        deliver(emails.my_data(supporter, email=data["supporter"]["email"], document=document))
    except PermanentDeliveryFailure:
        return "bounced"
    except TemporaryDeliveryFailure:
        if attempt + 1 >= EMAIL_MAX_ATTEMPTS:
            return "gave up"
        enqueue(
            "outcry.subscriptions.tasks.send_my_data",
            supporter_id,
            attempt=attempt + 1,
            run_after=timezone.now() + timedelta(seconds=backoff_seconds(attempt)),
            with_transaction=False,
        )
        return "retrying"
    return "sent"


# Erasure asked for through a preference link ------------------------------------------
# A preference link never expires and is in every email, so anyone an email is forwarded
# to holds one. It may ask for an erasure, but the erasure happens only from a second
# link, emailed to the address itself, that expires in a day.


def erasure_request(*, supporter: Supporter) -> bool:
    """Email the supporter a link that confirms the erasure (at most once per
    ERASURE_REQUEST_INTERVAL); returns whether it was queued. Nothing is erased yet."""
    if not cache.add(
        f"erasure-request:{supporter.pk}",
        1,
        timeout=settings.ERASURE_REQUEST_INTERVAL,
    ):
        return False
    with transaction.atomic():
        enqueue("outcry.subscriptions.tasks.send_erasure_confirmation", supporter.pk)
    return True


def erasure_confirmation_send(*, supporter_id: int, attempt: int = 0) -> str:
    """Worker side: open the address and send it the confirmation link."""
    supporter = Supporter.objects.filter(pk=supporter_id, erased_at__isnull=True).first()
    if supporter is None:
        return "erased"
    email = supporter_personal_data(supporter=supporter).get("email", "")
    try:
        deliver(emails.erasure_confirmation(supporter, email=email))
    except PermanentDeliveryFailure:
        return "bounced"
    except TemporaryDeliveryFailure:
        if attempt + 1 >= EMAIL_MAX_ATTEMPTS:
            return "gave up"
        enqueue(
            "outcry.subscriptions.tasks.send_erasure_confirmation",
            supporter_id,
            attempt=attempt + 1,
            run_after=timezone.now() + timedelta(seconds=backoff_seconds(attempt)),
            with_transaction=False,
        )
        return "retrying"
    return "sent"


def erasure_confirm(*, token: str) -> Supporter:
    """The emailed link's button was pressed: erase. Raises tokens.TokenExpired or
    tokens.TokenInvalid (which an erasure makes of every link)."""
    supporter = tokens.supporter_from_erasure_token(token)
    supporter_erase(supporter=supporter, why="asked for by the supporter, confirmed by email")
    return supporter
