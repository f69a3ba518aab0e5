"""The public comment views: submit, report, and delete through the emailed link.

Why these forms carry no CSRF token (the same reasoning as signing a petition, see
``outcry.actions.views`` and docs/architecture.md): the post page they sit on sets no
cookie, so it can be cached on a busy day and read over Tor without state. CSRF defends a
request that rides on ambient authority (a session); a comment has none: it is posted by
an anonymous reader under whatever name they type, which a forger could just as well
post directly. A forged report is one report, of which each hashed address counts once.
What bounds abuse instead: the honeypot, per-hashed-IP rate limits, moderation (first
comments are held), and for deletion the signed token itself, which only the emailed
address holds. Deletion is a POST from a confirmation page, never a GET: mail scanners
follow links.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from outcry.comments import selectors, services
from outcry.comments.forms import CommentForm, ReportForm
from outcry.comments.models import Comment
from outcry.core.errors import OutcryError
from outcry.core.http import client_ip_hash, error_page
from outcry.news.models import Post


def _back_to_post(post: Post, *, notice: str, anchor: str) -> HttpResponse:
    """To the post page, with a flag in the query string (no cookie) for the notice."""
    return redirect(f"{post.get_absolute_url()}?{urlencode({'comment': notice})}#{anchor}")


def _form_page(
    request: HttpRequest, post: Post, form: CommentForm | None, *, status: int, message: str = ""
) -> HttpResponse:
    return render(
        request,
        "comments/form_page.html",
        {"post": post, "form": form, "message": message},
        status=status,
    )


@csrf_exempt
@require_POST
def comment_submit(request: HttpRequest, slug: str) -> HttpResponse:
    post = selectors.post_for_comments(slug=slug)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _form_page(request, post, form, status=400)
    if form.is_bot:
        # Dropped silently: the bot sees what everyone sees.
        return _received(post)
    try:
        services.comment_submit(
            post=post,
            author_name=form.cleaned_data["author_name"],
            email=form.cleaned_data["email"],
            body=form.cleaned_data["body"],
            parent_id=form.cleaned_data["parent"],
            language=get_language(),
            ip_hash=client_ip_hash(request),
        )
    except services.CommentsClosed:
        return _form_page(
            request, post, None, status=403, message=_("Comments are closed on this page.")
        )
    except services.RateLimited:
        return _form_page(
            request,
            post,
            form,
            status=429,
            message=_(
                "You have posted several comments in a short time. "
                "Please wait a few minutes and send this one again."
            ),
        )
    except (services.InvalidParent, services.ReplyTooDeep):
        # Back without the reply target, so that sending again posts it on the page.
        data = request.POST.copy()
        data.pop("parent", None)
        form = CommentForm(data)
        form.is_valid()
        form.add_error(
            None,
            _(
                "That comment cannot be replied to. "
                "You can send yours again as a comment on the page."
            ),
        )
        return _form_page(request, post, form, status=400)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _form_page(request, post, form, status=400)
    return _received(post)


def _received(post: Post) -> HttpResponse:
    """The one answer to a comment, shown or held or spam: a different one would tell
    anyone whether an address is known here (and let them post under it)."""
    return _back_to_post(post, notice="received", anchor="comments")


@csrf_exempt
@require_POST
def comment_report(request: HttpRequest, slug: str, comment_id: int) -> HttpResponse:
    post = selectors.post_for_comments(slug=slug)
    comment = selectors.comment_for_report(post=post, comment_id=comment_id)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.comment_report(comment=comment, ip_hash=client_ip_hash(request), reason=reason)
    except services.RateLimited:
        return _form_page(
            request,
            post,
            None,
            status=429,
            message=_("You have sent many reports in a short time. Please try again later."),
        )
    except services.NotReportable:  # hidden between the page load and the click
        pass
    return _back_to_post(post, notice="reported", anchor=f"comment-{comment.pk}")


# The plain page for an emailed comment link that no longer works (used, expired, altered).
_LINK_PROBLEM = "comments/delete_problem.html"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def comment_delete(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation (mail scanners follow links); POST deletes."""
    try:
        comment = selectors.comment_for_delete_token(token=token)
    except OutcryError as error:
        return error_page(request, error, template=_LINK_PROBLEM)
    try:
        if comment.state == Comment.State.DELETED:
            raise services.AlreadyDeleted
        if request.method == "GET":
            return render(
                request, "comments/delete_confirm.html", {"comment": comment, "token": token}
            )
        services.comment_delete_by_token(token=token)
    except OutcryError as error:
        return error_page(request, error, template=_LINK_PROBLEM, post=comment.post)
    return render(request, "comments/deleted.html", {"post": comment.post})


@csrf_exempt
@require_POST
def commenter_prove(request: HttpRequest, token: str) -> HttpResponse:
    """From the emailed link's page: "this address is mine" (the token is the proof)."""
    try:
        services.commenter_prove_by_token(token=token)
    except OutcryError as error:
        return error_page(request, error, template=_LINK_PROBLEM)
    return render(request, "comments/address_confirmed.html")
