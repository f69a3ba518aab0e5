"""Hidden means hidden, proved by a walk of every public URL.

A unique canary word goes into every field the public must never read: an unpublished
case's name and story, every case's sensitive notes, a pseudonymous case's withheld
description, supporters' names, addresses, cities and letters (sealed), IP hashes, a comment
held for moderation, officials' notes for campaigners, the titles of actions that are not
public (a draft; actions of the unpublished case). Then every public URL of the demo is
fetched, in both languages: each named URL pattern filled with every slug, code and token
the database holds, the feeds, count JSON, PDFs, search for the canary, robots and sitemap,
and every link found on those pages. The canary must appear in no body and no header, nor
in the text of any PDF.
"""

import io
import itertools
import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from outcry.actions.models import (
    ActionStatus,
    Call,
    CallAction,
    Letter,
    LetterAction,
    Petition,
    Signature,
)
from outcry.cases.models import Case, CaseStatus
from outcry.comments.models import Comment
from outcry.comments.services import comment_submit
from outcry.deliveries.models import DeliveryPackage
from outcry.demo.services import demo_load
from outcry.news.models import Post, Topic
from outcry.news.search import search_index_case, search_index_petition, search_index_post
from outcry.news.services import post_actions_set
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.tokens import preference_token
from outcry.supporters.models import Supporter
from outcry.targets.models import Office, Target

# Transactional: the worker runs the queued emails as it would, after each commit.
pytestmark = pytest.mark.django_db(transaction=True)

# One word, so search can look for it. Stored in lower case and searched for in upper case
# (the search is case-blind): the page repeating the query is not a leak, a hit would be.
CANARY = "zqxcanary7h3"
HIDDEN_CASE_NAME = f"Ivan {CANARY}"

# What the walk must reach at the least, so it cannot pass by walking nothing.
MIN_URL_PATTERNS = 40
MIN_FETCHED = 400
MIN_FOUND = 180
MAX_FETCHED = 3000
SKIPPED_PREFIXES = ("/admin/", "/dev/", "/anymail/", "/static/", "/media/")


def _canary(tag: str) -> str:
    return f"{tag} {CANARY}"


