"""The subscribe box and the privacy page in French (the app's catalogue itself is
checked, with every other, in tests/test_i18n.py)."""


def test_subscribe_box_speaks_french(client, db):
    page = " ".join(client.get("/fr/countries/ru/").content.decode().split())
    assert "<h2>S'abonner : Fédération de Russie</h2>" in page
    assert "Envoyez-moi les nouvelles et les actions urgentes sur Fédération de Russie" in page
    assert "Prénom (facultatif)" in page


def test_privacy_page_explains_subscriptions_and_retention(client, db, settings):
    """The privacy page states the periods this site is configured with, in both
    languages: it says what the code keeps, for how long."""
    settings.RETENTION_DAYS_AFTER_CLOSE = 90
    settings.IP_HASH_RETENTION_DAYS = 5
    settings.DELIVERY_PACKAGE_EXPIRY_DAYS = 30
    settings.RETENTION_MAX_OPEN_DAYS = 400
    english = " ".join(client.get("/en/privacy/").content.decode().split())
    assert "erased 90 days after the action closes" in english
    assert "After 5 days the hashes are wiped and the day's key destroyed" in english
    assert "counts as closed 400 days after it opened" in english
    assert "deleted 30 days after they were delivered" in english
    assert "only if you tick the box" in english
    assert "get a copy of all we hold about you" in english
    french = " ".join(client.get("/fr/privacy/").content.decode().split())
    assert "effacés 90 jours après la clôture" in french
    assert "Après 5 jours, les empreintes sont effacées" in french
    assert "supprimés 30 jours après leur remise" in french
    assert "ne sont donnés au ou à la responsable que si vous cochez" in french
