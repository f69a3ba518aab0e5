"""Printable documents (letters, letter packs, delivery packages) as PDF, through fpdf2.

A small layer over ``fpdf.FPDF`` so that every PDF Outcry makes looks alike and renders any
script a supporter or an official writes in (DejaVu Sans, bundled under ``core/fonts``):

    doc = Document(page_size=PageSize.A4, title="Letter", footer="Outcry · 312 Example Ave")
    doc.add_page()
    doc.address_block(["Minister Sergei Lavrov", "Smolenskaya-Sennaia pl. 32/34", ...])
    doc.date_line("21 November 2026")
    doc.paragraph("Your Excellency,")
    doc.numbered_list(["Drop the charges…", "Guarantee…"])
    doc.save(path)  # or doc.to_bytes()

The address block sits where a window envelope shows it once the page is folded in three:
DIN 5008 form B (DL/C5 windows) on A4, a US #10 window envelope on US Letter. For long
listings (thousands of names) ``row`` writes one line of columns without any layout work,
which keeps 300,000 lines within seconds.
"""

import enum
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


class PageSize(enum.StrEnum):
    A4 = "A4"
    LETTER = "Letter"


# Where the window of the usual envelope is, in mm from the page's top-left corner:
# (left, top, width, height) of the recipient's lines.
_WINDOW = {
    # DIN 5008 form B: address field 20 mm from the left, 45 mm from the top, 85 × 45 mm,
    # whose first 17.7 mm take the return address; the recipient starts at 62.7 mm.
    PageSize.A4: (25.0, 62.7, 80.0, 27.3),
    # US #10 window envelope (window 7/8" from the left, about 2" down the folded sheet).
    PageSize.LETTER: (22.2, 50.8, 88.9, 25.4),
}
_RETURN_ADDRESS_TOP = {PageSize.A4: 50.0, PageSize.LETTER: 38.0}
_MARGIN = 20.0
BODY_SIZE = 10.5
SMALL_SIZE = 7.5


class _PDF(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=SMALL_SIZE)
        self.set_text_color(90)
        text = f"{self.footer_text}   {self.page_no()}/{{nb}}".strip()
        self.cell(0, 4, text, align="C")
        self.set_text_color(0)