@pytest.fixture
def world(client, tasks, smtp_server, settings):
    """The demo, with canaries in every sensitive field and a case hidden after the fact."""
    settings.COUNT_BATCH_DELAY = 0
    demo_load()
    demo_case = Case.objects.get(slug="elena-milashina")
    office = Office.objects.get(key="prosecutor-general")
    minister = Office.objects.get(key="foreign-minister")
    demo_petition = Petition.objects.get(slug="investigate-chechnya-purge")
    interview = Post.objects.get(kind=Post.Kind.INTERVIEW)

    # Sensitive notes on every case; a published pseudonym whose description is withheld.
    Case.objects.update(sensitive_notes=_canary("Real identity and contacts:"))
    pseudonym = Case.objects.create(
        slug="anna-pseudonym",
        name="Anna P.",
        is_pseudonym=True,
        is_published=True,
        country="RU",
        status=CaseStatus.IN_HIDING,
        summary="A lawyer who defends those the police took.",
        description=_canary("Her real name, street and employer:"),
        description_en=_canary("Her real name, street and employer:"),
        description_fr=_canary("Son vrai nom :"),
        sensitive_notes=_canary("Lives at"),
    )
    search_index_case(case=pseudonym)

    # A case with its actions, posts, signers and a delivery, hidden afterwards.
    hidden = Case.objects.create(
        slug="ivan-hidden",
        name=HIDDEN_CASE_NAME,
        is_published=True,
        country="BY",
        status=CaseStatus.DISAPPEARED,
        occupation=_canary("Trade unionist at"),
        summary=_canary("Taken from his home in"),
        description=_canary("Ivan was last seen"),
        sensitive_notes=_canary("Family contact:"),
    )
    hidden_petition = Petition.objects.create(
        slug="free-ivan",
        title=_canary("Free Ivan"),
        ask=_canary("Release Ivan"),
        case=hidden,
        office=office,
        status=Petition.Status.OPEN,
    )
    hidden_letter = LetterAction.objects.create(
        slug="write-for-ivan",
        title=_canary("Write for Ivan"),
        subject=_canary("Ivan"),
        body=_canary("1. Release Ivan"),
        case=hidden,
        office=minister,
        status=ActionStatus.OPEN,
    )
    hidden_call = CallAction.objects.create(
        slug="call-for-ivan",
        title=_canary("Call for Ivan"),
        script=_canary("Say Ivan"),
        case=hidden,
        office=office,
        status=ActionStatus.OPEN,
    )
    # Actions staff keep public without their case: their titles are public, the case not.
    standing = {
        "petition": Petition(
            slug="stop-disappearances",
            title="Stop enforced disappearances",
            ask="End the practice of enforced disappearance.",
            office=office,
            status=Petition.Status.OPEN,
        ),
        "letter": LetterAction(
            slug="write-on-disappearances",
            title="Write about enforced disappearances",
            subject="Enforced disappearances",
            body="1. End enforced disappearances.",
            office=minister,
            status=ActionStatus.OPEN,
        ),
        "call": CallAction(
            slug="call-on-disappearances",
            title="Call about enforced disappearances",
            script="Please end enforced disappearances.",
            office=office,
            status=ActionStatus.OPEN,
        ),
    }
    for action in standing.values():
        action.case = hidden
        # Before the field existed this was a plain attribute: such an action then showed
        # its case to everyone, which is what this walk catches.
        action.stands_without_case = True
        action.save()
    Petition.objects.create(
        slug="draft-petition",
        title=_canary("Draft"),
        ask=_canary("Draft"),
        case=demo_case,
        office=office,
        status=Petition.Status.DRAFT,
    )
    for petition in Petition.objects.all():
        search_index_petition(petition=petition)

    topic = Topic.objects.first()
    post = Post.objects.create(
        slug="disappearances-in-belarus",
        title="Disappearances in Belarus",
        summary="Three people have disappeared this year.",
        body="Read what you can do.",
        countries=["BY", "RU"],
        is_published=True,
        comment_mode=Post.CommentMode.PRE_MODERATED,
    )
    post.topics.add(topic)
    post.cases.add(hidden, pseudonym)
    post_actions_set(post=post, actions=[hidden_petition, standing["petition"]])
    post_actions_set(post=interview, actions=[hidden_petition])
    search_index_post(post=post)
    Post.objects.create(
        slug="draft-post", title=_canary("Draft post"), body=_canary("Draft"), is_published=False
    )

    # Supporters act through the public forms, with canaries in everything they give.
    people = {
        "first_name": CANARY,
        "last_name": CANARY,
        "country": "GB",
        "city": CANARY,
        "keep_informed": "on",
        "named_to_target": "on",
    }
    for number, path in enumerate(
        [
            f"/en/petitions/{demo_petition.slug}/",
            f"/en/petitions/{hidden_petition.slug}/",
            f"/en/petitions/{standing['petition'].slug}/",
        ]
    ):
        response = client.post(path, {**people, "email": f"{CANARY}{number}@example.org"})
        assert response.status_code == 302, path
    for number, action in enumerate([hidden_letter, standing["letter"]]):
        response = client.post(
            action.get_absolute_url(),
            {**people, "email": f"{CANARY}l{number}@example.org", "route": "email"}
            | {"body": _canary("Dear minister, free Ivan")},
        )
        assert response.status_code == 302, response.content.decode()
    for number, action in enumerate([hidden_call, standing["call"]]):
        response = client.post(
            action.get_absolute_url(),
            {**people, "email": f"{CANARY}c{number}@example.org", "outcome": "answered"},
        )
        assert response.status_code == 302, action.slug
    tasks.run()
    assert Signature.objects.count() >= 3 and Letter.objects.count() >= 2
    assert Call.objects.count() >= 2
    Signature.objects.update(state=Signature.State.VALIDATED, ip_hash=CANARY)
    Letter.objects.update(ip_hash=CANARY)
    Call.objects.update(ip_hash=CANARY)
    tasks.run(include_deferred=True)

    comment_submit(
        post=post,
        author_name=CANARY,
        email=f"{CANARY}k@example.org",
        body=_canary("Held for moderation:"),
        parent_id=None,
        language="en",
        ip_hash=CANARY,
    )
    assert Comment.objects.filter(body__contains=CANARY).exclude(state="approved").exists()

    Office.objects.update(notes=_canary("Private line:"))
    Target.objects.update(notes=_canary("Private line:"))

    supporter = Supporter.objects.exclude(personal_data="").order_by("pk").last()
    Subscription.objects.update_or_create(
        supporter=supporter,
        kind=Subscription.Kind.CASE,
        case=hidden,
        defaults={"language": "en", "confirmed_at": timezone.now()},
    )
    package = DeliveryPackage.objects.create(
        action=hidden_petition,
        action_title=hidden_petition.title,
        office=office,
        language="en",
        status=DeliveryPackage.Status.READY,
        total=3,
        pdf_sha256="a" * 64,
        csv_sha256="b" * 64,
    )

    # Now the case is hidden, with its actions, posts and signers already out there.
    hidden.is_published = False
    hidden.save()
    search_index_case(case=hidden)
    return {
        "hidden": hidden,
        "hidden_petition": hidden_petition,
        "standing": standing,
        "tokens": [preference_token(supporter), "not-a-token"],
        "package": package,
    }


