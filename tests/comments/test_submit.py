"""Submitting comments: moderation modes, the anti-spam rules, replies, bad input."""

import pytest

from outcry.comments.models import BlockedTerm, Comment
from outcry.core.crypto import email_hash, unseal
from tests.comments.conftest import KNOWN_EMAIL, comment_data, prove_address, submit_url
from tests.comments.factories import BlockedTermFactory, CommentFactory
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def latest() -> Comment:
    return Comment.objects.latest("created_at")


def test_known_commenter_on_post_moderated_post_shows_at_once(client, post, known_commenter):
    """Post-moderation: a known email's comment is approved and on the page straight away."""
    response = client.post(submit_url(post), comment_data(body="It's 2017! How can this be?"))
    comment = latest()
    assert comment.state == Comment.State.APPROVED
    assert comment.held_reason == ""
    assert response.status_code == 302
    assert response["Location"] == f"/en/test-post/{post.slug}/?comment=received#comments"
    page = client.get(response["Location"]).content.decode()
    assert "2017! How can this be?" in page
    assert "Your comment was received" in page


def test_rejected_comment_disappears_from_post_moderated_post(
    client, post, known_commenter, admin_user
):
    """Post-moderation: once a moderator rejects a shown comment it is no longer shown."""
    from outcry.comments.services import comment_reject

    client.post(submit_url(post), comment_data(body="Live and let live"))
    assert "Live and let live" in client.get(post.get_absolute_url()).content.decode()
    comment_reject(comments=[latest()], actor=admin_user)
    assert "Live and let live" not in client.get(post.get_absolute_url()).content.decode()


def test_pre_moderated_comment_is_held_until_approved(client, pre_post, admin_user):
    """Pre-moderation: even a known email's comment waits, and shows once approved."""
    from outcry.comments.services import comment_approve

    prove_address(KNOWN_EMAIL)
    CommentFactory(post=pre_post, email=KNOWN_EMAIL)
    response = client.post(submit_url(pre_post), comment_data(body="OMG! Horrific."))
    comment = latest()
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "pre-moderated post"
    assert response["Location"] == f"/en/test-post/{pre_post.slug}/?comment=received#comments"
    page = client.get(response["Location"]).content.decode()
    assert "OMG! Horrific." not in page
    assert "Your comment was received" in page

    comment_approve(comments=[comment], actor=admin_user)
    assert "OMG! Horrific." in client.get(pre_post.get_absolute_url()).content.decode()


def test_first_comment_from_a_new_email_is_held(client, post):
    """A new email's first comment waits for a moderator, even on a post-moderated post,
    even once its owner confirmed the address."""
    client.post(submit_url(post), comment_data(email="newcomer@example.org"))
    comment = latest()
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "address not confirmed by its owner"
    prove_address("newcomer@example.org")
    client.post(submit_url(post), comment_data(email="newcomer@example.org"))
    assert latest().held_reason == "first comment from this email"


def test_email_is_known_after_an_approved_comment_whatever_its_spelling(client, post):
    """Known means a confirmed address with an approved comment under the same normalised
    address (Gmail dots too)."""
    prove_address("margie.f@gmail.com")
    CommentFactory(post=post, email="margie.f@gmail.com")
    client.post(submit_url(post), comment_data(email="MargieF+news@Gmail.com"))
    assert latest().state == Comment.State.APPROVED


def test_a_held_or_rejected_comment_does_not_make_an_email_known(client, post):
    """Only approved comments earn trust: held and rejected ones do not."""
    CommentFactory(post=post, email="bob@example.org", state=Comment.State.PENDING)
    CommentFactory(post=post, email="bob@example.org", state=Comment.State.REJECTED)
    client.post(submit_url(post), comment_data(email="bob@example.org"))
    assert latest().state == Comment.State.PENDING


def test_comment_without_email_is_held_as_a_first_comment(client, post):
    """Leaving the email out cannot skip the first-comment rule."""
    client.post(submit_url(post), comment_data(email=""))
    comment = latest()
    assert comment.state == Comment.State.PENDING
    assert comment.email_sealed == ""
    assert comment.email_hash == ""
    assert "no email given" in comment.held_reason


def test_email_is_sealed_and_blind_indexed(client, post):
    """The address is stored only sealed (openable with the private key) and as its hash."""
    client.post(submit_url(post), comment_data(email="Val@Example.org"))
    comment = latest()
    assert "val@example.org" not in comment.email_sealed.lower()
    assert unseal(comment.email_sealed) == {"email": "Val@Example.org"}
    assert comment.email_hash == email_hash("val@example.org")


def test_too_many_links_hold_a_known_commenters_comment(client, post, known_commenter, settings):
    """More links than COMMENT_MAX_LINKS holds the comment, and says why."""
    settings.COMMENT_MAX_LINKS = 2
    body = "See https://a.example/1 and https://b.example/2 and www.c.example"
    client.post(submit_url(post), comment_data(body=body))
    comment = latest()
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "3 links"


