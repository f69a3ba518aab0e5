"""The commenter deletes their own comment through the link the worker emails them."""

import re

import pytest
from django.core import signing
from django_tasks_db.models import DBTaskResult

from outcry.comments.models import Comment
from outcry.comments.tokens import DELETE_TOKEN_SALT, delete_token
from tests.comments.conftest import comment_data, submit_url
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "val@example.org"


def delete_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/comments/delete/\S+/", text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_delete_link_is_emailed_and_deletes_after_confirming(client, post, smtp_server, tasks):
    """The worker emails a link over SMTP; GET asks to confirm; POST deletes and wipes."""
    client.post(submit_url(post), comment_data(author_name="Val M", email=EMAIL, body="Horrific"))
    comment = Comment.objects.get()
    assert smtp_server.messages == []  # never sent during the request

    tasks.run()
    [message] = smtp_server.messages_to(EMAIL)
    assert post.title in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "awaiting moderation" in body
    assert "Horrific" not in body  # the email never quotes what was typed
    path = delete_path(message)

    confirm = client.get(path)
    assert confirm.status_code == 200
    assert "Delete my comment" in confirm.content.decode()
    comment.refresh_from_db()
    assert comment.state == Comment.State.PENDING  # a link scanner's GET deletes nothing

    done = client.post(path)
    assert done.status_code == 200
    comment.refresh_from_db()
    assert comment.state == Comment.State.DELETED
    assert comment.deleted_at is not None
    assert (comment.author_name, comment.body, comment.email_sealed, comment.email_hash) == (
        "",
        "",
        "",
        "",
    )
    assert client.post(path).status_code == 410
    assert client.get(path).status_code == 410


def test_deleted_comment_leaves_the_page_and_its_replies_keep_a_placeholder(client, post):
    """An approved comment deleted by its author vanishes; replies under it stay."""
    parent = CommentFactory(post=post, body="Original words", author_name="Christian M")
    CommentFactory(post=post, parent=parent, body="A reply")
    path = f"/en/comments/delete/{delete_token(parent)}/"
    assert client.post(path).status_code == 200
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Original words" not in page
    assert "Christian M" not in page
    assert "This comment was deleted by its author." in page
    assert "A reply" in page


def test_no_email_no_delete_link(client, post, smtp_server, tasks):
    """Without an email nothing is queued and nothing sent."""
    client.post(submit_url(post), comment_data(email=""))
    assert not DBTaskResult.objects.exists()
    tasks.run()
    assert smtp_server.messages == []


def test_spam_gets_no_email(client, post, smtp_server, tasks):
    """A comment filed as spam by the blocklist sends no email anywhere."""
    from outcry.comments.models import BlockedTerm

    BlockedTerm.objects.create(term="casino", effect=BlockedTerm.Effect.SPAM)
    client.post(submit_url(post), comment_data(email=EMAIL, body="casino"))
    assert Comment.objects.get().state == Comment.State.SPAM
    tasks.run()
    assert smtp_server.messages == []


def test_delete_link_is_retried_when_the_mail_server_is_away(client, post, smtp_server, tasks):
    """A temporary failure (server down) retries later and sends exactly once."""
    smtp_server.stop()
    client.post(submit_url(post), comment_data(email=EMAIL))
    tasks.run()
    comment = Comment.objects.get()
    assert comment.delete_link_sent_at is None  # claim released for the retry
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    smtp_server.start()
    tasks.run(include_deferred=True)
    assert len(smtp_server.messages_to(EMAIL)) == 1
    comment.refresh_from_db()
    assert comment.delete_link_sent_at is not None


def test_permanent_refusal_is_not_retried(client, post, smtp_server, tasks):
    """A 5xx refusal gives up at once: no retry is queued."""
    smtp_server.handler.refuse[EMAIL] = "550 No such user"
    client.post(submit_url(post), comment_data(email=EMAIL))
    tasks.run(include_deferred=True)
    assert smtp_server.messages == []
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_delete_link_is_sent_once_even_if_the_task_runs_twice(post, smtp_server):
    """The send is claimed first: a second run of the task sends nothing."""
    from outcry.comments.services import comment_send_delete_link

    comment = CommentFactory(post=post, email=EMAIL)
    assert comment_send_delete_link(comment_id=comment.pk) == "sent"
    assert comment_send_delete_link(comment_id=comment.pk) == "already sent"
    assert len(smtp_server.messages_to(EMAIL)) == 1


def test_link_for_a_comment_deleted_meanwhile_is_not_sent(post, smtp_server):
    """Nothing is emailed about a comment that no longer exists in any useful form."""
    from outcry.comments.services import comment_send_delete_link

    comment = CommentFactory(post=post, email=EMAIL, state=Comment.State.DELETED)
    assert comment_send_delete_link(comment_id=comment.pk) == "nothing to send"
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        "a" * 32 + ":xyz:abc",
        "<script>alert(1)</script>",
        "%00",
        "x" * 3000,
    ],
)
def test_forged_or_broken_links_are_refused_plainly(client, post, token):
    """Altered links get a 404 page, never an error, and change nothing."""
    comment = CommentFactory(post=post)
    for method in (client.get, client.post):
        response = method(f"/en/comments/delete/{token}/")
        assert response.status_code == 404
        assert b"<script>alert(1)" not in response.content
    comment.refresh_from_db()
    assert comment.state == Comment.State.APPROVED


def test_link_signed_for_another_purpose_is_refused(client, post):
    """A token signed with another salt (another feature's link) does not delete."""
    comment = CommentFactory(post=post)
    other = signing.TimestampSigner(salt="outcry.actions.signature-confirm").sign(comment.uuid.hex)
    assert client.post(f"/en/comments/delete/{other}/").status_code == 404
    comment.refresh_from_db()
    assert comment.state == Comment.State.APPROVED


def test_expired_link_is_refused(client, post, settings):
    """Past COMMENT_DELETE_LINK_MAX_AGE the link says it expired (410) and deletes nothing."""
    comment = CommentFactory(post=post)
    token = delete_token(comment)
    settings.COMMENT_DELETE_LINK_MAX_AGE = -1
    assert client.post(f"/en/comments/delete/{token}/").status_code == 410
    comment.refresh_from_db()
    assert comment.state == Comment.State.APPROVED


def test_valid_token_for_a_missing_comment_is_refused(client):
    """A well-signed token naming no comment is a 404."""
    token = signing.TimestampSigner(salt=DELETE_TOKEN_SALT).sign("0" * 32)
    assert client.get(f"/en/comments/delete/{token}/").status_code == 404
