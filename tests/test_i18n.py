"""The interface speaks the supporter's language: pages under /fr/ and the emails sent to
French signers are in French, /en/ stays English, and untranslated content falls back to
English. The French catalogue is committed compiled, so it must match its source."""

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from outcry.actions.forms import KEEP_INFORMED_LABEL
from outcry.cases.models import CaseStatus
from outcry.supporters.models import ConsentRecord
from tests.conftest import sign_data
from tests.factories import PetitionFactory

FR_CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES"
# The main catalogue, and those that apps keep in their own locale/ folder.
FR_CATALOGUES = [FR_CATALOGUE] + sorted(
    Path(settings.LOCALE_PATHS[0]).parent.glob("*/locale/fr/LC_MESSAGES")
)


def text_of(response) -> str:
    """The page as a reader sees it: entities decoded, runs of whitespace (including the
    non-breaking spaces of French typography) folded to one space."""
    return " ".join(html.unescape(response.content.decode()).split())


def folded(value: str) -> str:
    return " ".join(value.split())


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /fr/ leaves French active in this thread (LocaleMiddleware does not
    switch back), and model factories would then write `title` into `title_fr`. Every test
    here starts and ends in the default language, so none leaks French into the next."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def harassed_petition(db):
    return PetitionFactory(case__status=CaseStatus.JUDICIAL_HARASSMENT)


# What a supporter must see on the petition page in each language, and what would betray
# the other language leaking through. (Pages are whitespace-folded, so the no-break space
# French puts before a colon reads as a plain space here.)
PAGE_STRINGS = {
    "en": [
        '<html lang="en">',
        "Sign the petition",
        '<button type="submit">Sign</button>',
        '<label for="id_first_name">First name:</label>',
        '<label for="id_last_name">Last name:</label>',
        '<label for="id_email">Email:</label>',
        '<label for="id_country">Country:</label>',
        "Keep me informed by email about this case and other urgent actions.",
        "How we protect your data",
    ],
    "fr": [
        '<html lang="fr">',
        "Signez la pétition",
        '<button type="submit">Signer</button>',
        '<label for="id_first_name">Prénom :</label>',
        '<label for="id_last_name">Nom :</label>',
        '<label for="id_email">Adresse e-mail :</label>',
        '<label for="id_country">Pays :</label>',
        "Je souhaite recevoir par e-mail des nouvelles de ce cas et d'autres actions urgentes.",
        "Comment nous protégeons vos données",
    ],
}


# The case's status label, after the translated word "Status" (French puts a space before
# the colon, English does not).
STATUS_LINE = {
    "en": r"Status: Judicial harassment",
    "fr": r"Statut ?: Acharnement judiciaire",
}


@pytest.mark.parametrize(("language", "other"), [("en", "fr"), ("fr", "en")])
def test_petition_page_interface_is_in_the_url_language(client, harassed_petition, language, other):
    """/<lang>/petitions/<slug>/ shows the sign button, form labels and case status label in
    that language, and none of the other language's interface strings."""
    response = client.get(f"/{language}/petitions/{harassed_petition.slug}/")

    assert response.status_code == 200
    page = text_of(response)
    for expected in PAGE_STRINGS[language]:
        assert expected in page
    assert re.search(STATUS_LINE[language], page)
    assert not re.search(STATUS_LINE[other], page)
    for foreign in PAGE_STRINGS[other]:
        assert foreign not in page


def test_french_petition_page_shows_french_title_and_english_page_english_title(client, petition):
    """Translated content follows the URL language too: the title is the French one on /fr/
    and the English one on /en/."""
    fr_page = text_of(client.get(f"/fr/petitions/{petition.slug}/"))
    en_page = text_of(client.get(f"/en/petitions/{petition.slug}/"))

    assert f"<h1>{petition.title_fr}</h1>" in fr_page
    assert f"<h1>{petition.title_en}</h1>" in en_page
    assert petition.title_fr not in en_page


@pytest.mark.parametrize("missing", [None, ""])
def test_petition_without_french_title_falls_back_to_english_on_french_page(client, db, missing):
    """A petition whose French title was never written shows its English title on /fr/,
    never an empty heading, while the interface around it stays French."""
    petition = PetitionFactory(title="Free Narges Mohammadi", title_fr=missing)

    page = text_of(client.get(f"/fr/petitions/{petition.slug}/"))

    assert "<h1>Free Narges Mohammadi</h1>" in page
    assert "<title>Free Narges Mohammadi ·" in page
    assert '<button type="submit">Signer</button>' in page


@pytest.mark.parametrize(
    ("language", "count", "expected"),
    [
        ("en", 0, "0</strong> signatures · goal 1,000"),
        ("en", 1, "1</strong> signature · goal 1,000"),
        ("fr", 0, "0</strong> signature · objectif : 1 000"),
        ("fr", 1, "1</strong> signature · objectif : 1 000"),
        ("fr", 2, "2</strong> signatures · objectif : 1 000"),
    ],
)
def test_signature_count_uses_the_language_plural_rule(client, db, language, count, expected):
    """The counter follows each language's plural rule: French says "0 signature" where
    English says "0 signatures", and the goal is a localised, grouped number."""
    petition = PetitionFactory(count=count)

    page = text_of(client.get(f"/{language}/petitions/{petition.slug}/"))

    assert expected in page