def _named_patterns(patterns, prefix: str = ""):
    """(route prefix, pattern) for every named URL pattern, outside staff and dev areas."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace or route.lstrip("^/").startswith(("admin/", "anymail/")):
                continue
            yield from _named_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.name:
            if route.lstrip("^/").startswith("dev/"):
                continue
            yield entry


def _slugs(name: str) -> list[str]:
    sources = {
        "petition": Petition,
        "letter": LetterAction,
        "call": CallAction,
        "case": Case,
        "post": Post,
        "comment": Post,
        "topic": Topic,
    }
    models = [model for key, model in sources.items() if key in name.split("-")]
    models = models or list(dict.fromkeys(sources.values()))
    return [slug for model in models for slug in model.objects.values_list("slug", flat=True)]


def _values(param: str, name: str, world) -> list[str]:
    if param == "slug":
        return _slugs(name)
    if param == "code":
        return ["ru", "by", "gb"]
    if param == "token":
        return world["tokens"]
    if param.endswith("_id"):
        return [str(pk) for pk in Comment.objects.values_list("pk", flat=True)]
    return ["x"]


def pattern_urls(world) -> tuple[set[str], set[str]]:
    """Every named public URL pattern, filled from the database, in every language."""
    names, urls = set(), set()
    for pattern in _named_patterns(get_resolver().url_patterns):
        params = list(pattern.pattern.regex.groupindex)
        names.add(pattern.name)
        choices = [_values(param, pattern.name, world) for param in params]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for values in itertools.product(*choices):
                    urls.add(reverse(pattern.name, kwargs=dict(zip(params, values, strict=True))))
    return names, urls


def extra_urls(world) -> set[str]:
    urls = {"/robots.txt", "/sitemap.xml", "/humans.txt", "/.well-known/security.txt"}
    package = world["package"]
    for language, _name in settings.LANGUAGES:
        urls |= {
            f"/{language}/search/?q={CANARY.upper()}",
            f"/{language}/search/?q=Ivan",
            f"/{language}/search/?q=Free+Ivan",
            f"/{language}/search/?q=disappeared",
            f"/{language}/search/?q=street+employer",
            f"/{language}/search/?q=Trade+unionist",
            f"/{language}/sitemap.xml",
        }
        with translation.override(language):
            verify = reverse("delivery-verify")
        urls |= {f"{verify}?digest={package.pdf_sha256}", f"{verify}?digest={package.csv_sha256}"}
    for slug in Petition.objects.values_list("slug", flat=True):
        urls.add(f"/petitions/{slug}/count.json")
    for slug in LetterAction.objects.values_list("slug", flat=True):
        urls.add(f"/en/letters/{slug}/letter.pdf?paper=letter")
    return urls


_LINK_RE = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"'#][^"']*)["']""")


