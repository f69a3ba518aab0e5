"""One function per message the comments app sends; templates in templates/comments/email/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import translation

from outcry.comments.models import Comment
from outcry.comments.tokens import delete_link_max_age, delete_token
from outcry.core.crypto import unseal
from outcry.core.mail import build_email


def comment_delete_link(comment: Comment) -> EmailMultiAlternatives:
    """The link that lets the commenter delete their comment.

    It quotes neither the comment nor the name typed with it: anyone can type any address
    into the form, and this email must not become a way to send someone else's words.
    """
    language = comment.language or settings.LANGUAGE_CODE
    with translation.override(language):
        post_title = comment.post.title
        post_url = settings.SITE_URL + comment.post.get_absolute_url()
        delete_url = settings.SITE_URL + reverse(
            "comment-delete", kwargs={"token": delete_token(comment)}
        )
    return build_email(
        to=unseal(comment.email_sealed)["email"],
        template="comments/email/comment_delete_link",
        context={
            "post_title": post_title,
            "post_url": post_url,
            "delete_url": delete_url,
            "held": comment.state == Comment.State.PENDING,
            "max_age_days": delete_link_max_age() // 86400,
        },
        language=language,
        message_id=f"comment-{comment.uuid.hex}-delete-link",
    )
