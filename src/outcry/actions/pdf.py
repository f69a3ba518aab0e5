"""Letters as PDF, ready to print, sign and post (built on ``core.pdf``).

The recipient's lines sit in the window of the usual envelope (DIN 5008 on A4, a US #10 on
US Letter), the demands keep their numbers, and the sign-off leaves room for a signature.
A letter pack puts many letters (one or several actions) one per page, for a
letter-writing event: each page is the model letter with blank lines to sign.
"""

import hashlib
import re
from collections.abc import Iterable

from django.core.cache import cache
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from outcry.actions.composition import ComposedLetter, letter_compose
from outcry.actions.models import LetterAction
from outcry.core.pdf import Document, PageSize

_NUMBERED = re.compile(r"^(\d+)[.)]\s+(.*)", re.DOTALL)
PAPER = {"a4": PageSize.A4, "letter": PageSize.LETTER}


def _body_parts(text: str) -> list[tuple[str, object]]:
    """Paragraphs and runs of numbered demands: [("p", text) | ("ol", (start, items))]."""
    blocks = []
    for raw in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in raw.strip().split("\n") if line.strip()]
        if not lines:
            continue
        # A block may hold several demands, one per line ("1. …\n2. …").
        items, rest = [], []
        for line in lines:
            match = _NUMBERED.match(line)
            if match:
                items.append([int(match[1]), match[2]])
            elif items and not rest:
                items[-1][1] += " " + line
            else:
                rest.append(line)
        if items and not rest:
            for number, item in items:
                if blocks and blocks[-1][0] == "ol":
                    blocks[-1][1][1].append(item)
                else:
                    blocks.append(("ol", (number, [item])))
        else:
            blocks.append(("p", " ".join(lines)))
    return blocks


def _today(language: str) -> str:
    with translation.override(language):
        return formats.date_format(timezone.localdate(), "DATE_FORMAT")


def _write_letter(doc: Document, letter: ComposedLetter, *, blank_signature: bool) -> None:
    doc.add_page()
    # No return address: the supporter writes their own on the envelope (we do not ask
    # for their postal address).
    doc.address_block(letter.addressee.address_lines)
    doc.date_line(_today(letter.language))
    if letter.subject:
        doc.paragraph(letter.subject, bold=True)
    doc.paragraph(f"{letter.salutation},")
    for kind, value in _body_parts(letter.body_text):
        if kind == "ol":
            start, items = value
            doc.numbered_list(items, start=start)
        else:
            doc.paragraph(value)
    doc.space(2)
    doc.paragraph(letter.closing)
    doc.space(12)  # room to sign
    if blank_signature:
        with translation.override(letter.language):
            doc.paragraph(
                "\n\n".join(
                    [
                        gettext("Name") + ": ______________________________",
                        gettext("City, country") + ": ______________________",
                    ]
                )
            )
    elif letter.signature_lines:
        doc.paragraph("\n".join(letter.signature_lines))


def letter_pdf(*, letter: ComposedLetter, paper: str = "a4") -> bytes:
    """One supporter's letter, signed with their name and city."""
    doc = Document(page_size=PAPER.get(paper, PageSize.A4), title=letter.subject)
    _write_letter(doc, letter, blank_signature=not letter.signature_lines)
    return doc.to_bytes()


def model_letter_pdf(*, action: LetterAction, language: str, paper: str) -> bytes:
    """The unsigned model letter, built once per language, paper size and day (it is the
    same for everyone, and a PDF costs a few hundred milliseconds of CPU to build).

    The cache key holds everything printed (so an edit of the letter or of the office's
    address shows at once) and the date line (so it is rebuilt each day).
    """
    letter = letter_compose(action=action, language=language)
    printed = repr(
        (
            paper,
            _today(letter.language),
            letter.subject,
            letter.salutation,
            letter.addressee.address_lines,
            letter.body_text,
            letter.closing,
        )
    )
    key = f"letter-model-pdf:{action.pk}:{hashlib.sha256(printed.encode()).hexdigest()}"
    data = cache.get(key)
    if data is None:
        data = letter_pdf(letter=letter, paper=paper)
        cache.set(key, data, timeout=24 * 3600)
    return data


def letter_pack_pdf(
    *,
    actions: Iterable[LetterAction],
    language: str,
    copies: int = 1,
    paper: str = "a4",
) -> bytes:
    """Letters of ``actions`` in ``language``, ``copies`` of each, one per page, to sign."""
    with translation.override(language):
        title = gettext("Letter pack")
    doc = Document(page_size=PAPER.get(paper, PageSize.A4), title=title)
    for action in actions:
        letter = letter_compose(action=action, language=language)
        for _ in range(copies):
            _write_letter(doc, letter, blank_signature=True)
    return doc.to_bytes()
