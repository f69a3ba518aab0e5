"""Every write to comments: submitting, moderating, reporting, deleting by emailed link.

Submitting does one short transaction and never talks to SMTP: the "delete my comment"
email is queued in the same transaction and sent by the worker, with retries, the way
``outcry.actions.services`` sends confirmations.
"""

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outcry.comments import emails
from outcry.comments.models import (
    AUTHOR_NAME_MAX_LENGTH,
    BODY_MAX_LENGTH,
    BlockedTerm,
    Comment,
    CommenterAddress,
    CommentReport,
)
from outcry.comments.text import link_hosts, link_urls
from outcry.comments.tokens import TokenInvalid, comment_uuid_from_token
from outcry.core.audit import AUDIT_IDS_LIMIT, audit_record
from outcry.core.crypto import email_hash, seal
from outcry.core.errors import OutcryError, RateLimited
from outcry.core.mail import send_once
from outcry.core.queue import enqueue
from outcry.core.ratelimit import rate_limit_exceeded, sustained_bucket
from outcry.news.models import Post

logger = logging.getLogger(__name__)


class CommentsClosed(OutcryError):
    """The post is unpublished, or staff have closed its comments."""

    code = "comments_closed"
    status = 403
    default_message = gettext_lazy("Comments are closed on this page.")


class InvalidParent(OutcryError):
    """The comment replied to does not exist on this post, or is not shown."""

    code = "invalid_parent"
    status = 400
    default_message = gettext_lazy(
        "That comment cannot be replied to. You can send yours again as a comment on the page."
    )


class ReplyTooDeep(InvalidParent):
    """Replies go one level deep: a reply cannot be replied to."""

    code = "reply_too_deep"


class AlreadyDeleted(OutcryError):
    """The comment was deleted before; the link changes nothing now."""

    code = "already_deleted"
    status = 410
    default_message = gettext_lazy("This comment is already deleted")


class NotReportable(OutcryError):
    """Only comments readers can see can be reported."""

    code = "not_reportable"
    status = 404
    default_message = gettext_lazy("This comment cannot be reported.")


@dataclass
class _Verdict:
    state: str = Comment.State.APPROVED
    reasons: list[str] = field(default_factory=list)

    def hold(self, reason: str) -> None:
        self.reasons.append(reason)
        if self.state == Comment.State.APPROVED:
            self.state = Comment.State.PENDING

    def spam(self, reason: str) -> None:
        self.reasons.append(reason)
        self.state = Comment.State.SPAM


def _post_open(post: Post) -> bool:
    return (
        post.is_published
        and post.published_at <= timezone.now()
        and post.comment_mode != Post.CommentMode.CLOSED
    )


def comment_rate_limited(*, ip_hash: str) -> bool:
    if not ip_hash:
        return False
    return rate_limit_exceeded(
        key=f"comment:{ip_hash}",
        limit=settings.COMMENT_RATE_BURST_PER_MINUTE,
        window_seconds=60,
    ) or rate_limit_exceeded(
        key=f"comment:{sustained_bucket(ip_hash)}",
        limit=settings.COMMENT_RATE_SUSTAINED_PER_HOUR,
        window_seconds=3600,
    )


def word_matches(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE) is not None


def domain_matches(term: str, hosts: set[str]) -> bool:
    return any(host == term or host.endswith("." + term) for host in hosts)


def _assess(*, post: Post, author_name: str, email: str, body: str, hashed: str) -> _Verdict:
    """Decide whether a new comment shows at once, waits for a moderator, or is spam."""
    verdict = _Verdict()
    if post.comment_mode == Post.CommentMode.PRE_MODERATED:
        verdict.hold("pre-moderated post")

    hosts = link_hosts(body)
    if email:
        hosts.add(email.rpartition("@")[2].lower())
    for term in BlockedTerm.objects.all():
        needle = term.term.strip().lower()
        if not needle:
            continue
        if term.kind == BlockedTerm.Kind.DOMAIN:
            matched = domain_matches(needle, hosts)
            label = f"blocked domain “{needle}”"
        else:
            matched = word_matches(needle, f"{author_name}\n{body}")
            label = f"blocked word “{needle}”"
        if matched:
            if term.effect == BlockedTerm.Effect.SPAM:
                verdict.spam(label)
            else:
                verdict.hold(label)

    links = len(link_urls(body))
    if links > settings.COMMENT_MAX_LINKS:
        verdict.hold(f"{links} links")

    # Anyone can type any address: only its owner's confirmation (through the link emailed
    # with a comment) lets it skip the queue, and then only once a comment was approved.
    # Both questions are asked whatever the answers, so that the time taken says nothing.
    proven = CommenterAddress.objects.filter(email_hash=hashed).exists()
    approved_before = Comment.objects.filter(
        email_hash=hashed, state=Comment.State.APPROVED
    ).exists()
    if not hashed:
        verdict.hold("no email given (treated as a first comment)")
    elif not proven:
        verdict.hold("address not confirmed by its owner")
    elif not approved_before:
        verdict.hold("first comment from this email")
    return verdict


