"""Readers' comments under the seed-004 article, some approved and some in moderation."""

import json
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from outcry.comments.models import Comment
from outcry.news.models import Post

DATA_FILE = Path(__file__).resolve().parent.parent / "demo" / "data" / "comments.json"


@transaction.atomic
def demo_load_comments() -> int:
    """Create or refresh the demo comments; returns how many. Safe to run again.

    Skips quietly (returns 0) when the article is not loaded. The comments carry no email
    and no address hash, like comments given on paper.
    """
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    # The article's slug: the first of these that exists (the news demo data names it).
    posts = {p.slug: p for p in Post.objects.filter(slug__in=data["post_slugs"])}
    post = next((posts[slug] for slug in data["post_slugs"] if slug in posts), None)
    if post is None:
        return 0
    now = timezone.now()
    for row in data["comments"]:
        comment = Comment.objects.filter(
            post=post, author_name=row["author_name"], body=row["body"]
        ).first() or Comment(post=post, author_name=row["author_name"], body=row["body"])
        comment.state = row["state"]
        comment.held_reason = row.get("held_reason", "")
        comment.language = row.get("language", "en")
        comment.created_at = now - timedelta(days=row["days_ago"])
        comment.full_clean(exclude=["post"], validate_unique=False)
        comment.save()
    return len(data["comments"])
