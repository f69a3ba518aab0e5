"""Moderators' queue in the admin, bulk actions with audit rows, and readers' reports."""

import pytest

from outcry.comments import services
from outcry.comments.models import BlockedTerm, Comment, CommentReport
from outcry.core.models import AuditEvent
from tests import actors
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/comments/comment/"


def bulk(client, action: str, comments) -> None:
    response = client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(c.pk) for c in comments]},
    )
    assert response.status_code == 302


def test_moderator_sees_the_queue_with_why_each_comment_was_held(client, moderator, post):
    """The queue, filtered to comments awaiting moderation, shows the held reason."""
    CommentFactory(
        post=post,
        body="Please look",
        state=Comment.State.PENDING,
        held_reason="first comment from this email",
    )
    CommentFactory(post=post, body="Already fine", state=Comment.State.APPROVED)
    actors.logged_in(client, moderator)
    response = client.get(CHANGELIST, {"state__exact": "pending"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "first comment from this email" in page
    assert "Please look" in page
    assert "Already fine" not in page


def test_campaigner_cannot_open_the_moderation_queue(client, campaigner):
    """Comments are the moderators' job: other roles get 403."""
    actors.logged_in(client, campaigner)
    assert client.get(CHANGELIST).status_code == 403


def test_moderator_approves_in_bulk_and_an_audit_row_names_them(client, moderator, post):
    """Bulk approve shows the comments and writes one audit row with the moderator."""
    held = CommentFactory.create_batch(2, post=post, state=Comment.State.PENDING)
    actors.logged_in(client, moderator)
    bulk(client, "approve", held)
    assert set(Comment.objects.values_list("state", flat=True)) == {Comment.State.APPROVED}
    assert {c.moderated_by_id for c in Comment.objects.all()} == {moderator.pk}
    event = AuditEvent.objects.get(object_type="comments.comment")
    assert event.actor == moderator
    assert event.event == "comments.comment.approved"
    assert event.extra["count"] == 2
    assert sorted(event.extra["ids"]) == sorted(c.pk for c in held)


@pytest.mark.parametrize(
    ("action", "state", "verb"),
    [
        ("reject", Comment.State.REJECTED, "rejected"),
        ("mark_spam", Comment.State.SPAM, "marked_spam"),
    ],
)
def test_moderator_rejects_or_marks_spam_in_bulk(client, moderator, post, action, state, verb):
    """Reject and spam hide the comments, audited as invalidations."""
    shown = CommentFactory.create_batch(3, post=post)
    actors.logged_in(client, moderator)
    bulk(client, action, shown[:2])
    assert list(Comment.objects.filter(state=state).order_by("pk")) == shown[:2]
    assert Comment.objects.get(pk=shown[2].pk).state == Comment.State.APPROVED
    event = AuditEvent.objects.get(object_type="comments.comment")
    assert event.event == f"comments.comment.{verb}"


def test_moderation_never_revives_a_comment_its_author_deleted(post, admin_user):
    """Approving a deleted comment changes nothing."""
    deleted = CommentFactory(post=post, state=Comment.State.DELETED, body="")
    assert services.comment_approve(comments=[deleted], actor=admin_user) == 0
    deleted.refresh_from_db()
    assert deleted.state == Comment.State.DELETED


def test_moderator_cannot_add_or_delete_comments_in_the_admin(client, moderator, post):
    """Moderators change state through the audited actions only."""
    comment = CommentFactory(post=post)
    actors.logged_in(client, moderator)
    assert client.get("/admin/comments/comment/add/").status_code == 403
    assert client.get(f"/admin/comments/comment/{comment.pk}/delete/").status_code == 403


def test_moderator_edits_the_blocklist(client, moderator):
    """Staff keep the list of blocked words and domains."""
    actors.logged_in(client, moderator)
    response = client.post(
        "/admin/comments/blockedterm/add/",
        {"term": "Casino", "kind": "word", "effect": "hold", "note": ""},
    )
    assert response.status_code == 302
    assert BlockedTerm.objects.get().term == "casino"


def report(client, post, comment, **extra):
    return client.post(f"/en/news/{post.slug}/comments/{comment.pk}/report/", **extra)


def test_reader_reports_a_comment(client, post):
    """A report is recorded against the comment and thanked on the post page."""
    comment = CommentFactory(post=post)
    response = report(client, post, comment, data={"reason": "abuse"})
    assert response.status_code == 302
    assert response["Location"] == (
        f"/en/test-post/{post.slug}/?comment=reported#comment-{comment.pk}"
    )
    comment.refresh_from_db()
    assert comment.report_count == 1
    assert comment.state == Comment.State.APPROVED
    assert CommentReport.objects.get().reason == "abuse"
    assert "Thank you for your report" in client.get(response["Location"]).content.decode()


def test_one_address_counts_once(client, post):
    """Reporting the same comment again from the same address adds nothing."""
    comment = CommentFactory(post=post)
    report(client, post, comment)
    report(client, post, comment)
    comment.refresh_from_db()
    assert comment.report_count == 1
    assert CommentReport.objects.count() == 1


def test_enough_reports_send_a_comment_back_to_the_queue(client, post, settings):
    """At the threshold, from different addresses, the comment is hidden and held."""
    settings.COMMENT_REPORT_HOLD_THRESHOLD = 3
    comment = CommentFactory(post=post, body="Nasty words")
    for n in range(3):
        report(client, post, comment, REMOTE_ADDR=f"198.51.100.{n}")
    comment.refresh_from_db()
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "reported by 3 or more readers"
    assert "Nasty words" not in client.get(post.get_absolute_url()).content.decode()


def test_approving_a_reported_comment_resets_its_count(post, admin_user, settings):
    """A moderator's approval clears the reports so far."""
    comment = CommentFactory(post=post, state=Comment.State.PENDING, report_count=3)
    services.comment_approve(comments=Comment.objects.filter(pk=comment.pk), actor=admin_user)
    comment.refresh_from_db()
    assert comment.report_count == 0


@pytest.mark.parametrize("state", [Comment.State.PENDING, Comment.State.SPAM])
def test_hidden_comments_cannot_be_reported(client, post, state):
    """Only what readers can see can be reported: 404 otherwise."""
    comment = CommentFactory(post=post, state=state)
    assert report(client, post, comment).status_code == 404
    assert not CommentReport.objects.exists()


def test_reports_are_rate_limited_per_address(client, post, settings):
    """Past the hourly limit, reports are refused with 429."""
    settings.COMMENT_REPORT_RATE_PER_HOUR = 2
    comments = CommentFactory.create_batch(3, post=post)
    assert [report(client, post, c).status_code for c in comments] == [302, 302, 429]
    assert CommentReport.objects.count() == 2


def test_a_comment_of_another_post_cannot_be_reported_through_this_one(client, post):
    """The comment must belong to the post in the URL."""
    other = CommentFactory()
    assert report(client, post, other).status_code == 404


def test_moderator_sees_reports_on_the_comment_page(client, moderator, post):
    """The comment's page in the admin lists its reports and their reasons."""
    comment = CommentFactory(post=post)
    CommentReport.objects.create(comment=comment, ip_hash="x" * 32, reason="hateful")
    actors.logged_in(client, moderator)
    page = client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()
    assert "hateful" in page