def comment_submit(
    *,
    post: Post,
    author_name: str,
    email: str,
    body: str,
    parent_id: int | None,
    language: str,
    ip_hash: str,
) -> Comment:
    """Take a reader's comment. Returns it; its ``state`` says whether it shows yet.

    On a post-moderated post a comment from a known email (its owner confirmed it through
    an emailed link, and it has an approved comment before) shows at once. It is held for
    a moderator, with the reasons recorded, when the post is pre-moderated, the email is
    new, unconfirmed or absent, it has too many links, or it matches a blocked term; a
    blocked term set to "spam" files it as spam. The address it came from is kept only as
    its rotating hash; over the rate limits nothing is stored.
    """
    if not _post_open(post):
        raise CommentsClosed
    if comment_rate_limited(ip_hash=ip_hash):
        raise RateLimited
    author_name = author_name.strip()
    email = email.strip()
    body = body.replace("\r\n", "\n").strip()
    if not author_name or not body:
        raise ValidationError(_("A name and a comment are required."))
    if len(author_name) > AUTHOR_NAME_MAX_LENGTH or len(body) > BODY_MAX_LENGTH:
        raise ValidationError(_("The name or the comment is too long."))

    parent = None
    if parent_id is not None:
        parent = (
            Comment.objects.filter(pk=parent_id, post=post, state=Comment.State.APPROVED)
            .only("pk", "parent_id")
            .first()
        )
        if parent is None:
            raise InvalidParent
        if parent.parent_id is not None:
            raise ReplyTooDeep

    hashed = email_hash(email) if email else ""
    verdict = _assess(post=post, author_name=author_name, email=email, body=body, hashed=hashed)
    with transaction.atomic():
        comment = Comment(
            post=post,
            parent=parent,
            author_name=author_name,
            email_sealed=seal({"email": email}) if email else "",
            email_hash=hashed,
            body=body,
            language=language,
            state=verdict.state,
            held_reason="; ".join(verdict.reasons)[:300],
            ip_hash=ip_hash,
        )
        comment.full_clean(exclude=["post", "parent"], validate_unique=False)
        comment.save()
        if email and comment.state != Comment.State.SPAM:
            enqueue("outcry.comments.tasks.send_comment_delete_link", comment.pk)
    return comment


def _ids(comments: QuerySet[Comment] | Iterable[Comment]) -> list[int]:
    if isinstance(comments, QuerySet):
        return list(comments.values_list("pk", flat=True))
    return [comment.pk for comment in comments]


def _moderate(
    *,
    comments: QuerySet[Comment] | Iterable[Comment],
    actor: AbstractBaseUser | AnonymousUser | None,
    state: str,
    verb: str,
    extra: dict | None = None,
) -> int:
    moderator = actor if actor is not None and actor.is_authenticated else None
    with transaction.atomic():
        pks = _ids(comments)
        changed = (
            Comment.objects.filter(pk__in=pks)
            .exclude(state__in=[state, Comment.State.DELETED])
            .update(
                state=state, moderated_at=timezone.now(), moderated_by=moderator, **(extra or {})
            )
        )
        audit_record(
            actor=actor,
            event=f"comments.comment.{verb}",
            extra={"count": changed, "ids": pks[:AUDIT_IDS_LIMIT]},
        )
    return changed


def comment_approve(
    *,
    comments: QuerySet[Comment] | Iterable[Comment],
    actor: AbstractBaseUser | AnonymousUser | None,
) -> int:
    """A moderator approves comments in bulk: they show on the post. Returns how many changed.

    Their report count starts again from zero; comments deleted by their authors stay
    deleted. One audit row names the moderator and the comments.
    """
    return _moderate(
        comments=comments,
        actor=actor,
        state=Comment.State.APPROVED,
        verb="approved",
        extra={"report_count": 0},
    )


