import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.comments.text import render_comment_body
from outcry.core.fields import SealedTextField
from outcry.news.models import Post

# Caps on what a reader may type; over them the form says so and nothing is stored.
AUTHOR_NAME_MAX_LENGTH = 80
BODY_MAX_LENGTH = 3000


class Comment(models.Model):
    """A reader's comment on a post, or a reply to one (one level deep only).

    The commenter's email is optional, sealed at rest and never shown anywhere; its blind
    index (``email_hash``) tells a first-time commenter from a known one. The address the
    comment came from is kept only as the daily-rotating keyed hash.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")
        DELETED = "deleted", _("Deleted by its author")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="comments", verbose_name=_("post")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        related_name="replies",
        null=True,
        blank=True,
        verbose_name=_("in reply to"),
    )
    author_name = models.CharField(_("name"), max_length=AUTHOR_NAME_MAX_LENGTH)
    # {"email": …} sealed with core.crypto.seal; "" when none was given (or once deleted).
    email_sealed = SealedTextField(_("email (sealed)"), blank=True, editable=False)
    email_hash = models.CharField(_("email hash"), max_length=64, blank=True, editable=False)
    body = models.TextField(_("comment"), max_length=BODY_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.PENDING)
    held_reason = models.CharField(_("why held"), max_length=300, blank=True)
    ip_hash = models.CharField(_("IP hash"), max_length=32, blank=True, editable=False)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    delete_link_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["pending", "approved", "rejected", "spam", "deleted"]
                ),
                name="comment_state_valid",
            ),
        ]
        indexes = [
            # The post page's thread: approved comments of one post, newest first.
            models.Index(fields=["post", "state", "created_at"], name="comment_thread_idx"),
            # "Is this a known commenter?": approved comments by email hash.
            models.Index(fields=["email_hash", "state"], name="comment_known_email_idx"),
        ]

    def __str__(self) -> str:
        return f"Comment #{self.pk} on {self.post_id}"

    @property
    def is_visible(self) -> bool:
        return self.state == self.State.APPROVED

    @property
    def body_html(self) -> str:
        """The body as safe HTML: escaped text, line breaks, and nofollow links only."""
        return render_comment_body(self.body)


class CommenterAddress(models.Model):
    """An email address (by its blind index only) whose owner proved it: they followed the
    link emailed with one of their comments and confirmed. Only such an address's comments
    may show without a moderator; typing an address proves nothing."""

    email_hash = models.CharField(_("email hash"), max_length=64, unique=True, editable=False)
    proven_at = models.DateTimeField(_("proven"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("proven commenter address")
        verbose_name_plural = _("proven commenter addresses")

    def __str__(self) -> str:
        return f"Commenter address #{self.pk}"


class CommentReport(models.Model):
    """A reader's report that a comment is abusive or spam. One per hashed address."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("comment")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip_hash = models.CharField(_("IP hash"), max_length=32, editable=False)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("comment report")
        verbose_name_plural = _("comment reports")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "ip_hash"], name="one_report_per_address_per_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"Report on comment #{self.comment_id}"


class BlockedTerm(models.Model):
    """A word, phrase or web domain that staff do not want in comments.

    A match holds the comment for moderation, or sends it straight to spam.
    """

    class Kind(models.TextChoices):
        WORD = "word", _("Word or phrase (whole words, any case)")
        DOMAIN = "domain", _("Domain (in links and email addresses, with its subdomains)")

    class Effect(models.TextChoices):
        HOLD = "hold", _("Hold for moderation")
        SPAM = "spam", _("Mark as spam")

    term = models.CharField(_("term"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind, default=Kind.WORD)
    effect = models.CharField(_("effect"), max_length=8, choices=Effect, default=Effect.HOLD)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["kind", "term"]
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")
        constraints = [
            models.UniqueConstraint(fields=["kind", "term"], name="blocked_term_unique"),
        ]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        self.term = self.term.strip().lower()
        if self.kind == self.Kind.DOMAIN:
            self.term = self.term.removeprefix("http://").removeprefix("https://")
            self.term = self.term.removeprefix("www.").split("/", 1)[0]