def test_french_form_errors_are_in_french(client, petition):
    """A signature refused on /fr/ explains itself in French, both our own messages and
    Django's built-in ones."""
    response = client.post(
        f"/fr/petitions/{petition.slug}/",
        sign_data(first_name="Jo\u200bhn", last_name=""),
    )

    assert response.status_code == 400
    page = text_of(response)
    assert "Veuillez corriger les erreurs ci-dessous." in page
    assert "Veuillez supprimer les caractères invisibles ou de contrôle." in page
    assert "Ce champ est obligatoire." in page
    assert "Please correct the errors below." not in page


def test_consent_wording_is_recorded_as_shown_in_french(client, petition):
    """The consent record keeps the exact wording the supporter saw: the French sentence,
    with language "fr", when they ticked the box on the French page."""
    client.post(f"/fr/petitions/{petition.slug}/", sign_data(keep_informed="on"))

    record = ConsentRecord.objects.filter(purpose="keep_informed").get()
    assert record.language == "fr"
    assert record.given is True
    assert record.wording.startswith("Je souhaite recevoir par e-mail des nouvelles")
    with translation.override("en"):
        assert record.wording != str(KEEP_INFORMED_LABEL)


CONFIRMATION_EMAIL = {
    "en": {
        "subject": "Please confirm your signature: {title}",
        "text": [
            "Dear John,",
            "Thank you for signing “{title}”. Please confirm your signature by following "
            "this link:",
            "Your signature counts only once you confirm it. The link works for {days} days.",
            "If you did not sign, you can ignore this email: nothing more will happen.",
        ],
        "html": ["Confirm my signature"],
    },
    "fr": {
        "subject": "Confirmez votre signature : {title}",
        "text": [
            "Bonjour John,",
            "Merci d'avoir signé « {title} ». Veuillez confirmer votre signature en suivant "
            "ce lien :",
            "Votre signature ne sera comptée qu'une fois confirmée. Ce lien est valable "
            "{days} jours.",
            "Si vous n'avez pas signé, vous pouvez ignorer cet e-mail : rien d'autre ne se "
            "passera.",
        ],
        "html": ["Confirmer ma signature", "Bonjour John,"],
    },
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_confirmation_email_is_in_the_signers_language(
    client, petition, smtp_server, tasks, language
):
    """Whoever signs on /<lang>/ gets the confirmation email in that language: subject,
    plain text and HTML, with the petition's title in that language and a confirmation
    link back to the same language's pages."""
    expected = CONFIRMATION_EMAIL[language]
    title = getattr(petition, f"title_{language}")
    days = settings.SIGNATURE_CONFIRMATION_MAX_AGE // 86400

    response = client.post(f"/{language}/petitions/{petition.slug}/", sign_data())
    assert response.status_code == 302
    tasks.run()

    [message] = smtp_server.messages_to("john@example.org")
    assert message["Content-Language"] == language
    assert folded(message["Subject"]) == expected["subject"].format(title=title)
    text = folded(message.get_body(("plain",)).get_content())
    for sentence in expected["text"]:
        assert sentence.format(title=title, days=days) in text
    assert re.search(rf"https?://\S+/{language}/confirm/\S+/", text)
    body_html = folded(html.unescape(message.get_body(("html",)).get_content()))
    for sentence in expected["html"]:
        assert sentence in body_html


def test_every_case_status_has_a_french_label():
    """Case statuses are shown to the public: each one has its own French wording, so a
    status added later without a translation fails here."""
    with translation.override("fr"):
        french = {status: str(status.label) for status in CaseStatus}
    with translation.override("en"):
        english = {status: str(status.label) for status in CaseStatus}

    untranslated = [status.value for status in CaseStatus if french[status] == english[status]]
    assert untranslated == []
    assert french[CaseStatus.JUDICIAL_HARASSMENT] == "Acharnement judiciaire"


def _po_entries(path: Path) -> list[dict]:
    """The entries of a .po file: msgctxt, msgid, msgid_plural, msgstr / msgstr[n], flags."""
    entries, entry, key = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line):
            key = match.group(1)
            entry[key] = _po_string(match.group(2))
        else:
            entry[key] += _po_string(line)
    return entries


def _po_string(quoted: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes[m.group(1)], quoted.strip()[1:-1])


@pytest.mark.parametrize(
    "catalogue", FR_CATALOGUES, ids=lambda path: str(path.parent.parent.parent.name)
)
def test_french_catalogue_is_complete_and_compiled(catalogue):
    """Every message in each French .po is translated (none empty, none fuzzy), and the
    committed .mo gives exactly those translations: editing a .po without running
    `make messages` fails here."""
    entries = [e for e in _po_entries(catalogue / "django.po") if e["msgid"]]
    with (catalogue / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    assert len(entries) > (100 if catalogue == FR_CATALOGUE else 0)
    problems = []
    for e in entries:
        if "fuzzy" in e["flags"]:
            problems.append(("fuzzy", e["msgid"]))
        if "msgid_plural" in e:
            forms = [e[f"msgstr[{n}]"] for n in range(2)]
            got = [compiled.ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
        elif "msgctxt" in e:
            forms = [e["msgstr"]]
            got = [compiled.pgettext(e["msgctxt"], e["msgid"])]
        else:
            forms = [e["msgstr"]]
            got = [compiled.gettext(e["msgid"])]
        if not all(forms):
            problems.append(("untranslated", e["msgid"]))
        elif got != forms:
            problems.append(("stale .mo", e["msgid"]))
    assert problems == []