def _links(body: str) -> set[str]:
    found = set()
    for raw in _LINK_RE.findall(body):
        link = urldefrag(raw.replace("&amp;", "&"))[0]
        parts = urlsplit(link)
        if parts.scheme in ("http", "https") and not link.startswith(settings.SITE_URL):
            continue
        if parts.scheme not in ("", "http", "https"):
            continue
        path = link.removeprefix(settings.SITE_URL)
        if path.startswith("/") and not path.startswith(SKIPPED_PREFIXES):
            found.add(path)
    return found


def _text_of(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    if response.get("Content-Type", "").startswith("application/pdf"):
        text += "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    headers = "\n".join(f"{key}: {value}" for key, value in response.items())
    return headers + "\n" + text


def walk(client, start: set[str]) -> dict[str, int]:
    """GET every URL in ``start`` and every same-site link on the pages found; the canary
    must be in none. Returns the status of each URL fetched."""
    seen: dict[str, int] = {}
    queue = deque(sorted(start))
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        if len(seen) >= MAX_FETCHED:
            raise AssertionError(f"The walk found more than {MAX_FETCHED} URLs: a crawl trap?")
        response = client.get(url)
        seen[url] = response.status_code
        # Public pages set no cookie, whatever they are (a cookie would tie visits together).
        assert not response.cookies, f"{url} sets a cookie: {sorted(response.cookies)}"
        text = _text_of(response)
        where = text.find(CANARY)
        assert where < 0, f"{url} ({response.status_code}) shows: …{text[where - 200 : where + 80]}"
        if response.get("Content-Type", "").startswith("text/html"):
            queue.extend(link for link in _links(text) if link not in seen)
    return seen


def test_no_public_url_shows_a_hidden_case_or_anything_sensitive(client, world):
    """Every public URL of the demo, in both languages (pages, feeds, JSON, PDFs, search,
    the verify page, and every link they lead to), is free of the canary placed in an
    unpublished case, in sensitive notes, in what supporters gave and in staff notes; none
    of them sets a cookie or fails with a server error."""
    names, urls = pattern_urls(world)
    assert len(names) >= MIN_URL_PATTERNS, sorted(names)
    start = urls | extra_urls(world) | {"/en/", "/fr/"}
    seen = walk(client, start)
    assert len(seen) >= MIN_FETCHED, f"the walk reached only {len(seen)} URLs"
    assert not [url for url, status in seen.items() if status >= 500]
    ok = {url for url, status in seen.items() if status == 200}
    assert len(ok) >= MIN_FOUND, f"only {len(ok)} URLs answered 200"
    standing = world["standing"]
    # The walk did read the pages that matter, in both languages.
    for language in ("en", "fr"):
        assert f"/{language}/" in ok
        assert f"/{language}/petitions/{standing['petition'].slug}/" in ok
        assert f"/{language}/letters/{standing['letter'].slug}/" in ok
        assert f"/{language}/calls/{standing['call'].slug}/" in ok
        assert f"/{language}/countries/by/" in ok
        assert f"/{language}/feeds/rss/" in ok
        assert f"/{language}/search/?q={CANARY.upper()}" in ok
    assert any(url.endswith("letter.pdf") for url in ok)
    assert any(url.endswith("count.json") for url in ok)
    assert any("/preferences/" in url for url in ok)
    assert any("digest=" in url for url in ok)
    # The hidden case's own page and its actions' pages are gone, not merely renamed.
    assert seen[f"/en/cases/{world['hidden'].slug}/"] == 404
    assert seen[f"/en/petitions/{world['hidden_petition'].slug}/"] == 404
    assert seen[f"/petitions/{world['hidden_petition'].slug}/count.json"] == 404
