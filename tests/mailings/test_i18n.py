"""The mailings app's own French catalogue, and French where a French supporter sees it."""

import gettext
from pathlib import Path

import pytest

import outcry.mailings
from tests.mailings.conftest import make_alert
from tests.test_i18n import _po_entries

CATALOGUE = Path(outcry.mailings.__file__).parent / "locale" / "fr" / "LC_MESSAGES"


def test_mailings_french_catalogue_is_complete_and_compiled():
    """Every message is translated (none empty, none fuzzy) and the committed .mo matches."""
    entries = [e for e in _po_entries(CATALOGUE / "django.po") if e["msgid"]]
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
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
    assert entries and problems == []


@pytest.mark.django_db
def test_french_variant_has_a_french_footer(mailing_settings):
    from outcry.mailings.composition import compile_variant

    mailing = make_alert()
    variant = mailing.variants.get(language="fr")
    links = {k: "https://x.example/" for k in ("view_url", "unsubscribe_url", "preferences_url")}
    _subject, text, html = compile_variant(variant, mailing=mailing).render(
        {"first_name": "Claire", "last_name": "", "country": "", **links}
    )
    assert "Voir dans le navigateur" in html
    assert "Ne plus recevoir aucun courriel" in text
    assert "Bonjour Claire," in text
