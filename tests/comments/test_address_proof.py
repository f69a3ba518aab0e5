"""Nobody can learn from the comment form whether an address ever commented, nor post
under someone else's address without a moderator: only the address's owner, through the
link emailed to it, can let their comments show at once."""

import re

import pytest

from outcry.comments.models import Comment, CommenterAddress
from outcry.comments.services import comment_approve
from tests.actors import SupporterFactory
from tests.comments.conftest import KNOWN_EMAIL, comment_data, prove_address, submit_url
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def same_response(response) -> tuple:
    """Everything a client can see of a response: status, every header, the body."""
    return response.status_code, sorted(response.headers.items()), response.content


def emailed_link_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/comments/delete/\S+/", text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_the_answer_is_the_same_whether_the_comment_shows_is_held_or_the_address_is_unknown(
    client, post, known_commenter
):
    """A comment that shows at once, one held from an address that commented before but
    never confirmed it, one from an unknown address and one without any address all get
    byte-identical responses (status, headers, body)."""
    CommentFactory(post=post, email="approved-once@example.org")
    url = submit_url(post)
    shown = client.post(url, comment_data(email=KNOWN_EMAIL))
    held_known = client.post(url, comment_data(email="approved-once@example.org"))
    unknown = client.post(url, comment_data(email="never@example.org"))
    anonymous = client.post(url, comment_data(email=""))
    states = list(Comment.objects.order_by("created_at").values_list("state", flat=True))
    assert states[-4:] == ["approved", "pending", "pending", "pending"]
    assert (
        same_response(shown)
        == same_response(held_known)
        == same_response(unknown)
        == same_response(anonymous)
    )
    # The page it leads to does not say more: the same notice for everyone.
    pages = [client.get(r["Location"]).content.decode() for r in (shown, unknown)]
    for page in pages:
        assert "Your comment was received: it appears here once it is approved." in page


def test_an_address_that_never_confirmed_is_never_auto_approved(client, post):
    """Typing the address of someone whose comment was approved does not let anyone post
    under it: the comment waits for a moderator until the owner confirms the address."""
    CommentFactory(post=post, email="victim@example.org", author_name="Victim")
    client.post(submit_url(post), comment_data(email="Victim@Example.org", body="Words not mine"))
    comment = Comment.objects.latest("created_at")
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "address not confirmed by its owner"
    assert "Words not mine" not in client.get(post.get_absolute_url()).content.decode()


def test_owner_confirms_their_address_from_the_emailed_link_by_pressing_a_button(
    client, post, smtp_server, tasks, admin_user
):
    """Opening the emailed link proves nothing (mail scanners open links); pressing "This
    address is mine" on that page does. Then, once a comment was approved, the owner's next
    comments show at once."""
    client.post(submit_url(post), comment_data(email="new@example.org", body="First words"))
    tasks.run()
    [message] = smtp_server.messages_to("new@example.org")
    page = client.get(emailed_link_path(message))
    assert page.status_code == 200
    assert CommenterAddress.objects.count() == 0
    action = re.search(
        r'<form method="post" action="([^"]+/comments/confirm/[^"]+)"', page.content.decode()
    )
    assert action, "no confirmation button on the page"

    confirmed = client.post(action.group(1))
    assert confirmed.status_code == 200
    assert "your address is confirmed" in confirmed.content.decode()
    assert CommenterAddress.objects.count() == 1

    comment_approve(comments=Comment.objects.all(), actor=admin_user)
    client.post(submit_url(post), comment_data(email="new@example.org", body="Second words"))
    assert Comment.objects.latest("created_at").state == Comment.State.APPROVED
    assert "Second words" in client.get(post.get_absolute_url()).content.decode()


def test_a_forged_confirmation_link_proves_nothing(client, post):
    """A made-up or altered token is refused plainly and proves no address."""
    comment = CommentFactory(post=post, email="x@example.org")
    assert client.post("/en/comments/confirm/not-a-token/").status_code == 404
    from outcry.comments.tokens import delete_token

    assert client.post(f"/en/comments/confirm/{delete_token(comment)}x/").status_code == 404
    assert CommenterAddress.objects.count() == 0


def test_reports_alone_do_not_hide_a_comment_a_moderator_approved(
    client, post, admin_user, settings
):
    """A few addresses reporting a comment a moderator approved do not take it down: it
    stays shown with its reports counted for a moderator. One that showed without a
    moderator is still held at the threshold."""
    settings.COMMENT_REPORT_HOLD_THRESHOLD = 3
    reviewed = CommentFactory(post=post, body="Reviewed words", state=Comment.State.PENDING)
    comment_approve(comments=[reviewed], actor=admin_user)
    unreviewed = CommentFactory(post=post, body="Unreviewed words")
    for comment in (reviewed, unreviewed):
        for n in range(3):
            client.post(
                f"/en/news/{post.slug}/comments/{comment.pk}/report/",
                REMOTE_ADDR=f"198.51.100.{n}",
            )
    reviewed.refresh_from_db()
    unreviewed.refresh_from_db()
    assert (reviewed.state, reviewed.report_count) == (Comment.State.APPROVED, 3)
    assert unreviewed.state == Comment.State.PENDING
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Reviewed words" in page
    assert "Unreviewed words" not in page


def test_erasing_a_supporter_forgets_that_their_address_was_confirmed(post):
    """Erasure removes the record that the address was proven, with the comments."""
    from outcry.comments.personal_data import comments_erase

    prove_address("gone@example.org")
    comments_erase(SupporterFactory.build(email="gone@example.org"))
    assert CommenterAddress.objects.count() == 0


def test_the_database_work_is_the_same_whatever_the_address(client, post, known_commenter):
    """Taking a comment asks the same questions of the database whether the address is
    confirmed and known, known but unconfirmed, or unknown: the time taken tells nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    CommentFactory(post=post, email="approved-once@example.org")
    # The day's first request makes the day's IP-hash key and rate-limit windows: the same
    # work whatever the address, and not what is compared here.
    client.post(submit_url(post), comment_data(email="warm-up@example.org"))
    counts = []
    for email in (KNOWN_EMAIL, "approved-once@example.org", "never@example.org"):
        with CaptureQueriesContext(connection) as queries:
            client.post(submit_url(post), comment_data(email=email))
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]
