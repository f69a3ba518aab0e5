"""The targets and deliveries apps keep their own French catalogues, complete and compiled."""

import gettext
from pathlib import Path

import pytest

import outcry
from tests.test_i18n import _po_entries

APPS = ["targets", "deliveries"]


@pytest.mark.parametrize("app", APPS)
def test_app_catalogue_is_complete_and_compiled(app):
    """Every message is translated (none fuzzy) and the committed .mo says the same."""
    folder = Path(outcry.__file__).parent / app / "locale" / "fr" / "LC_MESSAGES"
    entries = [e for e in _po_entries(folder / "django.po") if e["msgid"]]
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert len(entries) > 50
    problems = []
    for e in entries:
        if "fuzzy" in e["flags"]:
            problems.append(("fuzzy", e["msgid"]))
        if "msgid_plural" in e:
            forms = [e[f"msgstr[{n}]"] for n in range(2)]
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
        else:
            forms = [e["msgstr"]]
            got = [compiled.gettext(e["msgid"])]
        if not all(forms):
            problems.append(("untranslated", e["msgid"]))
        elif got != forms:
            problems.append(("stale .mo", e["msgid"]))
    assert problems == []
