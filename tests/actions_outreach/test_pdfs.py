"""Letters on paper: the print route's PDF (A4 and US Letter) with the target's address in
the envelope window and the numbered demands, the model letter, and the letter pack."""

import io

from django.urls import reverse
from pypdf import PdfReader

from outcry.actions.models import Letter, LetterAction
from tests import actors
from tests.actions_outreach.conftest import letter_data
from tests.actions_outreach.factories import LetterActionFactory

MM = 72 / 25.4


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def address_top_mm(data: bytes, needle: str) -> float:
    reader = PdfReader(io.BytesIO(data))
    height = float(reader.pages[0].mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if needle in text:
            found.append((height - tm[5]) / MM)

    reader.pages[0].extract_text(visitor_text=visit)
    assert found, f"{needle!r} not on the first page"
    return found[0]


def test_print_route_gives_the_signed_letter_as_a_pdf_at_once(client, smtp_server, tasks):
    """Choosing to post it: the PDF downloads right away with the holder's name, the office
    address for the window envelope, the four demands and Ada's name and city; the letter
    is kept (sealed) and counted once she confirms her address."""
    action = LetterActionFactory()
    response = client.post(f"/en/letters/{action.slug}/", letter_data(route="print", paper="a4"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    [text] = pages(response.content)
    text = flat(text)
    for line in ("Minister Official", "Smolenskaya-Sennaia pl. 32/34", "119200 Moscow", "Russia"):
        assert line in text
    assert "Your Excellency," in text
    for number in ("1. Drop the initiation", "2. Guarantee her", "3. Ensure", "4. Guarantee"):
        assert number in text
    assert "Ada Writer" in text
    assert "Lyon, France" in text
    # The recipient sits in the window of a DL envelope (DIN 5008 B: 45–90 mm from the top).
    assert 45 <= address_top_mm(response.content, "Smolenskaya") <= 90
    letter = Letter.objects.get()
    assert letter.route == Letter.Route.PRINT
    assert letter.target_status == Letter.TargetStatus.NOT_SENT


def test_print_route_in_us_letter_size(client, smtp_server):
    action = LetterActionFactory()
    response = client.post(
        f"/en/letters/{action.slug}/", letter_data(route="print", paper="letter")
    )
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert round(float(page.mediabox.width)) == 612  # 8.5 in
    assert round(float(page.mediabox.height)) == 792  # 11 in
    assert "119200 Moscow" in pages(response.content)[0]


def test_edited_letter_on_paper_keeps_markup_as_text(client, smtp_server):
    action = LetterActionFactory()
    body = "Please <b>act</b> now.\n\n1. Free her.\n2. Protect her."
    response = client.post(f"/en/letters/{action.slug}/", letter_data(route="print", body=body))
    text = flat(pages(response.content)[0])
    assert "Please <b>act</b> now." in text
    assert "1. Free her." in text and "2. Protect her." in text
    assert "Drop the initiation" not in text


def test_model_letter_pdf_leaves_room_to_sign(client):
    action = LetterActionFactory()
    response = client.get(f"/en/letters/{action.slug}/letter.pdf")
    assert response.status_code == 200
    text = flat(pages(response.content)[0])
    assert "Your Excellency," in text
    assert "Name: ____" in text
    assert "4. Guarantee" in text


def test_letter_pack_puts_one_letter_per_page_for_several_actions(client, administrator):
    """Staff choose two actions, three copies each, in French: six pages to sign."""
    first = LetterActionFactory(subject="Stop the harassment", subject_fr="Cessez le harcèlement")
    second = LetterActionFactory(subject="Release him", subject_fr="Libérez-le")
    actors.logged_in(client, administrator)
    response = client.post(
        reverse("admin:actions_letteraction_changelist"),
        {
            "action": "letter_pack",
            "_selected_action": [str(first.pk), str(second.pk)],
            "language": "fr",
            "copies": "3",
            "paper": "a4",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    texts = [flat(t) for t in pages(response.content)]
    assert len(texts) == 6
    assert sum("Cessez le harcèlement" in t for t in texts) == 3
    assert sum("Libérez-le" in t for t in texts) == 3
    assert all("Nom : ____" in t or "Nom: ____" in t for t in texts)
    assert LetterAction.objects.count() == 2


def test_model_letter_pdf_is_built_once_per_language_and_paper(client, monkeypatch):
    """The unsigned model letter is the same for everyone: it is built once per language
    and paper size, and a made-up query string is sent to the one URL instead of asking
    for a fresh build."""
    from outcry.actions import pdf

    built = []
    real_letter_pdf = pdf.letter_pdf

    def counting_letter_pdf(**kwargs):
        built.append((kwargs["letter"].language, kwargs["paper"]))
        return real_letter_pdf(**kwargs)

    monkeypatch.setattr(pdf, "letter_pdf", counting_letter_pdf)
    action = LetterActionFactory()
    url = f"/en/letters/{action.slug}/letter.pdf"
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    busted = client.get(url + "?x=1")
    assert busted.status_code == 301
    assert busted["Location"] == url
    assert client.get(url + "?paper=letter&x=2")["Location"] == url + "?paper=letter"
    assert client.get(url + "?paper=a4")["Location"] == url
    us_letter = client.get(url + "?paper=letter")
    assert round(float(PdfReader(io.BytesIO(us_letter.content)).pages[0].mediabox.width)) == 612
    client.get(url + "?paper=letter")
    french = client.get(f"/fr/letters/{action.slug}/letter.pdf")
    assert "Nom" in pages(french.content)[0]
    assert built == [("en", "a4"), ("en", "letter"), ("fr", "a4")]


def test_print_route_over_the_rate_limit_builds_no_signed_pdf(client, smtp_server, settings):
    """Over the rate limits the signed PDF is not built: the page says why (429), keeps
    what was typed and points to the model letter to sign by hand."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 1
    action = LetterActionFactory()
    first = client.post(f"/en/letters/{action.slug}/", letter_data(route="print"))
    assert first["Content-Type"] == "application/pdf"
    second = client.post(
        f"/en/letters/{action.slug}/",
        letter_data(route="print", email="grace@example.org", first_name="Grace"),
    )
    assert second.status_code == 429
    page = second.content.decode()
    assert "cannot make your signed copy now" in page
    assert f"/en/letters/{action.slug}/letter.pdf" in page
    assert 'value="Grace"' in page
