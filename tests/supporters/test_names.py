"""A name typed by whoever first used an address never sticks: each participation keeps the
name given with it, and the supporter's record changes only through a confirmed action."""

import pytest

from outcry.actions.selectors import delivery_rows
from outcry.core.crypto import email_hash, unseal
from outcry.supporters.models import Supporter
from tests.conftest import sign_data
from tests.factories import PetitionFactory
from tests.subscriptions.conftest import subscribe_data
from tests.test_privacy import confirm_link

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = "owner@example.org"


def record_name() -> tuple[str, str]:
    person = unseal(Supporter.objects.get(email_hash=email_hash(OWNER)).personal_data)
    return person.get("first_name", ""), person.get("last_name", "")


def sign(client, petition, **overrides):
    response = client.post(petition.get_absolute_url(), sign_data(email=OWNER, **overrides))
    assert response.status_code == 302


def test_a_planted_name_never_reaches_the_package_or_the_greeting(client, smtp_server, tasks):
    """Someone subscribes the owner's address as "Planted Name". The owner then signs as
    "Real Owner", asking to be named: their confirmation email greets "Real", the package
    names "Real Owner", and once confirmed their record carries their own name. A later
    unconfirmed signature under another name changes nothing."""
    client.post("/en/subscribe/countries/ru/", subscribe_data(email=OWNER, first_name="Planted"))
    tasks.run()
    assert record_name() == ("Planted", "")
    smtp_server.handler.messages.clear()

    petition = PetitionFactory()
    sign(client, petition, first_name="Real", last_name="Owner", named_to_target="on")
    tasks.run()
    [confirmation] = smtp_server.messages_to(OWNER)
    text = confirmation.get_body(("plain",)).get_content()
    assert text.startswith("Dear Real,") and "Planted" not in text
    assert record_name() == ("Planted", "")  # not yet proven: nothing renamed

    client.get(confirm_link(confirmation))  # a mail scanner renames nobody
    tasks.run(include_deferred=True)
    assert record_name() == ("Planted", "")
    assert client.post(confirm_link(confirmation)).status_code == 200
    tasks.run(include_deferred=True)
    assert [row.name for row in delivery_rows(action=petition)] == ["Real Owner"]
    assert record_name() == ("Real", "Owner")

    other = PetitionFactory()
    sign(client, other, first_name="Evil", last_name="Twin", named_to_target="on")
    tasks.run()
    assert record_name() == ("Real", "Owner")