def comment_reject(
    *,
    comments: QuerySet[Comment] | Iterable[Comment],
    actor: AbstractBaseUser | AnonymousUser | None,
) -> int:
    """A moderator rejects comments in bulk: they no longer show. Audited."""
    return _moderate(
        comments=comments,
        actor=actor,
        state=Comment.State.REJECTED,
        verb="rejected",
    )


def comment_mark_spam(
    *,
    comments: QuerySet[Comment] | Iterable[Comment],
    actor: AbstractBaseUser | AnonymousUser | None,
) -> int:
    """A moderator files comments as spam in bulk: they no longer show. Audited."""
    return _moderate(
        comments=comments,
        actor=actor,
        state=Comment.State.SPAM,
        verb="marked_spam",
    )


def comment_report(*, comment: Comment, ip_hash: str, reason: str = "") -> bool:
    """A reader reports a shown comment. Returns False when this address already had.

    Reports from different addresses add up; at COMMENT_REPORT_HOLD_THRESHOLD a comment
    that showed without a moderator goes back to the moderation queue (hidden) with the
    reason recorded; one a moderator approved stays shown, its reports counted for them.
    """
    if comment.state != Comment.State.APPROVED:
        raise NotReportable
    if ip_hash and rate_limit_exceeded(
        key=f"comment-report:{sustained_bucket(ip_hash)}",
        limit=settings.COMMENT_REPORT_RATE_PER_HOUR,
        window_seconds=3600,
    ):
        raise RateLimited
    threshold = settings.COMMENT_REPORT_HOLD_THRESHOLD
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, ip_hash=ip_hash, reason=reason[:200])
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
            reason_text = f"reported by {threshold} or more readers"
            held = "; ".join(r for r in [comment.held_reason, reason_text] if r)[:300]
            # A comment a moderator approved is not hidden by reports alone: otherwise a
            # few addresses could take down anything; they are listed for a moderator.
            Comment.objects.filter(
                pk=comment.pk,
                state=Comment.State.APPROVED,
                moderated_at__isnull=True,
                report_count__gte=threshold,
            ).update(state=Comment.State.PENDING, held_reason=held)
    except IntegrityError:
        return False
    return True


def comment_delete_by_token(*, token: str) -> Comment:
    """The commenter deletes their own comment through the emailed link.

    The comment stops showing at once and its name, email, text and address hash are
    wiped; a reply under it shows as "deleted". A second use of the link changes nothing.
    Raises TokenInvalid, TokenExpired or AlreadyDeleted.
    """
    uuid_hex = comment_uuid_from_token(token)
    comment = Comment.objects.select_related("post").filter(uuid=uuid_hex).first()
    if comment is None:
        raise TokenInvalid
    with transaction.atomic():
        deleted = (
            Comment.objects.filter(pk=comment.pk)
            .exclude(state=Comment.State.DELETED)
            .update(
                state=Comment.State.DELETED,
                deleted_at=timezone.now(),
                author_name="",
                email_sealed="",
                email_hash="",
                body="",
                ip_hash="",
            )
        )
        if deleted:
            audit_record(
                actor=None,
                event="comments.comment.deleted_by_author",
                obj=comment,
            )
    if not deleted:
        raise AlreadyDeleted
    comment.refresh_from_db()
    return comment


def commenter_prove_by_token(*, token: str) -> None:
    """The commenter confirms, from the page the emailed link opens (a POST: mail scanners
    follow links), that the address is theirs. From then on their comments may show
    without a moderator, once one was approved. Raises TokenInvalid or TokenExpired."""
    uuid_hex = comment_uuid_from_token(token)
    hashed = Comment.objects.filter(uuid=uuid_hex).values_list("email_hash", flat=True).first()
    if not hashed:  # no such comment, or no address given, or deleted since
        raise TokenInvalid
    CommenterAddress.objects.get_or_create(email_hash=hashed)


def comment_send_delete_link(*, comment_id: int, attempt: int = 0) -> str:
    """Email the commenter the link to delete their comment (worker only: it unseals)."""

    def build(comment: Comment):
        if comment.state in {Comment.State.DELETED, Comment.State.SPAM} or not comment.email_sealed:
            return None
        return emails.comment_delete_link(comment)

    return send_once(
        queryset=Comment.objects.select_related("post"),
        pk=comment_id,
        sent_field="delete_link_sent_at",
        build=build,
        retry_task="outcry.comments.tasks.send_comment_delete_link",
        attempt=attempt,
    )
