"""Staff find a person by their address through a form posted to the server: the address
is never in a URL (browser history, proxies and server logs keep those), and each
search is audited."""

import pytest
from django.urls import reverse

from outcry.core.crypto import email_hash
from outcry.core.models import AuditEvent
from outcry.supporters.models import Suppression
from tests import actors
from tests.actors import SupporterFactory

pytestmark = pytest.mark.django_db

ADDRESS = "ivan.petrov@example.ru"


@pytest.mark.parametrize("model", ["supporter", "suppression"])
def test_lists_offer_no_search_in_the_url_only_a_posted_form(client, model):
    """The supporter and suppression lists have no ``?q=`` search box and ignore one
    typed into the address bar; their "Find by email address" form is a POST."""
    SupporterFactory(email=ADDRESS, confirmed=True)
    SupporterFactory(email="other@example.org")
    Suppression.objects.create(email_hash=email_hash(ADDRESS), reason="bounce")
    Suppression.objects.create(email_hash=email_hash("other@example.org"), reason="bounce")
    actors.logged_in(client, actors.data_protection_officer())
    changelist = reverse(f"admin:supporters_{model}_changelist")

    page = client.get(changelist).content.decode()
    assert 'name="q"' not in page
    find = reverse(f"admin:supporters_{model}_find")
    assert find in page
    form = client.get(find).content.decode()
    assert '<form method="post">' in form and 'name="email"' in form

    typed = client.get(changelist, {"q": ADDRESS})
    assert typed.context["cl"].result_count == 2  # nothing searched, nothing audited
    assert not AuditEvent.objects.exists()


def test_a_suppression_is_found_by_posting_the_address_and_the_search_is_audited(client):
    """Dana checks whether an address is on the do-not-mail list: the row is found, and
    the search is in the audit log under her name, without the address."""
    suppression = Suppression.objects.create(email_hash=email_hash(ADDRESS), reason="complaint")
    Suppression.objects.create(email_hash=email_hash("other@example.org"), reason="bounce")
    actors.logged_in(client, actors.data_protection_officer())

    response = client.post(reverse("admin:supporters_suppression_find"), {"email": ADDRESS.upper()})

    assert response.status_code == 200
    assert response.context["found"] == [suppression]
    event = AuditEvent.objects.get()
    assert event.event == "supporters.suppression.searched"
    assert event.actor_username == "dana-dpo" and event.object_type == "supporters.suppression"
    assert "ivan" not in str(event.extra).lower()


def test_an_empty_search_is_refused_with_a_message(client):
    """Posting nothing asks for the address again; nothing is searched or logged."""
    actors.logged_in(client, actors.data_protection_officer())
    response = client.post(reverse("admin:supporters_supporter_find"), {"email": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not AuditEvent.objects.exists()
