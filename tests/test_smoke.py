import re

import pytest
from django.urls import reverse

from outcry.actions.models import Petition, Signature
from tests.conftest import sign_data

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_confirm_and_count_once_through_real_smtp(client, petition, smtp_server, tasks):
    """A supporter who signs and follows the emailed link is counted exactly once."""
    response = client.post(petition.get_absolute_url(), sign_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("petition-check-email", args=[petition.slug])

    tasks.run()
    [message] = smtp_server.messages_to("john@example.org")
    link = re.search(r"https?://\S+/confirm/\S+/", message.get_body(("plain",)).get_content())
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]

    assert client.post("/" + path).status_code == 200
    assert client.post("/" + path).status_code == 409
    tasks.run(include_deferred=True)

    petition.refresh_from_db()
    assert petition.count == 1
    assert Signature.objects.get().state == Signature.State.VALIDATED
    assert Petition.objects.get().count == 1
