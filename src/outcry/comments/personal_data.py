"""What the comments app holds about a supporter, for "my data" and erasure.

A comment does not point at a supporter: it is found through the keyed hash of the email
its author gave (optional). Registered in ``outcry.supporters.personal_data`` from
``CommentsConfig.ready()``.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from outcry.comments.models import Comment, CommenterAddress, CommentReport
from outcry.core.crypto import unseal
from outcry.supporters.models import Supporter


def comments_export(supporter: Supporter) -> list[dict]:
    return [
        {
            "post": comment.post.title,
            "name": comment.author_name,
            "email": unseal(comment.email_sealed).get("email", "") if comment.email_sealed else "",
            "comment": comment.body,
            "state": comment.state,
            "language": comment.language,
            "posted_at": comment.created_at.isoformat(),
        }
        for comment in Comment.objects.filter(email_hash=supporter.email_hash)
        .select_related("post")
        .order_by("created_at")
    ]


def comments_erase(supporter: Supporter) -> None:
    """As if the author deleted each comment: name, email, text and address hash go; a
    reply under one shows as deleted; the address is no longer known as proven."""
    CommenterAddress.objects.filter(email_hash=supporter.email_hash).delete()
    Comment.objects.filter(email_hash=supporter.email_hash).update(
        state=Comment.State.DELETED,
        deleted_at=timezone.now(),
        author_name="",
        email_sealed="",
        email_hash="",
        body="",
        ip_hash="",
    )


def comments_retain(now: datetime) -> int:
    """RETENTION_DAYS_AFTER_CLOSE after posting, a comment keeps what its author published
    (their name and text) and loses what they did not: the sealed email, its keyed hash and
    the address hash. Reports that old, their moderation long done, go, and so does the
    proof of an address proven that long ago (its owner proves it again next time)."""
    cutoff = now - timedelta(days=settings.RETENTION_DAYS_AFTER_CLOSE)
    scrubbed = (
        Comment.objects.filter(created_at__lt=cutoff)
        .exclude(email_sealed="", email_hash="", ip_hash="")
        .update(email_sealed="", email_hash="", ip_hash="")
    )
    reports, _ = CommentReport.objects.filter(created_at__lt=cutoff).delete()
    proofs, _ = CommenterAddress.objects.filter(proven_at__lt=cutoff).delete()
    return scrubbed + reports + proofs
