"""French where a French supporter sees a mailing (the app's catalogue itself is checked,
with every other, in tests/test_i18n.py)."""

import pytest

from tests.mailings.conftest import make_alert


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
