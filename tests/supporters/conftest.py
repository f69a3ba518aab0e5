"""Two supporters who did everything Outcry lets a person do: John and Nadia."""

from dataclasses import dataclass

import pytest

from outcry.supporters.models import Supporter
from tests.comments.factories import CommentFactory
from tests.conftest import sign_data
from tests.factories import PetitionFactory, PostFactory
from tests.subscriptions.conftest import confirm_link, subscribe_data
from tests.test_privacy import confirm_link as signature_confirm_link


@dataclass
class Person:
    email: str
    first_name: str
    last_name: str
    comment: str
    ip: str
    country: str

    @property
    def supporter(self) -> Supporter:
        from outcry.core.crypto import email_hash

        return Supporter.objects.get(email_hash=email_hash(self.email))

    def needles(self) -> list[str]:
        """Everything that would identify this person, lower case."""
        local = self.email.split("@")[0].lower()
        return [
            self.email.lower(),
            local,
            self.first_name.lower(),
            self.last_name.lower(),
            self.comment.lower(),
            self.ip,
        ]


JOHN = Person(
    email="Jqwertyx.Doevsky@Example.ORG",
    first_name="Jqwertyx",
    last_name="Doevsky",
    comment="Zorblaxian solidarity from Jqwertyx",
    ip="203.0.113.41",
    country="CA",
)
NADIA = Person(
    email="nadiaplmk@example.net",
    first_name="Nadiaplmk",
    last_name="Vrostova",
    comment="Quenthral hope from Nadia",
    ip="203.0.113.42",
    country="FR",
)


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    settings.SUBSCRIBE_RATE_BURST_PER_MINUTE = 1000
    settings.SUBSCRIBE_RATE_SUSTAINED_PER_HOUR = 1000


@pytest.fixture
def world(client, smtp_server, tasks):
    """John and Nadia each sign the same petition (John asks to be kept informed), confirm,
    subscribe to the Russian Federation and confirm, and comment with their address."""
    petition = PetitionFactory()
    post = PostFactory(commentable=True)
    for person in (JOHN, NADIA):
        response = client.post(
            petition.get_absolute_url(),
            sign_data(
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                country=person.country,
                keep_informed="on" if person is JOHN else "",
            ),
            REMOTE_ADDR=person.ip,
        )
        assert response.status_code == 302
        client.post(
            "/en/subscribe/countries/ru/",
            subscribe_data(email=person.email, first_name=person.first_name),
            REMOTE_ADDR=person.ip,
        )
        CommentFactory(
            post=post, email=person.email, author_name=person.first_name, body=person.comment
        )
    tasks.run()
    for message in smtp_server.messages:
        path = (
            confirm_link(message)
            if "/subscribe/confirm/" in message.get_body(("plain",)).get_content()
            else signature_confirm_link(message)
        )
        assert client.post(path).status_code == 200
    tasks.run(include_deferred=True)
    petition.refresh_from_db()
    assert petition.count == 2
    smtp_server.handler.messages.clear()
    return petition
