"""Fixtures for the comments tests: posts in each moderation mode, a known commenter."""

import pytest

from outcry.comments.models import CommenterAddress
from outcry.core.crypto import email_hash
from tests.comments.factories import CommentFactory
from tests.factories import PostFactory

KNOWN_EMAIL = "alice@example.org"


@pytest.fixture(autouse=True)
def _comments_urls(settings):
    """A bare post page that includes the comments (see tests/comments/urls.py)."""
    settings.ROOT_URLCONF = "tests.comments.urls"


@pytest.fixture
def post(db):
    """A post-moderated post: known commenters' comments show at once."""
    return PostFactory(commentable=True)


@pytest.fixture
def pre_post(db):
    """A pre-moderated post: every comment waits for a moderator."""
    return PostFactory(pre=True)


@pytest.fixture
def known_commenter(post):
    """Alice confirmed her address through an emailed link and has had a comment approved
    before, so her email is known."""
    prove_address(KNOWN_EMAIL)
    return CommentFactory(post=post, email=KNOWN_EMAIL, author_name="Alice", body="Earlier.")


def prove_address(email: str) -> None:
    """As if the address's owner confirmed it from the page their emailed link opens."""
    CommenterAddress.objects.get_or_create(email_hash=email_hash(email))


def comment_data(**overrides) -> dict[str, str]:
    data = {"author_name": "Alice", "email": KNOWN_EMAIL, "body": "Sad world"}
    data.update(overrides)
    return data


def submit_url(post) -> str:
    return f"/en/news/{post.slug}/comments/"


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests post several comments from one address; the rate-limit tests lower these."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 1000
    settings.COMMENT_RATE_SUSTAINED_PER_HOUR = 1000
    settings.COMMENT_REPORT_RATE_PER_HOUR = 1000
