"""Anonymous public pages and counts, kept for a few seconds in the shared cache.

On a viral day hundreds of people a second open the same petition page, and each would
otherwise cost a full render (the country list alone is 250 options). The page is the same
for every anonymous visitor in a language: it sets no cookie and carries nothing of the
visitor's. So the rendered response is kept in Django's cache (Redis when ``REDIS_URL`` is
set, shared by every web process on every machine; the file cache otherwise, shared by the
processes of one machine) for at most ``PUBLIC_CACHE_SECONDS``.

Every entry is stored with the *content version* it was rendered under. Any service write
of published content (``outcry.core.content``: publication, closing, pausing, an edit, a
deletion) sets a new version once its transaction has committed, and so does every write
to the target directory the letter and call pages address (``directory_changed`` in
``outcry.targets.services``), so the next request anywhere renders afresh; entries expire after
``PUBLIC_CACHE_SECONDS`` in any case, which bounds what changes with the clock alone (a
closing date that passes, a tenure that starts today, the official's local time on the
call page) and a version entry lost to the file cache's culling.

Only requests with no cookie and no query string are served from or stored in the cache:
staff (who have a session) and anyone with a ``?page=`` or ``?source=`` get the page
rendered for them.
"""

import hashlib
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

VERSION_KEY = "public-content-version"
# A process keeps a count (or an action) it has just read this long: the count JSON is asked
# for by every open page every few seconds, and a cache round trip is most of its cost.
MEMO_SECONDS = 1.0

_memo: dict[str, tuple[float, Any]] = {}
T = TypeVar("T")


def public_content_changed() -> None:
    """Make every cached page and count stale: now, and again once the current transaction
    commits, since a page rendered from the old rows before the commit may have been
    stored under the first new version."""
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    # This process's memo too; other processes' memos end within their second.
    _memo.clear()


def public_cache_seconds() -> int:
    return max(0, min(int(settings.PUBLIC_CACHE_SECONDS), 3600))


def _cacheable_request(request: HttpRequest) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and not request.COOKIES
        and not request.META.get("QUERY_STRING")
        and public_cache_seconds() > 0
    )


def _cacheable_response(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")  # the view decided for itself
    )


def _page_key(language: str, path: str) -> str:
    # Hashed: a path is whatever a visitor typed (any length, any character), a key is not.
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return f"public-page:{language}:{digest}"


def _shareable(response: HttpResponse) -> HttpResponse:
    """Say that a reverse proxy (and the browser) may keep this page as long as we do: on a
    viral day the proxy then answers most requests without reaching a web process."""
    patch_cache_control(response, public=True, max_age=public_cache_seconds())
    return response


def public_page_forget(*, language: str, path: str) -> None:
    """Drop one cached page (an action's page once its count has changed); other
    processes' copies end within their second."""
    key = _page_key(language, path)
    cache.delete(key)
    _memo.pop(key, None)


def cached_public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve ``view``'s anonymous GET from the cache, keyed by path and language."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _page_key(get_language(), request.path)
        page = _memo_get(key)
        if page is not None:
            return _shareable(_rebuilt(*page))
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        entry = found.get(key)
        if entry is not None and entry[0] == version:
            _, headers, content = entry
            _memo_put(key, (headers, content))
            return _shareable(_rebuilt(headers, content))
        response = view(request, *args, **kwargs)
        if _cacheable_response(response):
            # The view's own headers (Content-Type, a feed's Last-Modified); the middleware
            # adds its own to the cached response as to any other.
            headers = list(response.items())
            # Kept a second less in the shared cache than the bound: a copy a process takes
            # from it may live one more second in that process, and no longer than the bound.
            shared_seconds = max(1, int(public_cache_seconds() - _page_memo_seconds()))
            cache.set(key, (version, headers, response.content), timeout=shared_seconds)
            _memo_put(key, (headers, response.content))
            return _shareable(response)
        return response

    return wrapper


def _rebuilt(headers: list[tuple[str, str]], content: bytes) -> HttpResponse:
    response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    return response


# Pages a process keeps for a second, like counts: on PostgreSQL + Redis a cached page's
# round trip to Redis (and unpickling it) was most of its cost. At most this many, so that
# visitors asking for many different pages cannot make a process hold them all.
MEMO_PAGES = 500


def _memo_get(key: str) -> Any:
    found = _memo.get(key)
    if found is not None and found[0] > time.monotonic():
        return found[1]
    return None


def _page_memo_seconds() -> float:
    # Not at all when the bound is this short: the shared cache's copy alone uses it up.
    return MEMO_SECONDS if public_cache_seconds() > MEMO_SECONDS else 0


def _memo_put(key: str, value: Any) -> None:
    seconds = _page_memo_seconds()
    if seconds <= 0:
        return
    if len(_memo) >= MEMO_PAGES:
        _memo.clear()
    _memo[key] = (time.monotonic() + seconds, value)


def public_count(key: str, read: Callable[[], dict]) -> dict:
    """The count data under ``key``: from this process's memo (≤ 1 s old), else from the
    shared cache (written by the counting task as it folds, or by a reader), else ``read``."""

    def shared() -> dict:
        cache_key = f"public-count:{key}"
        found = cache.get_many([VERSION_KEY, cache_key])
        version = found.get(VERSION_KEY)
        entry = found.get(cache_key)
        if entry is not None and entry[0] == version:
            return entry[1]
        data = read()
        cache.set(cache_key, (version, data), timeout=public_cache_seconds())
        return data

    return memoised(f"count:{key}", shared)


def memoised(key: str, read: Callable[[], T]) -> T:
    """``read()``, kept in this process for a second (never longer than the public cache
    bound; not at all with that cache off), forgotten when content changes here."""
    seconds = min(MEMO_SECONDS, public_cache_seconds())
    if seconds <= 0:
        return read()
    now = time.monotonic()
    found = _memo.get(key)
    if found is not None and found[0] > now:
        return found[1]
    value = read()
    _memo[key] = (now + seconds, value)
    return value


def public_count_store(key: str, data: dict) -> None:
    """Store a count just computed (by the counting task), so readers see it at once."""
    _memo.pop(f"count:{key}", None)
    cache.set(f"public-count:{key}", (cache.get(VERSION_KEY), data), timeout=public_cache_seconds())


def public_count_forget(key: str) -> None:
    cache.delete(f"public-count:{key}")


def public_memo_clear() -> None:
    """Forget this process's memo (tests, which clear the shared cache between them)."""
    _memo.clear()
