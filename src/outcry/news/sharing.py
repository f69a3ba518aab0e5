"""Sharing without third-party scripts: plain share links, OpenGraph and Twitter card tags.

Everything here is built from fields the public already sees on the page (a post's title,
summary and image; a case's name and summary), never from a case's description when its
name is a pseudonym, nor from its sensitive notes.
"""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from outcry.core.text import truncate_plain

DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class ShareLink:
    label: str
    href: str


def absolute_url(path: str) -> str:
    """An absolute URL on this site (SITE_URL, never the request's Host header)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def share_links(*, url: str, title: str) -> list[ShareLink]:
    """Plain links that open each service's own share page; no script, no tracker."""
    url = absolute_url(url)
    text = f"{title} {url}"
    return [
        ShareLink(
            _("Email"),
            "mailto:?" + urlencode({"subject": title, "body": url}, quote_via=quote),
        ),
        ShareLink("Mastodon", "https://mastodonshare.com/?" + urlencode({"text": text})),
        ShareLink("Bluesky", "https://bsky.app/intent/compose?" + urlencode({"text": text})),
        ShareLink(
            "X", "https://twitter.com/intent/tweet?" + urlencode({"url": url, "text": title})
        ),
        ShareLink(
            "Facebook", "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url})
        ),
        ShareLink("WhatsApp", "https://wa.me/?" + urlencode({"text": text})),
        ShareLink("Telegram", "https://t.me/share/url?" + urlencode({"url": url, "text": title})),
    ]


def share_metadata(
    *,
    title: str,
    description: str,
    url: str,
    kind: str = "article",
    image_url: str = "",
    image_alt: str = "",
    published_at=None,
) -> list[tuple[str, str, str]]:
    """(attribute, name, content) triples for <meta> tags: OpenGraph and Twitter card.

    ``description`` is Markdown or plain text; it is flattened and shortened here.
    """
    description = truncate_plain(description, DESCRIPTION_LENGTH)
    url = absolute_url(url)
    tags = [
        ("property", "og:type", kind),
        ("property", "og:site_name", settings.ORGANISATION["name"]),
        ("property", "og:title", title),
        ("property", "og:url", url),
        ("property", "og:locale", to_locale(get_language() or settings.LANGUAGE_CODE)),
        ("name", "twitter:card", "summary_large_image" if image_url else "summary"),
        ("name", "twitter:title", title),
    ]
    if description:
        tags += [
            ("property", "og:description", description),
            ("name", "twitter:description", description),
            ("name", "description", description),
        ]
    if image_url:
        image_url = absolute_url(image_url)
        tags += [
            ("property", "og:image", image_url),
            ("name", "twitter:image", image_url),
        ]
        if image_alt:
            tags += [
                ("property", "og:image:alt", image_alt),
                ("name", "twitter:image:alt", image_alt),
            ]
    if published_at is not None:
        tags.append(("property", "article:published_time", published_at.isoformat()))
    return tags
