"""The shared PDF helpers (core.pdf): text in any script, the envelope window, long lists."""

import io

import pytest
from pypdf import PdfReader

from outcry.core.pdf import Document, PageSize

MM = 72 / 25.4  # PDF points per millimetre


def text_of(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def positions(data: bytes, page: int = 0) -> dict[str, tuple[float, float]]:
    """Each text run on ``page`` → (x, y) in mm from the top-left corner."""
    reader = PdfReader(io.BytesIO(data))
    height = float(reader.pages[page].mediabox.height)
    found: dict[str, tuple[float, float]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.setdefault(text.strip(), (tm[4] / MM, (height - tm[5]) / MM))

    reader.pages[page].extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("size", [PageSize.A4, PageSize.LETTER])
def test_letter_parts_render_cyrillic_and_accents_in_the_envelope_window(size):
    """A letter page carries the address (French accents, Cyrillic) where the window of
    the page size's usual envelope shows it, then the date, paragraphs and numbered list."""
    doc = Document(page_size=size, title="Lettre", footer="Outcry · Ottawa")
    doc.add_page()
    doc.address_block(["Ministre Sergueï Lavrov", "Смоленская-Сенная пл., 32/34", "119200 Moscou"])
    doc.date_line("21 novembre 2026")
    doc.paragraph("Monsieur le Ministre,\n\nJe suis préoccupé par le sort d'Elena Milashina.")
    doc.numbered_list(["Abandonner les poursuites.", "Garantir sa sécurité."])
    data = doc.to_bytes()

    (page,) = text_of(data)
    for expected in [
        "Ministre Sergueï Lavrov",
        "Смоленская-Сенная пл., 32/34",
        "21 novembre 2026",
        "Monsieur le Ministre,",
        "1. Abandonner les poursuites.",
        "2. Garantir sa sécurité.",
        "Outcry · Ottawa",
    ]:
        assert expected in page.replace("  ", " ")
    x, y = positions(data)["Ministre Sergueï Lavrov"]
    if size == PageSize.A4:  # DIN 5008 form B: 20–105 mm across, 62.7–90 mm down
        assert 20 <= x <= 30 and 60 <= y <= 70
    else:  # US #10 window: about 7/8" from the left, 2" down
        assert 18 <= x <= 28 and 48 <= y <= 58
    reader = PdfReader(io.BytesIO(data))
    width_mm = float(reader.pages[0].mediabox.width) / MM
    assert round(width_mm) == (210 if size == PageSize.A4 else 216)


def test_long_lists_break_pages_and_repeat_their_header():
    """Columns of 1,000 rows run over several pages, each page headed again."""
    doc = Document()
    doc.add_page()
    columns = doc.columns([70, 60, 40])
    columns.header_row(["Name", "City", "Country"])
    for n in range(1000):
        columns.row([f"Анна Петрова {n}", "Montréal", "Canada"])
    pages = text_of(doc.to_bytes())
    assert len(pages) > 5
    assert all("Name City Country" in page for page in pages)
    joined = "\n".join(pages)
    assert "Анна Петрова 0 Montréal Canada" in joined
    assert "Анна Петрова 999 Montréal Canada" in joined


def test_a_cell_too_long_for_its_column_is_cut_not_spilled():
    doc = Document()
    doc.add_page()
    columns = doc.columns([20, 20])
    columns.row(["A" * 200, "next"])
    (page,) = text_of(doc.to_bytes())
    assert "A" * 200 not in page
    assert "…" in page and "next" in page
