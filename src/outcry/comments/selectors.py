"""Reads for the comment thread under a post, and for the comment pages."""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from outcry.comments.models import Comment
from outcry.comments.tokens import TokenInvalid, comment_uuid_from_token
from outcry.news.models import Post

# The newest top-level comments shown under a post, each with all its shown replies.
THREAD_LIMIT = 200

MAX_ID = 2**63 - 1  # ids beyond a 64-bit integer cannot exist (and overflow drivers)

# Never loaded for a public page: the sealed email, its hash and the address hash.
_PRIVATE_FIELDS = ("email_sealed", "email_hash", "ip_hash")


@dataclass
class CommentThread:
    comments: list[Comment] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Comments shown (top-level and replies), not counting deleted placeholders."""
        return sum(
            (c.state == Comment.State.APPROVED) + len(c.visible_replies) for c in self.comments
        )

    def top_level(self, comment_id: int | None) -> Comment | None:
        """The shown top-level comment with this id, if any (for "reply to")."""
        return next(
            (c for c in self.comments if c.pk == comment_id and c.state == Comment.State.APPROVED),
            None,
        )


def comment_thread(*, post: Post, limit: int = THREAD_LIMIT) -> CommentThread:
    """The shown comments of a post, newest first, replies oldest first. Two queries.

    A top-level comment its author deleted stays as a placeholder when it has shown
    replies, so the replies keep their context.
    """
    replies = (
        Comment.objects.filter(state=Comment.State.APPROVED)
        .defer(*_PRIVATE_FIELDS)
        .order_by("created_at", "pk")
    )
    shown_replies = Comment.objects.filter(parent=OuterRef("pk"), state=Comment.State.APPROVED)
    top = (
        Comment.objects.filter(post=post, parent__isnull=True)
        .filter(
            Q(state=Comment.State.APPROVED) | Q(Exists(shown_replies), state=Comment.State.DELETED)
        )
        .defer(*_PRIVATE_FIELDS)
        .order_by("-created_at", "-pk")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
    )
    return CommentThread(comments=list(top[:limit]))


def post_for_comments(*, slug: str) -> Post:
    """The published post the comment URLs name, or 404."""
    return get_object_or_404(Post.objects.published(), slug=slug)


def comment_for_report(*, post: Post, comment_id: int) -> Comment:
    """A shown comment of this post, or 404: only what readers see can be reported."""
    if comment_id > MAX_ID:
        raise Http404
    return get_object_or_404(
        Comment.objects.defer(*_PRIVATE_FIELDS),
        pk=comment_id,
        post=post,
        state=Comment.State.APPROVED,
    )


def comment_for_delete_token(*, token: str) -> Comment:
    """The comment an emailed delete link names. Raises TokenInvalid or TokenExpired."""
    uuid_hex = comment_uuid_from_token(token)
    comment = (
        Comment.objects.select_related("post").defer(*_PRIVATE_FIELDS).filter(uuid=uuid_hex).first()
    )
    if comment is None:
        raise TokenInvalid
    return comment
