"""Search over posts, cases and petitions with the database's own full-text engine:
language-aware, ranked, highlighted, escaped, limited to what is public, and calm in the
face of hostile queries."""

import pytest

from outcry.actions.models import Petition
from outcry.news import search
from outcry.news.models import Post
from outcry.news.services import petition_saved, post_create, post_saved
from tests.factories import CaseFactory, PetitionFactory, PostFactory

pytestmark = pytest.mark.django_db


def found(q: str, language: str = "en") -> list:
    return [hit.obj for hit in search.search(q=q, language=language)]


def test_finds_posts_cases_and_petitions(db):
    """One query searches the three kinds of content."""
    case = CaseFactory(name="Oyub Titiev", summary="Defender in Chechnya")
    petition = PetitionFactory(case=CaseFactory(), title="Release the Chechnya prisoners")
    post = PostFactory(title="Statement on Chechnya")
    search.search_index_case(case=case)
    petition_saved(petition=petition)
    assert set(found("chechnya")) == {case, petition, post}


def test_title_matches_rank_above_body_matches(db):
    """A post with the word in its title ranks above one with it only in its body."""
    in_body = PostFactory(title="Weekly roundup", body="Something about torture here.")
    in_title = PostFactory(title="Torture must end", body="Nothing else.")
    assert found("torture") == [in_title, in_body]


def test_english_search_matches_other_word_forms(db):
    """English stemming: "detentions" finds a post about a "detention"."""
    post = PostFactory(title="Unlawful detention of a lawyer")
    assert found("detentions") == [post]


def test_search_is_language_aware(db):
    """On /fr/ the French text is searched; the English text is searched on /en/."""
    post = PostFactory(
        title="Torture in prison", title_fr="Torture en prison", body="Prison report"
    )
    post.body_fr = "Rapport sur les geôles"
    post.save()
    post_saved(post=post)
    assert found("geôles", "fr") == [post]
    assert found("geôles", "en") == []
    assert found("report", "en") == [post]


def test_french_search_ignores_accents(db):
    """A French query without accents still finds accented words."""
    post = PostFactory(title="Tchétchénie", title_fr="Tchétchénie : déclaration")
    post_saved(post=post)
    assert found("tchetchenie", "fr") == [post]


def test_unpublished_posts_and_draft_petitions_are_never_found(db):
    """Drafts, unpublished and future posts, unpublished cases and draft petitions stay hidden."""
    from django.utils import timezone

    PostFactory(title="Secret draft zebra", is_published=False)
    PostFactory(title="Future zebra", published_at=timezone.now() + timezone.timedelta(days=1))
    case = CaseFactory(name="Hidden zebra", is_published=False)
    search.search_index_case(case=case)
    petition = PetitionFactory(title="Draft zebra", status=Petition.Status.DRAFT)
    petition_saved(petition=petition)
    assert found("zebra") == []


def test_unpublishing_a_post_removes_it_from_results(db):
    post = PostFactory(title="Giraffe statement")
    assert found("giraffe") == [post]
    post.is_published = False
    post.save()
    post_saved(post=post)
    assert found("giraffe") == []


def test_post_create_service_indexes_the_post(db):
    post = post_create(slug="okapi", title="Okapi news", is_published=True)
    assert found("okapi") == [post]


def test_snippet_highlights_and_escapes(client):
    """Snippets mark the matched words with <mark> and escape everything else."""
    PostFactory(title="Report", body="The <b>panda</b> & the <script>alert(1)</script> panda.")
    content = client.get("/en/search/?q=panda").content.decode()
    assert "<mark>panda</mark>" in content
    assert "&lt;b&gt;" in content or "<b>" not in content
    assert "<script>alert(1)" not in content
    [hit] = search.search(q="panda", language="en")
    assert str(hit.snippet).count("<mark>") == str(hit.snippet).count("</mark>") >= 1


def test_highlight_escapes_everything_but_marks():
    marked = search.highlight(f"<i>x</i> {search.MARK_START}word{search.MARK_END} & y")
    assert marked == "&lt;i&gt;x&lt;/i&gt; <mark>word</mark> &amp; y"


def test_search_page_shows_ranked_results_with_links(client):
    post = PostFactory(title="Statement on lemurs")
    content = client.get("/en/search/?q=lemurs").content.decode()
    assert f'href="{post.get_absolute_url()}"' in content
    assert "1 result" in content


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        '"',
        "AND OR NOT",
        "NEAR(a b)",
        "title:x",
        "a*",
        "^x",
        "(((",
        "'; DROP TABLE news_post; --",
        "\x00",
        "x\x00y",
        "日本語",
        "a" * 199,
        "-",
        "!@#$%^&*()",
    ],
)
def test_hostile_queries_get_a_normal_page(client, q):
    """FTS operators, SQL, NUL bytes and odd scripts never cause a server error."""
    PostFactory(title="Something")
    response = client.get("/en/search/", {"q": q})
    assert response.status_code == 200
    assert Post.objects.count() == 1


def test_over_long_query_gets_a_clear_message(client):
    """A 10 kB query is refused with a 400 and says why."""
    response = client.get("/en/search/", {"q": "a" * 10_000})
    assert response.status_code == 400
    assert "Your search is too long" in response.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-5", "999999999999999999999", "1" * 5000])
def test_hostile_page_numbers_on_search_give_a_normal_page(client, page):
    PostFactory(title="Wombat")
    response = client.get("/en/search/", {"q": "wombat", "page": page})
    assert response.status_code == 200
    assert "Wombat" in response.content.decode()