def test_links_up_to_the_limit_are_fine(client, post, known_commenter, settings):
    """Two links are within the default limit: the comment shows."""
    settings.COMMENT_MAX_LINKS = 2
    client.post(submit_url(post), comment_data(body="https://a.example/ and https://b.example/"))
    assert latest().state == Comment.State.APPROVED


def test_blocked_word_holds_the_comment(client, post, known_commenter):
    """A blocked word, in any case, as a whole word, holds the comment with the word named."""
    BlockedTermFactory(term="casino")
    client.post(submit_url(post), comment_data(body="Best CASINO bonus!"))
    comment = latest()
    assert comment.state == Comment.State.PENDING
    assert comment.held_reason == "blocked word “casino”"


def test_blocked_word_inside_another_word_does_not_match(client, post, known_commenter):
    """Whole words only: "ass" does not catch "assembly"."""
    BlockedTermFactory(term="ass")
    client.post(submit_url(post), comment_data(body="Freedom of assembly matters."))
    assert latest().state == Comment.State.APPROVED


def test_blocked_word_in_the_name_counts(client, post, known_commenter):
    """The name is checked as well as the comment."""
    BlockedTermFactory(term="cheap pills")
    client.post(submit_url(post), comment_data(author_name="Cheap Pills Shop"))
    assert latest().state == Comment.State.PENDING


def test_blocked_domain_with_spam_effect_files_comment_as_spam(client, post, known_commenter):
    """A blocked domain (and its subdomains) set to "spam" files the comment as spam,
    while the sender sees the same "received" page as anyone."""
    BlockedTermFactory(
        term="spam.example", kind=BlockedTerm.Kind.DOMAIN, effect=BlockedTerm.Effect.SPAM
    )
    response = client.post(submit_url(post), comment_data(body="Visit http://shop.spam.example/x"))
    comment = latest()
    assert comment.state == Comment.State.SPAM
    assert comment.held_reason == "blocked domain “spam.example”"
    assert response["Location"].endswith("?comment=received#comments")


def test_blocked_domain_matches_the_email_domain(client, post):
    """A blocked domain also catches an email address at that domain."""
    BlockedTermFactory(term="spam.example", kind=BlockedTerm.Kind.DOMAIN)
    client.post(submit_url(post), comment_data(email="bot@spam.example"))
    assert "blocked domain “spam.example”" in latest().held_reason


def test_blocked_domain_does_not_match_a_lookalike(client, post, known_commenter):
    """ "spam.example" does not catch "notspam.example"."""
    BlockedTermFactory(term="spam.example", kind=BlockedTerm.Kind.DOMAIN)
    client.post(submit_url(post), comment_data(body="https://notspam.example/"))
    assert latest().state == Comment.State.APPROVED


def test_blocked_term_is_normalised_when_staff_save_it(db):
    """Staff may paste a URL or capitals; the domain is kept bare and lower-case."""
    term = BlockedTerm(term=" https://WWW.Spam.example/page ", kind=BlockedTerm.Kind.DOMAIN)
    term.full_clean()
    assert term.term == "spam.example"


def test_every_reason_a_comment_is_held_is_recorded(client, pre_post):
    """Moderators see all the reasons, not just the first."""
    BlockedTermFactory(term="casino")
    client.post(submit_url(pre_post), comment_data(email="new@example.org", body="casino"))
    assert latest().held_reason == (
        "pre-moderated post; blocked word “casino”; address not confirmed by its owner"
    )


def test_honeypot_drops_the_comment_silently(client, post):
    """A filled honeypot stores nothing, and the bot sees the ordinary "received" page."""
    response = client.post(submit_url(post), comment_data(website="http://bot.example"))
    assert response.status_code == 302
    assert response["Location"].endswith("?comment=received#comments")
    assert not Comment.objects.exists()


