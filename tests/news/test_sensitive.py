"""A case's sensitive fields never leave the database: a marker placed in its sensitive
notes (always sensitive) and in its description (sensitive when the name is a pseudonym)
appears in no page, feed, search result or sharing metadata."""

from datetime import date

import pytest

from outcry.cases.models import Case, CaseUpdate
from outcry.news import search
from tests import actors
from tests.factories import CaseFactory, PetitionFactory, PostFactory, TopicFactory

pytestmark = pytest.mark.django_db

MARKER = "zqxsensitivemarker"


@pytest.fixture
def protected_case(db):
    """A pseudonymous case with the marker in every sensitive field, a petition, an update,
    a post about it, and its search entry written as the save paths write it."""
    topic = TopicFactory(slug="t")
    case = CaseFactory(
        slug="anna",
        name="Anna (pseudonym)",
        is_pseudonym=True,
        summary="A public summary of the case.",
        description=f"Real name Ivanova, {MARKER} lives at 5 Lenin street.",
        description_fr=f"Vrai nom Ivanova, {MARKER}.",
        sensitive_notes=f"Contact via Signal, {MARKER}.",
    )
    CaseUpdate.objects.create(case=case, date=date(2024, 1, 2), title="Detained", body="Update.")
    PetitionFactory(case=case, slug="free-anna", title="Free Anna")
    PostFactory(slug="about-anna", title="Statement on Anna", cases=[case], topics=[topic])
    search.search_index_case(case=case)
    return case


def public_urls(language: str) -> list[str]:
    return [
        f"/{language}/",
        f"/{language}/cases/anna/",
        f"/{language}/news/",
        f"/{language}/news/about-anna/",
        f"/{language}/countries/ru/",
        f"/{language}/topics/t/",
        f"/{language}/petitions/free-anna/",
        f"/{language}/search/?q={MARKER}",
        f"/{language}/search/?q=Ivanova",
        f"/{language}/search/?q=Anna",
        f"/{language}/search/?q=Lenin+street",
        f"/{language}/search/?q=Signal",
    ] + [
        f"/{language}/feeds/{path}{fmt}/"
        for path in ["", "countries/ru/", "topics/t/", "cases/anna/"]
        for fmt in ["rss", "atom"]
    ]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_marker_in_sensitive_fields_never_appears_publicly(client, protected_case, language):
    """No public page, feed, search result or metadata shows the sensitive text."""
    for url in public_urls(language):
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        if url.endswith((f"q={MARKER}", "q=Ivanova")):
            # The page repeats the query itself; it must find nothing.
            assert 'class="results"' not in content, url
            continue
        assert MARKER not in content, url
        assert "Ivanova" not in content, url


def test_search_does_not_find_a_pseudonymous_case_by_its_sensitive_text(protected_case):
    """Searching the marker finds nothing; searching the public summary finds the case."""
    assert search.search(q=MARKER, language="en") == []
    assert search.search(q="Ivanova", language="fr") == []
    assert [hit.obj for hit in search.search(q="public summary", language="en")] == [protected_case]


def test_description_of_a_named_case_is_public_and_searchable(client, db):
    """Without a pseudonym the description is shown and searchable: the rule above is
    about pseudonyms, and the test above would notice if the description were never used."""
    case = CaseFactory(
        slug="named", description=f"Named case {MARKER}", sensitive_notes="secretnote"
    )
    search.search_index_case(case=case)
    assert MARKER in client.get("/en/cases/named/").content.decode()
    assert [hit.obj for hit in search.search(q=MARKER, language="en")] == [case]
    assert search.search(q="secretnote", language="en") == []


def test_case_saved_in_the_admin_keeps_sensitive_fields_out_of_search(client, campaigner):
    """A campaigner who saves a pseudonymous case in the admin gets a search entry built
    from public fields only."""
    actors.logged_in(client, campaigner)
    response = client.post(
        "/admin/cases/case/add/",
        {
            "name": "Boris (pseudonym)",
            "slug": "boris",
            "is_pseudonym": "on",
            "country": "RU",
            "status": "at_risk",
            "is_published": "on",
            "summary_en": "Boris is a defender.",
            "description_en": f"Real identity {MARKER}",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(slug="boris")
    assert [hit.obj for hit in search.search(q="defender", language="en")] == [case]
    assert search.search(q=MARKER, language="en") == []