class Document:
    """One PDF. Methods write at the current position and move it down."""

    def __init__(
        self,
        *,
        page_size: PageSize | str = PageSize.A4,
        title: str = "",
        author: str = "",
        footer: str = "",
        created: datetime | None = None,
    ) -> None:
        self.page_size = PageSize(page_size)
        pdf = _PDF(format=self.page_size.value, unit="mm")
        pdf.footer_text = footer
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(auto=True, margin=18)
        pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        pdf.set_font(FONT, size=BODY_SIZE)
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator("Outcry")
        if created is not None:
            # The date of the record it prints (e.g. a package's generation), not of the run.
            pdf.set_creation_date(created)
        self.pdf = pdf

    # Pages and positions -------------------------------------------------------------

    @property
    def width(self) -> float:
        """Width of the text area in mm."""
        return self.pdf.epw

    def add_page(self) -> None:
        self.pdf.add_page()

    def space(self, mm: float = 4.0) -> None:
        self.pdf.ln(mm)

    # Letter parts ----------------------------------------------------------------------

    def return_address(self, text: str) -> None:
        """One small line above the recipient, shown in the window (the sender's address)."""
        left, _top, width, _height = _WINDOW[self.page_size]
        self.pdf.set_xy(left, _RETURN_ADDRESS_TOP[self.page_size])
        self.pdf.set_font(FONT, size=SMALL_SIZE)
        self.pdf.cell(width, 4, text)
        self.pdf.set_font(FONT, size=BODY_SIZE)

    def address_block(self, lines: Sequence[str]) -> None:
        """The recipient's lines in the envelope window; the cursor then goes below it."""
        left, top, width, height = _WINDOW[self.page_size]
        self.pdf.set_xy(left, top)
        line_height = min(4.6, height / max(len(lines), 1))
        for line in lines:
            self.pdf.set_x(left)
            self.pdf.cell(width, line_height, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_xy(_MARGIN, max(self.pdf.get_y(), top + height) + 8)

    def date_line(self, text: str) -> None:
        """The date (and place) on the right, as letters have it."""
        self.pdf.cell(0, 6, text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(4)

    def heading(self, text: str, *, size: float = 14) -> None:
        self.pdf.set_font(FONT, "B", size=size)
        self.pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_font(FONT, size=BODY_SIZE)
        self.pdf.ln(2)

    def paragraph(self, text: str, *, size: float = BODY_SIZE, bold: bool = False) -> None:
        """Text wrapped to the width; blank lines in ``text`` separate paragraphs."""
        self.pdf.set_font(FONT, "B" if bold else "", size=size)
        for block in _paragraphs(text):
            self.pdf.multi_cell(
                0, size * 0.5, block, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
            self.pdf.ln(size * 0.3)
        self.pdf.set_font(FONT, size=BODY_SIZE)

    def numbered_list(self, items: Iterable[str], *, start: int = 1) -> None:
        """1. 2. 3. with the text indented under its number."""
        indent = 8.0
        for number, item in enumerate(items, start=start):
            y = self.pdf.get_y()
            self.pdf.cell(indent, BODY_SIZE * 0.5, f"{number}.")
            self.pdf.set_xy(_MARGIN + indent, y)
            self.pdf.multi_cell(
                self.width - indent,
                BODY_SIZE * 0.5,
                item,
                align="L",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            self.pdf.ln(1.5)

    def key_values(self, pairs: Iterable[tuple[str, str]], *, key_width: float = 55) -> None:
        """Two columns: a label and its value (e.g. "Total signatures" / "270,512")."""
        for key, value in pairs:
            self.pdf.set_font(FONT, "B", size=BODY_SIZE)
            self.pdf.cell(key_width, 6, key)
            self.pdf.set_font(FONT, size=BODY_SIZE)
            self.pdf.multi_cell(0, 6, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # Long listings ---------------------------------------------------------------------

    def columns(self, widths: Sequence[float], *, size: float = 8.0) -> "Columns":
        """A writer of one-line rows in columns of ``widths`` mm, for long lists."""
        return Columns(self, widths, size=size)

    # Output ----------------------------------------------------------------------------

    def save(self, target: str | Path | BinaryIO) -> None:
        data = self.pdf.output()
        if isinstance(target, str | Path):
            Path(target).write_bytes(data)
        else:
            target.write(data)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


class Columns:
    """Rows written with ``FPDF.text`` (no wrapping, no measuring): a cell is cut to what its
    column holds at about the font's average width, and pages break by themselves."""

    def __init__(self, doc: Document, widths: Sequence[float], *, size: float) -> None:
        self.doc, self.widths, self.size = doc, list(widths), size
        self.line_height = size * 0.45
        # DejaVu Sans averages about 0.55 em per character; pt → mm is 0.3528.
        self.max_chars = [max(1, int(w / (size * 0.3528 * 0.55))) for w in self.widths]
        self.header: Sequence[str] = ()

    def header_row(self, cells: Sequence[str]) -> None:
        """Bold column titles, repeated at the top of each new page."""
        self.header = list(cells)
        self._write(self.header, bold=True)

    def row(self, cells: Sequence[str]) -> None:
        self._write(cells, bold=False)

    def _write(self, cells: Sequence[str], *, bold: bool) -> None:
        pdf = self.doc.pdf
        if pdf.get_y() + self.line_height > pdf.h - 18:
            pdf.add_page()
            if self.header and not bold:
                self._write(self.header, bold=True)
        y = pdf.get_y() + self.line_height * 0.8
        pdf.set_font(FONT, "B" if bold else "", size=self.size)
        x = pdf.l_margin
        for cell, width, limit in zip(cells, self.widths, self.max_chars, strict=False):
            text = cell if len(cell) <= limit else cell[: limit - 1] + "…"
            if text:
                pdf.text(x, y, text)
            x += width
        pdf.set_y(pdf.get_y() + self.line_height)
        if bold:
            pdf.set_font(FONT, size=self.size)


def _paragraphs(text: str) -> list[str]:
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
