"""The subscribe box and the privacy page in French (the app's catalogue itself is
checked, with every other, in tests/test_i18n.py)."""


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
