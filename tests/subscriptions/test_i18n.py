"""The subscriptions app's French catalogue is complete and its committed .mo matches."""

import gettext
from pathlib import Path

import outcry.subscriptions
from tests.test_i18n import _po_entries

CATALOGUE = Path(outcry.subscriptions.__file__).parent / "locale" / "fr" / "LC_MESSAGES"


def test_subscriptions_french_catalogue_is_complete_and_compiled():
    entries = [e for e in _po_entries(CATALOGUE / "django.po") if e["msgid"]]
    with (CATALOGUE / "django.mo").open("rb") as mo:
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


def test_subscribe_box_speaks_french(client, db):
    page = " ".join(client.get("/fr/countries/ru/").content.decode().split())
    assert "<h2>S'abonner : Fédération de Russie</h2>" in page
    assert "Envoyez-moi les nouvelles et les actions urgentes sur Fédération de Russie" in page
    assert "Prénom (facultatif)" in page


def test_privacy_page_explains_subscriptions_and_retention(client, db, settings):
    settings.RETENTION_DAYS_AFTER_CLOSE = 90
    english = " ".join(client.get("/en/privacy/").content.decode().split())
    assert "erased 90 days after the petition closes" in english
    assert "get a copy of all we hold about you" in english
    french = " ".join(client.get("/fr/privacy/").content.decode().split())
    assert "effacés 90 jours après la clôture" in french
