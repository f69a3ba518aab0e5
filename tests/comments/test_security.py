"""Hostile input: nothing active ever renders, no email or raw IP is ever exposed or
stored, and hostile parameters get 4xx answers, never 5xx."""

from html.parser import HTMLParser

import pytest
from django.db import connection

from outcry.comments.models import Comment
from outcry.comments.services import comment_approve
from tests import actors
from tests.comments.conftest import KNOWN_EMAIL, comment_data, submit_url
from tests.comments.factories import CommentFactory

pytestmark = pytest.mark.django_db

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "data:text/html,<script>alert(1)</script>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<iframe src="https://evil.example"></iframe>',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<<script>alert(1)//<</script>",
    "<img src=x onerror=alert(1)//",
    '<a href="https://ok.example/" onclick="alert(1)">ok</a>',
    'https://ok.example/"onmouseover="alert(1)',
    '<!--<script>alert(1)--><p title="--><script>alert(1)</script>">',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>x</button></form>",
]

ACTIVE_TAGS = {
    "script", "svg", "math", "iframe", "img", "object", "embed", "style", "meta", "base",
    "body", "frame", "frameset", "video", "audio", "source", "link", "textarea-injected",
}  # fmt: skip


class ActiveContentFinder(HTMLParser):
    """Collects what a browser would treat as active in the comments section."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = 0
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id") == "comments":
            self.inside = 1
        if not self.inside:
            return
        if tag in ACTIVE_TAGS and not (tag == "link" and attributes.get("rel") == "stylesheet"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.problems.append(f"{tag}[{name}]")
            if name in {"href", "src", "action"} and value:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme not in {"", "http", "https"}:
                    self.problems.append(f"{tag}[{name}={value}]")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "section" and self.inside:
            self.inside = 0


def active_content(page: str) -> list[str]:
    finder = ActiveContentFinder()
    finder.feed(page)
    return finder.problems


def test_the_finder_catches_active_content():
    """The checker itself flags scripts, handlers and javascript: links (so it can fail)."""
    page = (
        '<section id="comments"><script>x</script><a href="javascript:x" onclick="y">a</a>'
        '<svg onload="z"></svg></section>'
    )
    assert active_content(page) == [
        "<script>",
        "a[href=javascript:x]",
        "a[onclick]",
        "<svg>",
        "svg[onload]",
    ]


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_in_name_and_body_never_renders_active_content(client, post, payload, admin_user):
    """Every payload, in the name and in the comment, shows as inert text once approved."""
    response = client.post(
        submit_url(post), comment_data(author_name=payload[:80], body=f"Before {payload} after")
    )
    assert response.status_code in {302, 400}  # 400: control characters, refused outright
    comment_approve(comments=Comment.objects.all(), actor=admin_user)
    page = client.get(post.get_absolute_url()).content.decode()
    assert active_content(page) == []
    if response.status_code == 302:
        assert "Before" in page


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_in_reply_is_inert(client, post, payload, admin_user):
    """Replies are rendered through the same path."""
    parent = CommentFactory(post=post)
    client.post(submit_url(post), comment_data(body=payload, parent=str(parent.pk)))
    comment_approve(comments=Comment.objects.all(), actor=admin_user)
    page = client.get(post.get_absolute_url()).content.decode()
    assert active_content(page) == []


@pytest.mark.parametrize("payload", XSS_CORPUS)
@pytest.mark.parametrize("field", ["author_name", "email", "body", "parent", "website"])
def test_xss_in_any_field_of_a_refused_form_is_inert(client, post, payload, field):
    """When the form comes back (400), whatever was typed is shown as text."""
    # Force a 400 by leaving another field empty, so every field is re-rendered.
    data = comment_data(**{field: payload})
    data["body" if field != "body" else "author_name"] = ""
    response = client.post(submit_url(post), data)
    assert response.status_code == 400
    page = response.content.decode().replace('id="comment-form"', 'id="comments"')
    assert active_content(page) == []


@pytest.mark.parametrize("payload", XSS_CORPUS)
def test_xss_in_query_parameters_is_inert(client, post, payload):
    """The ?comment= notice and ?reply= flags accept known values only."""
    CommentFactory(post=post)
    response = client.get(post.get_absolute_url(), {"comment": payload, "reply": payload})
    assert response.status_code == 200
    assert active_content(response.content.decode()) == []
    assert "<script" not in response.content.decode().lower().split('id="comments"', 1)[1]


def test_links_in_comments_are_nofollow_ugc_http_only(client, post, known_commenter):
    """Typed web links become links with rel="nofollow ugc"; nothing else becomes a link."""
    client.post(
        submit_url(post),
        comment_data(body="Read https://news.example/a?b=1&c=2 or mail me@example.org"),
    )
    page = client.get(post.get_absolute_url()).content.decode()
    assert (
        '<a href="https://news.example/a?b=1&amp;c=2" rel="nofollow ugc">'
        "https://news.example/a?b=1&amp;c=2</a>" in page
    )
    assert 'href="mailto:' not in page


def test_line_breaks_are_kept_and_nothing_else(client, post, known_commenter):
    """A comment's line breaks show as <br>, the only tag besides links."""
    client.post(submit_url(post), comment_data(body="Line one\nLine <b>two</b>"))
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Line one<br>Line &lt;b&gt;two&lt;/b&gt;" in page


