"""Signed links for subscriptions: the confirmation (timestamped), the preference centre
(no expiry: it is in every email; bound to the address's keyed hash, so an erasure, which
removes that hash, revokes every link ever sent), and the erasure confirmation (emailed
on request, timestamped, bound to the hash like the preference link)."""

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from outcry.core.errors import TokenExpired, TokenInvalid
from outcry.supporters.models import Supporter

CONFIRM_SALT = "outcry.subscriptions.confirm"  # noqa: S105 - a salt, not a secret
PREFERENCES_SALT = "outcry.subscriptions.preferences"  # noqa: S105 - a salt, not a secret
ERASURE_SALT = "outcry.subscriptions.erasure"  # noqa: S105 - a salt, not a secret
# An erasure link is asked for and used at once; a day covers a slow mailbox.
ERASURE_CONFIRMATION_MAX_AGE = 86400
# Enough of the keyed hash to bind the link to the address (an erasure replaces the hash).
_HASH_PREFIX = 16


def confirmation_max_age() -> int:
    return settings.SUBSCRIPTION_CONFIRMATION_MAX_AGE


def absolute_url(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def confirmation_token(subscription_uuid: uuid.UUID) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscription_uuid.hex)


def subscription_uuid_from_token(token: str) -> uuid.UUID:
    try:
        value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=confirmation_max_age()
        )
        return uuid.UUID(hex=value)
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    except (signing.BadSignature, ValueError) as exc:
        raise TokenInvalid from exc


def preference_token(supporter: Supporter) -> str:
    return signing.Signer(salt=PREFERENCES_SALT).sign(
        f"{supporter.pk}.{supporter.email_hash[:_HASH_PREFIX]}"
    )


def preference_url(*, supporter: Supporter, language: str) -> str:
    """The absolute link to this supporter's preference centre, in ``language``."""
    return absolute_url(language, "preferences", token=preference_token(supporter))


def supporter_from_preference_token(token: str) -> Supporter:
    """The supporter a preference link names. Raises TokenInvalid (altered, forged, or the
    supporter was erased since)."""
    try:
        value = signing.Signer(salt=PREFERENCES_SALT).unsign(token)
        pk, _, hash_prefix = value.partition(".")
        supporter = Supporter.objects.filter(pk=int(pk), erased_at__isnull=True).first()
    except (signing.BadSignature, ValueError) as exc:
        raise TokenInvalid from exc
    if supporter is None or supporter.email_hash[:_HASH_PREFIX] != hash_prefix:
        raise TokenInvalid
    return supporter


def erasure_token(supporter: Supporter) -> str:
    """The emailed link that confirms an erasure asked for from the preference centre."""
    return signing.TimestampSigner(salt=ERASURE_SALT).sign(
        f"{supporter.pk}.{supporter.email_hash[:_HASH_PREFIX]}"
    )


def erasure_url(*, supporter: Supporter, language: str) -> str:
    return absolute_url(language, "erasure-confirm", token=erasure_token(supporter))


def supporter_from_erasure_token(token: str) -> Supporter:
    """The supporter an erasure link names. Raises TokenExpired (older than a day) or
    TokenInvalid (altered, forged, or the supporter is already erased)."""
    try:
        value = signing.TimestampSigner(salt=ERASURE_SALT).unsign(
            token, max_age=ERASURE_CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    except signing.BadSignature as exc:
        raise TokenInvalid from exc
    pk, _, hash_prefix = value.partition(".")
    supporter = (
        Supporter.objects.filter(pk=int(pk), erased_at__isnull=True).first()
        if pk.isdigit()
        else None
    )
    if supporter is None or supporter.email_hash[:_HASH_PREFIX] != hash_prefix:
        raise TokenInvalid
    return supporter
