"""The demo's letter to Minister Lavrov (seed 001), in French: the action page, the letter
by email through to the ministry's server, and the letter on paper."""

import io

import pytest
from pypdf import PdfReader

from outcry.actions.models import LetterAction, Petition
from outcry.demo.services import demo_load
from tests.actions_outreach.conftest import confirm_path, letter_data, plain

SLUG = "write-to-lavrov-elena-milashina"
MINISTRY = "minister@foreign-affairs.example"


@pytest.fixture
def demo(transactional_db):
    demo_load()


def test_french_action_page_has_the_status_the_minister_and_the_numbered_demands(client, demo):
    page = client.get(f"/fr/letters/{SLUG}/").content.decode()
    assert "Agissez en faveur d&#x27;Elena Milashina" in page
    assert "Statut : Acharnement judiciaire" in page or "Statut: Acharnement judiciaire" in page
    assert "Ministre Sergei Lavrov" in page
    assert "Smolenskaya-Sennaia pl. 32/34" in page
    assert "119200 Moscow" in page
    assert 'href="tel:+74956442203"' in page
    assert "Monsieur le Ministre," in page
    assert page.count("<li>") >= 4
    assert "Renoncer à engager des poursuites contre Elena Milashina" in page
    assert 'value="email"' in page and 'value="print"' in page
    english = client.get(f"/en/letters/{SLUG}/").content.decode()
    assert "Your Excellency," in english
    assert "Drop the initiation of legal action against Elena Milashina" in english


def test_french_letter_by_email_reaches_the_ministry(client, demo, tasks, smtp_server):
    """Marie writes in French and agrees to be named: the ministry gets her letter in
    French, signed with her name and city."""
    response = client.post(
        f"/fr/letters/{SLUG}/",
        letter_data(email="marie@example.fr", first_name="Marie", named_to_target="on"),
    )
    assert response.status_code == 302
    tasks.run()
    [confirmation] = smtp_server.messages_to("marie@example.fr")
    assert confirmation["Content-Language"] == "fr"
    assert client.post(confirm_path(confirmation)).status_code == 200
    tasks.run(include_deferred=True)
    [letter] = smtp_server.messages_to(MINISTRY)
    text = plain(letter)
    assert letter["Subject"].strip() == "Mettez fin au harcèlement judiciaire d'Elena Milashina"
    assert text.startswith("Monsieur le Ministre,")
    for number in range(1, 5):
        assert f"\n{number}. " in text
    assert "Veuillez agréer" in text
    assert "Marie Writer\nLyon, France" in text
    assert LetterAction.objects.get(slug=SLUG).count == 1


def test_french_letter_on_paper(client, demo, smtp_server):
    response = client.post(f"/fr/letters/{SLUG}/", letter_data(route="print", paper="a4"))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Ministre Sergei Lavrov" in text
    assert "Smolenskaya-Sennaia pl. 32/34" in text
    assert "Monsieur le Ministre," in text
    assert "1. Renoncer à engager des poursuites" in text


def test_demo_petition_goes_to_the_prosecutor_generals_office(demo):
    petition = Petition.objects.get(slug="investigate-chechnya-purge")
    assert petition.office.key == "prosecutor-general"