def test_email_is_never_shown_on_any_page(client, post, admin_user):
    """Neither the address nor its sealed form appears on the post page, the form page,
    the delete page or the admin pages."""
    from outcry.comments.tokens import delete_token

    email = "hidden.person@example.org"
    CommentFactory(post=post, email=email, author_name="Margie F")
    client.post(submit_url(post), comment_data(email=email, body="Mine"))
    comment = Comment.objects.get(body="Mine")
    comment_approve(comments=[comment], actor=admin_user)
    refused = client.post(submit_url(post), comment_data(email=email, body=""))
    actors.logged_in(client, admin_user)
    pages = [
        client.get(post.get_absolute_url()),
        refused,
        client.get(f"/en/comments/delete/{delete_token(comment)}/"),
        client.get("/admin/comments/comment/"),
        client.get(f"/admin/comments/comment/{comment.pk}/change/"),
    ]
    for response in pages:
        content = response.content.decode()
        assert "hidden.person" not in content.replace('value="hidden.person@example.org"', "")
        assert comment.email_sealed[:40] not in content
        assert comment.email_hash not in content
    # The refused form gives the typed address back to its typist, and nowhere else.
    assert 'value="hidden.person@example.org"' in refused.content.decode()


def test_no_raw_ip_address_is_stored(client, post):
    """Comments and reports keep only the keyed hash; the address is in no column."""
    ip = "203.0.113.77"
    client.post(submit_url(post), comment_data(), REMOTE_ADDR=ip)
    shown = CommentFactory(post=post)
    client.post(f"/en/news/{post.slug}/comments/{shown.pk}/report/", REMOTE_ADDR=ip)
    comment = Comment.objects.get(author_name="Alice")
    assert comment.ip_hash and ip not in comment.ip_hash
    with connection.cursor() as cursor:
        for table in ("comments_comment", "comments_commentreport"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            for row in cursor.fetchall():
                assert all(ip not in str(value) for value in row), table


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/en/news/{slug}/comments/", {"parent": "-1"}),
        ("post", "/en/news/{slug}/comments/", {"parent": "99999999999999999999999999"}),
        ("post", "/en/news/{slug}/comments/", {"parent": "1e9"}),
        ("post", "/en/news/{slug}/comments/", {"parent": "9223372036854775807"}),
        ("post", "/en/news/{slug}/comments/", {"body": ["a", "b"], "author_name": ["x", "y"]}),
        ("post", "/en/news/{slug}/comments/", {"website": "x" * 600}),
        ("post", "/en/news/no-such-post/comments/", {}),
        ("post", "/en/news/{slug}/comments/99999999999999999999999/report/", {}),
        ("post", "/en/news/{slug}/comments/0/report/", {}),
        ("get", "/en/news/{slug}/comments/1/report/", {}),
        ("post", "/en/news/{slug}/comments/1/report/", {"reason": "r" * 5000}),
        ("put", "/en/comments/delete/abc/", {}),
    ],
)
def test_hostile_parameters_get_4xx_never_5xx(client, post, method, path, data):
    """Broken ids, huge numbers, repeated fields and wrong methods are client errors."""
    CommentFactory(post=post)
    response = getattr(client, method)(path.format(slug=post.slug), {**comment_data(), **data})
    assert 400 <= response.status_code < 500 or response.status_code == 302


def test_oversized_request_is_refused_before_the_view(client, post, settings):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 400, not a crash."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(submit_url(post), comment_data(body="z" * 20_000))
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_known_email_in_the_form_is_not_echoed_after_success(client, post, known_commenter):
    """After a successful post the page carries no trace of the address typed."""
    response = client.post(submit_url(post), comment_data(), follow=True)
    assert KNOWN_EMAIL not in response.content.decode()
