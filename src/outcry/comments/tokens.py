"""The signed token in the "delete my comment" link (Django signing, timestamped)."""

from django.conf import settings
from django.core import signing

from outcry.comments.models import Comment
from outcry.core.errors import TokenExpired, TokenInvalid

DELETE_TOKEN_SALT = "outcry.comments.delete"  # noqa: S105 - a salt, not a secret


def delete_link_max_age() -> int:
    return settings.COMMENT_DELETE_LINK_MAX_AGE


def delete_token(comment: Comment) -> str:
    return signing.TimestampSigner(salt=DELETE_TOKEN_SALT).sign(comment.uuid.hex)


def comment_uuid_from_token(token: str) -> str:
    """The comment's uuid (hex) the token names. Raises TokenInvalid or TokenExpired."""
    signer = signing.TimestampSigner(salt=DELETE_TOKEN_SALT)
    try:
        value = signer.unsign(token, max_age=delete_link_max_age())
    except signing.SignatureExpired as exc:
        raise TokenExpired from exc
    except signing.BadSignature as exc:
        raise TokenInvalid from exc
    if len(value) != 32 or any(ch not in "0123456789abcdef" for ch in value):
        raise TokenInvalid
    return value
