"""Full-text search over posts, cases and petitions with the database's own engine.

SQLite: an FTS5 virtual table, ``news_search`` (created by migration 0002), holds one row
per object and language: a title, a plain-text body, and the object's kind and id. It is
kept in step by ``search_index_post`` / ``search_index_case`` / ``search_index_petition``,
which news calls from the content hook (``outcry.core.content``, registered in
``NewsConfig.ready``) that every service writing a post, a case or a petition calls
inside its transaction (never signals). Results are ranked
with ``bm25`` (title weighted ten times the body) and the snippet comes from ``snippet()``.

PostgreSQL: a plain table of the same name and rows (migration 0004), each with its
``tsvector`` (title weighted A, body B) made in its language's text-search configuration
when written, under a GIN index; ranked with ``ts_rank``, the snippet from ``ts_headline``.
Computing every public text's vector at query time had cost 29 ms of server CPU a search.

On both, only what the public may read is ever searched: published posts, cases and
non-draft petitions; a case's ``sensitive_notes`` never, and its description never when
its name is a pseudonym. Snippets are HTML-escaped, except the ``<mark>`` highlights.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Model, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from outcry.actions.models import Petition
from outcry.cases.models import Case
from outcry.core.text import plain_text
from outcry.news.models import Post

TABLE = "news_search"
# Private-use characters frame the highlights inside the database's snippet, so the rest
# of it can be escaped and only these become markup.
MARK_START = "\ue000"
MARK_END = "\ue001"
MAX_QUERY_TERMS = 12
MAX_RESULTS = 200
# PostgreSQL text-search configuration per language; others use "simple" (no stemming).
PG_CONFIGS = {"en": "english", "fr": "french"}

KIND_POST = "post"
KIND_CASE = "case"
KIND_PETITION = "petition"

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_MARKS_RE = re.compile(f"[{MARK_START}{MARK_END}\x00]")


@dataclass
class SearchHit:
    kind: str
    obj: Model
    rank: float
    snippet: SafeString


def fts_available() -> bool:
    """True where SQLite's FTS5 table is the index; PostgreSQL's is a table of ``tsvector``s
    (migration 0004). Both are kept by the same calls."""
    return connection.vendor == "sqlite"


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _translated(obj: Model, field: str, language: str) -> str:
    value = getattr(obj, f"{field}_{language}", None) or getattr(
        obj, f"{field}_{settings.LANGUAGE_CODE}", None
    )
    if value is None:
        value = getattr(obj, field, "") or ""
    return str(value)


def _clean(text: str) -> str:
    return _MARKS_RE.sub(" ", text or "")


def case_public_text(*, case: Case, language: str) -> tuple[str, str]:
    """The title and body of a case as the public may read them: never sensitive fields."""
    parts = [_translated(case, "occupation", language), _translated(case, "summary", language)]
    if not case.is_pseudonym:
        parts.append(_translated(case, "description", language))
    return case.name, "\n".join(p for p in parts if p)


def _post_text(post: Post, language: str) -> tuple[str, str]:
    body = "\n".join(
        [
            _translated(post, "summary", language),
            plain_text(_translated(post, "body", language)),
            post.author,
        ]
    )
    return _translated(post, "title", language), body


def _petition_text(petition: Petition, language: str) -> tuple[str, str]:
    body = "\n".join(
        [
            petition.reference,
            _translated(petition, "ask", language),
            plain_text(_translated(petition, "background", language)),
        ]
    )
    return _translated(petition, "title", language), body


def _replace(kind: str, object_id: int, rows: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE kind = %s AND object_id = %s", [kind, object_id])  # noqa: S608
        for language, title, body in rows:
            title, body = _clean(title), _clean(body)
            if fts_available():
                cursor.execute(
                    f"INSERT INTO {TABLE} (title, body, kind, object_id, language) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s, %s)",
                    [title, body, kind, object_id, language],
                )
            else:
                config = pg_config(language)
                cursor.execute(
                    f"INSERT INTO {TABLE} (title, body, kind, object_id, language, document) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s, %s, "
                    "setweight(to_tsvector(%s::regconfig, %s), 'A') "
                    "|| setweight(to_tsvector(%s::regconfig, %s), 'B'))",
                    [title, body, kind, object_id, language, config, title, config, body],
                )


def search_remove(*, kind: str, object_ids: list[int]) -> None:
    """Drop objects from the index (after a delete)."""
    with connection.cursor() as cursor:
        for object_id in object_ids:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE kind = %s AND object_id = %s",  # noqa: S608
                [kind, object_id],
            )


def search_index_post(*, post: Post) -> None:
    """Index a post in every language, or drop it from the index if it is unpublished.

    A post published with a future date is indexed now and shown only from that date.
    """
    rows = []
    if post.is_published:
        rows = [(lang, *_post_text(post, lang)) for lang in _languages()]
    _replace(KIND_POST, post.pk, rows)


def search_index_case(*, case: Case) -> None:
    """Index a published case's public text; sensitive fields are never written."""
    rows = []
    if case.is_published:
        rows = [(lang, *case_public_text(case=case, language=lang)) for lang in _languages()]
    _replace(KIND_CASE, case.pk, rows)


