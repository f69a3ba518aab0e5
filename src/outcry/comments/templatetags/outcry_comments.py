"""``{% comment_thread post as thread %}``: everything the comments include needs.

Two queries whatever the number of comments (the thread and its replies, prefetched).
"""

from dataclasses import dataclass
from datetime import datetime

from django import template
from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter, naturaltime
from django.utils import timezone
from django.utils.timesince import timesince

from outcry.comments.forms import CommentForm
from outcry.comments.models import Comment
from outcry.comments.selectors import MAX_ID, comment_thread
from outcry.news.models import Post

register = template.Library()

# ?comment=… after a redirect: which notice to show (no cookie, no session).
NOTICES = {"received", "reported"}


@dataclass
class ThreadContext:
    post: Post
    comments: list[Comment]
    count: int
    is_open: bool
    is_pre_moderated: bool
    form: CommentForm | None
    reply_to: Comment | None
    notice: str


def _int_or_none(value: str | None) -> int | None:
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


@register.simple_tag(takes_context=True)
def comment_thread_for(context: template.Context, post: Post) -> ThreadContext:
    request = context.get("request")
    query = request.GET if request is not None else {}
    thread = comment_thread(post=post)
    is_open = post.comment_mode != Post.CommentMode.CLOSED
    reply_to = thread.top_level(_int_or_none(query.get("reply"))) if is_open else None
    notice = query.get("comment", "")
    return ThreadContext(
        post=post,
        comments=thread.comments,
        count=thread.count,
        is_open=is_open,
        is_pre_moderated=post.comment_mode == Post.CommentMode.PRE_MODERATED,
        form=CommentForm(initial={"parent": reply_to.pk} if reply_to else None)
        if is_open
        else None,
        reply_to=reply_to,
        notice=notice if notice in NOTICES else "",
    )


@register.filter
def comment_age(value: datetime) -> str:
    """ "5 minutes ago", "8 days ago", "1 month ago": one unit, translated by humanize."""
    if not isinstance(value, datetime):
        return ""
    now = timezone.now()
    if value > now or (now - value).days < 1:
        return naturaltime(value)
    delta = timesince(value, now, time_strings=NaturalTimeFormatter.past_substrings, depth=1)
    return NaturalTimeFormatter.time_strings["past-day"] % {"delta": delta}
