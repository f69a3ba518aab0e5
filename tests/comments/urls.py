"""The real URLs, plus a bare post page under the name "post-detail".

The news app's own post page is being built elsewhere; these tests need only a page that
includes the comments, exactly as the post page does, so they do not depend on it. The
route is last: Django's reverse() prefers the last pattern of a name, resolve() the first
that matches a path, and this path ("test-post/…") is nobody else's.
"""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path

from outcry.news.models import Post
from outcry.urls import urlpatterns as outcry_urlpatterns

PAGE = """{% extends "base.html" %}{% block title %}{{ post.title }}{% endblock %}
{% block content %}<article><h1>{{ post.title }}</h1></article>
{% include "comments/_comments.html" with post=post %}{% endblock %}"""


def post_page(request: HttpRequest, slug: str) -> HttpResponse:
    post = get_object_or_404(Post.objects.published(), slug=slug)
    template = engines["django"].from_string(PAGE)
    return HttpResponse(template.render({"post": post}, request))


urlpatterns = [
    *outcry_urlpatterns,
    *i18n_patterns(
        path("test-post/<slug:slug>/", post_page, name="post-detail"),
        prefix_default_language=True,
    ),
]