def test_rate_limit_refuses_comments_beyond_the_burst(client, post, known_commenter, settings):
    """Past the per-minute limit for one (hashed) address, comments are refused with 429
    and the form comes back with the text, so nothing typed is lost."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 2
    for n in range(2):
        assert client.post(submit_url(post), comment_data(body=f"Comment {n}")).status_code == 302
    response = client.post(submit_url(post), comment_data(body="One too many"))
    assert response.status_code == 429
    assert "wait a few minutes" in response.content.decode()
    assert "One too many" in response.content.decode()
    assert Comment.objects.filter(post=post).count() == 3  # Alice's earlier one and two


def test_rate_limit_is_per_address(client, post, known_commenter, settings):
    """Another address is not held back by the first one's limit."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 1
    assert client.post(submit_url(post), comment_data(), REMOTE_ADDR="192.0.2.1").status_code == 302
    assert client.post(submit_url(post), comment_data(), REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.post(submit_url(post), comment_data(), REMOTE_ADDR="192.0.2.2").status_code == 302


def test_sustained_rate_limit_applies_too(client, post, known_commenter, settings):
    """The hourly limit refuses as well, even when the per-minute one is not reached."""
    settings.COMMENT_RATE_SUSTAINED_PER_HOUR = 1
    assert client.post(submit_url(post), comment_data()).status_code == 302
    assert client.post(submit_url(post), comment_data()).status_code == 429


def test_reply_to_a_shown_comment_is_kept_under_it(client, post, known_commenter):
    """A reply names its parent and is shown under it."""
    client.post(submit_url(post), comment_data(body="Thanks !", parent=str(known_commenter.pk)))
    reply = latest()
    assert reply.parent_id == known_commenter.pk
    page = client.get(post.get_absolute_url()).content.decode()
    parent_at = page.index(f'id="comment-{known_commenter.pk}"')
    replies_at = page.index('class="comment-replies"')
    assert parent_at < replies_at < page.index(f'id="comment-{reply.pk}"')


def test_replies_go_one_level_deep_only(client, post, known_commenter):
    """A reply to a reply is refused (400) with a clear message; nothing is stored."""
    reply = CommentFactory(post=post, parent=known_commenter)
    response = client.post(submit_url(post), comment_data(parent=str(reply.pk)))
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be replied to" in page
    assert 'name="parent"' in page and f'value="{reply.pk}"' not in page  # send again: top
    assert not Comment.objects.filter(parent=reply).exists()


def test_reply_to_a_comment_of_another_post_is_refused(client, post, known_commenter):
    """The parent must be on the same post."""
    elsewhere = CommentFactory(post=PostFactory(commentable=True))
    response = client.post(submit_url(post), comment_data(parent=str(elsewhere.pk)))
    assert response.status_code == 400
    assert not Comment.objects.filter(parent=elsewhere).exists()


@pytest.mark.parametrize("state", [Comment.State.PENDING, Comment.State.REJECTED])
def test_reply_to_a_hidden_comment_is_refused(client, post, known_commenter, state):
    """Only shown comments can be replied to."""
    hidden = CommentFactory(post=post, state=state)
    assert client.post(submit_url(post), comment_data(parent=str(hidden.pk))).status_code == 400


def test_reply_service_refuses_a_reply_to_a_reply(post, known_commenter):
    """The one-level rule lives in the service, whatever the caller."""
    from outcry.comments import services

    reply = CommentFactory(post=post, parent=known_commenter)
    with pytest.raises(services.ReplyTooDeep):
        services.comment_submit(
            post=post,
            author_name="Val M",
            email="",
            body="Deeper",
            parent_id=reply.pk,
            language="en",
            ip_hash="",
        )


def test_closed_post_takes_no_comments(client):
    """On a post with comments closed, a submission is refused (403) and nothing stored."""
    closed = PostFactory(closed=True)
    response = client.post(submit_url(closed), comment_data())
    assert response.status_code == 403
    assert "Comments are closed" in response.content.decode()
    assert not Comment.objects.exists()


def test_unpublished_post_is_not_found(client):
    """Draft posts have no comment URL at all."""
    draft = PostFactory(commentable=True, is_published=False)
    assert client.post(submit_url(draft), comment_data()).status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("body", "", "Please write your comment."),
        ("body", "   \n  ", "Please write your comment."),
        ("author_name", "", "Please give a name"),
        ("body", "x" * 3001, "Your comment is too long: please keep it to 3000 characters"),
        ("author_name", "n" * 81, "Please keep your name to 80 characters"),
        ("email", "not-an-email", "Please enter a valid email address"),
        ("email", "a@b.example" + "c" * 300, "Please enter a valid email address"),
        ("body", "Hello\u202eworld", "invisible or control characters"),
        ("author_name", "Eve\x00", "Null characters are not allowed"),
    ],
)
def test_bad_input_gets_the_form_back_with_a_clear_message(client, post, field, value, message):
    """Empty, over-long or malformed input: 400, the form re-rendered with the reason."""
    response = client.post(submit_url(post), comment_data(**{field: value}))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'id="comment-form"' in page
    assert not Comment.objects.exists()


def test_exactly_the_maximum_length_is_accepted(client, post, known_commenter):
    """3000 characters is allowed: the cap is not off by one."""
    response = client.post(submit_url(post), comment_data(body="y" * 3000))
    assert response.status_code == 302
    assert len(latest().body) == 3000


def test_submit_only_takes_post(client, post):
    """A GET on the submit URL is 405, not an error page."""
    assert client.get(submit_url(post)).status_code == 405