def search_index_petition(*, petition: Petition) -> None:
    """Index a petition that is not a draft."""
    rows = []
    if petition.status != Petition.Status.DRAFT:
        rows = [(lang, *_petition_text(petition, lang)) for lang in _languages()]
    _replace(KIND_PETITION, petition.pk, rows)


def search_reindex_all() -> int:
    """Rebuild the whole index from the database; returns the number of objects indexed."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    count = 0
    for post in Post.objects.all():
        search_index_post(post=post)
        count += 1
    for case in Case.objects.all():
        search_index_case(case=case)
        count += 1
    for petition in Petition.objects.all():
        search_index_petition(petition=petition)
        count += 1
    return count


def query_terms(q: str) -> list[str]:
    """The words of a query, at most ``MAX_QUERY_TERMS``; punctuation and operators dropped."""
    return _WORD_RE.findall(_clean(q))[:MAX_QUERY_TERMS]


def highlight(snippet: str) -> SafeString:
    """Escape a snippet framed with MARK_START/MARK_END, then turn only those into <mark>."""
    escaped = escape(snippet.replace("\x00", ""))
    marked = escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    # Balance marks a truncated snippet might have left open.
    marked += "</mark>" * (marked.count("<mark>") - marked.count("</mark>"))
    return mark_safe(marked)  # noqa: S308 - escaped above; only <mark> added


def _visible_querysets() -> dict[str, QuerySet]:
    return {
        KIND_POST: Post.objects.published(),
        KIND_CASE: Case.objects.published(),
        KIND_PETITION: Petition.objects.public().select_related("case"),
    }


def search(*, q: str, language: str) -> list[SearchHit]:
    """Ranked hits (best first) for a query in a language, at most ``MAX_RESULTS``."""
    terms = query_terms(q)
    if not terms:
        return []
    if fts_available():
        return _search_fts(terms=terms, language=language)
    return _search_postgres(terms=terms, language=language)


def _search_fts(*, terms: list[str], language: str) -> list[SearchHit]:
    match = " ".join('"{}"'.format(term.replace('"', "")) for term in terms)
    with connection.cursor() as cursor:
        # bm25 is lower for better matches: negated, so that higher is better, as on
        # PostgreSQL.
        cursor.execute(
            f"SELECT kind, object_id, -bm25({TABLE}, 10.0, 1.0) AS rank, "  # noqa: S608
            f"snippet({TABLE}, 1, %s, %s, '…', 24) "
            f"FROM {TABLE} WHERE {TABLE} MATCH %s AND language = %s "
            "ORDER BY rank DESC LIMIT %s",
            [MARK_START, MARK_END, match, language, MAX_RESULTS],
        )
        rows = cursor.fetchall()
    return _visible_hits(rows)


def _visible_hits(rows) -> list[SearchHit]:
    """The hits among ``rows`` (kind, id, rank, snippet; best first) that the public may
    read now: the index also holds posts published with a future date, and a case or
    petition hidden since it was indexed is dropped here too."""
    wanted: dict[str, list[int]] = {}
    for kind, object_id, _rank, _snippet in rows:
        wanted.setdefault(kind, []).append(int(object_id))
    querysets = _visible_querysets()
    objects = {
        kind: querysets[kind].in_bulk(ids) for kind, ids in wanted.items() if kind in querysets
    }
    hits = []
    for kind, object_id, rank, snippet in rows:
        obj = objects.get(kind, {}).get(int(object_id))
        if obj is not None:
            hits.append(SearchHit(kind=kind, obj=obj, rank=rank, snippet=highlight(snippet)))
    return hits


_pg_configs_cache: dict[str, str] = {}


def pg_config(language: str) -> str:
    """The text-search configuration for a language on PostgreSQL: ``outcry_<lang>``
    (stemming and accent-folding, created by migration 0002) where it exists, else the
    built-in one (``english``, ``french``; ``simple`` for other languages)."""
    if language not in _pg_configs_cache:
        builtin = PG_CONFIGS.get(language, "simple")
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_ts_config WHERE cfgname = %s", [f"outcry_{language}"])
            exists = cursor.fetchone() is not None
        _pg_configs_cache[language] = f"outcry_{language}" if exists else builtin
    return _pg_configs_cache[language]


def _search_postgres(*, terms: list[str], language: str) -> list[SearchHit]:
    if language not in _languages():
        language = settings.LANGUAGE_CODE
    config = pg_config(language)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, object_id, ts_rank(document, query) AS rank, "  # noqa: S608
            "ts_headline(%s::regconfig, body, query, %s) "
            f"FROM {TABLE}, plainto_tsquery(%s::regconfig, %s) AS query "
            "WHERE language = %s AND document @@ query ORDER BY rank DESC LIMIT %s",
            [
                config,
                f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=40, MinWords=15",
                config,
                " ".join(terms),
                language,
                MAX_RESULTS,
            ],
        )
        rows = cursor.fetchall()
    return _visible_hits(rows)
