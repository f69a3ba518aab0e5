"""The comments include on the post page: what it shows, in how many queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from outcry.comments.demo import demo_load_comments
from outcry.comments.models import Comment
from outcry.comments.templatetags.outcry_comments import comment_age
from tests.comments.factories import CommentFactory
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def render_include(post, request=None) -> str:
    template = engines["django"].from_string(
        '{% include "comments/_comments.html" with post=post %}'
    )
    return template.render({"post": post}, request)


def test_thread_takes_two_queries_however_many_comments(post, rf):
    """The include loads comments and their replies in two queries: no N+1."""
    for _ in range(3):
        parent = CommentFactory(post=post)
        CommentFactory.create_batch(2, post=post, parent=parent)
    request = rf.get(post.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        render_include(post, request)
    for _ in range(10):
        parent = CommentFactory(post=post)
        CommentFactory.create_batch(3, post=post, parent=parent)
    with CaptureQueriesContext(connection) as many:
        page = render_include(post, request)
    assert len(few) == len(many) == 2
    assert page.count('class="comment"') == 13 + 3 * 2 + 10 * 3  # top level + replies


def test_only_approved_comments_are_shown(post):
    """Held, rejected, spam and deleted comments stay off the page."""
    for state in Comment.State:
        CommentFactory(post=post, state=state, body=f"Body {state.value}")
    page = render_include(post)
    assert "Body approved" in page
    for state in ("pending", "rejected", "spam", "deleted"):
        assert f"Body {state}" not in page
    assert "1 comment" in page


def test_newest_comments_first_and_replies_oldest_first(post):
    """As on the seed page: newest at the top; a conversation reads downwards."""
    now = timezone.now()
    old = CommentFactory(post=post, body="Older", created_at=now - timedelta(days=3))
    CommentFactory(post=post, body="Newer", created_at=now - timedelta(days=1))
    CommentFactory(post=post, parent=old, body="Second reply", created_at=now - timedelta(hours=2))
    CommentFactory(post=post, parent=old, body="First reply", created_at=now - timedelta(hours=5))
    page = render_include(post)
    assert page.index("Newer") < page.index("Older") < page.index("First reply")
    assert page.index("First reply") < page.index("Second reply")


def test_hidden_replies_and_replies_under_hidden_comments_stay_hidden(post):
    """A held reply is not shown; nor is a reply under a rejected comment."""
    shown = CommentFactory(post=post)
    CommentFactory(post=post, parent=shown, state=Comment.State.PENDING, body="Held reply")
    rejected = CommentFactory(post=post, state=Comment.State.REJECTED)
    CommentFactory(post=post, parent=rejected, body="Orphan reply")
    page = render_include(post)
    assert "Held reply" not in page
    assert "Orphan reply" not in page


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(seconds=30), "30 seconds ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(days=8), "1 week ago"),
        (timedelta(days=27), "3 weeks ago"),
        (timedelta(days=40), "1 month ago"),
    ],
)
def test_dates_are_relative(ago, expected):
    """Dates read like the seed page: one unit, "… ago"."""
    assert comment_age(timezone.now() - ago).replace("\xa0", " ") == expected


def test_relative_dates_are_translated():
    """In French the same date reads "il y a …"."""
    with translation.override("fr"):
        text = comment_age(timezone.now() - timedelta(days=8)).replace("\xa0", " ")
    assert text == "il y a 1 semaine"


def test_reply_link_opens_the_form_as_a_reply(client, post):
    """?reply=<id> (from the Reply link) makes the form a reply to that comment."""
    parent = CommentFactory(post=post, author_name="Christian M")
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'href="?reply={parent.pk}#comment-form"' in page
    page = client.get(post.get_absolute_url(), {"reply": parent.pk}).content.decode()
    assert "Reply to Christian M" in page
    assert f'name="parent" value="{parent.pk}"' in page


def test_replies_have_no_reply_link(client, post):
    """One level only: replies offer no Reply link; ?reply=<a reply> is ignored."""
    parent = CommentFactory(post=post)
    reply = CommentFactory(post=post, parent=parent)
    page = client.get(post.get_absolute_url(), {"reply": reply.pk}).content.decode()
    assert f"?reply={reply.pk}" not in page
    assert 'name="parent" value=' not in page


def test_every_comment_has_a_report_button(client, post):
    """Each shown comment, and each reply, has its own report form."""
    parent = CommentFactory(post=post)
    reply = CommentFactory(post=post, parent=parent)
    page = client.get(post.get_absolute_url()).content.decode()
    for comment in (parent, reply):
        assert f'action="/en/news/{post.slug}/comments/{comment.pk}/report/"' in page


def test_closed_post_shows_its_comments_but_no_form(post):
    """Closing comments keeps what was said, and removes the form."""
    post.comment_mode = post.CommentMode.CLOSED
    post.save()
    CommentFactory(post=post, body="Said before closing")
    page = render_include(post)
    assert "Said before closing" in page
    assert "Comments are closed." in page
    assert 'id="comment-form"' not in page


def test_closed_post_without_comments_shows_nothing(db):
    """No comments and none allowed: the include renders nothing at all."""
    assert render_include(PostFactory(closed=True)).strip() == ""


def test_pre_moderated_post_says_so_by_the_form(pre_post):
    """Readers are told before posting that comments wait for a moderator."""
    assert "appear once a moderator has approved them" in render_include(pre_post)


def test_the_include_sets_no_cookie(client, post):
    """The post page stays cacheable: neither the include nor a submission sets a cookie."""
    CommentFactory(post=post)
    assert not client.get(post.get_absolute_url()).cookies
    assert not client.post(f"/en/news/{post.slug}/comments/", {"body": ""}).cookies


def test_demo_comments_load_on_the_seed_article(db):
    """The seed-004 article gets its readers' comments: some shown, some held. Twice is
    the same as once."""
    article = PostFactory(commentable=True, slug="5-critical-updates-chechnya")
    assert demo_load_comments() == 6
    assert demo_load_comments() == 6
    assert Comment.objects.count() == 6
    page = render_include(article)
    for shown in ("Sad world", "2017! How can this be happening?", "OMG! Horrific.", "in peace ✌"):
        assert shown in page
    held = Comment.objects.filter(state=Comment.State.PENDING)
    assert {c.author_name for c in held} == {"Elaine W", "Margie F"}
    assert all(c.held_reason for c in held)
    assert "3 weeks ago" in page.replace("\xa0", " ")  # Christian M, 27 days ago


def test_demo_comments_find_the_article_under_the_news_demo_slug(db):
    """The news demo names the article "five-critical-updates-on-chechnya": found too."""
    article = PostFactory(commentable=True, slug="five-critical-updates-on-chechnya")
    assert demo_load_comments() == 6
    assert set(Comment.objects.values_list("post", flat=True)) == {article.pk}


def test_demo_comments_skip_quietly_without_the_article(db):
    """No article, no comments, no error."""
    assert demo_load_comments() == 0
    assert not Comment.objects.exists()


def test_the_news_post_page_includes_the_comments(client, settings, post):
    """On the real post page (news app): comments, the form, and the notice after posting."""
    settings.ROOT_URLCONF = "outcry.urls"
    CommentFactory(post=post, body="Sad world", author_name="Christian M")
    response = client.post(
        f"/en/news/{post.slug}/comments/",
        {"author_name": "Val M", "email": "", "body": "How can this be happening?"},
    )
    assert response["Location"] == f"/en/news/{post.slug}/?comment=received#comments"
    page = client.get(response["Location"]).content.decode()
    assert "Christian M" in page and "Sad world" in page
    assert "Your comment was received" in page
    assert "How can this be happening?" not in page
    assert f'action="/en/news/{post.slug}/comments/"' in page
