"""An unpublished case is hidden from every public output; its actions are not public unless
staff let one stand without its case, and then nothing public ties the action to the case."""

import pytest
from django.db import transaction

from outcry.actions.models import Petition, Signature
from outcry.cases.services import case_unpublish
from outcry.deliveries.models import DeliveryPackage
from outcry.news.models import Post
from outcry.news.services import post_actions_set
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.services import subscription_from_confirmation
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory
from tests.conftest import sign_data
from tests.factories import CaseFactory, PetitionFactory

pytestmark = pytest.mark.django_db

HIDDEN_NAME = "Ivan Hiddenov"


@pytest.fixture
def hidden_case():
    """A case that was published (status Disappeared) and then unpublished."""
    return CaseFactory(
        name=HIDDEN_NAME, country="BY", status="disappeared", is_published=False, slug="ivan"
    )


def action_pages(action) -> list[str]:
    return [f"/{language}{action.get_absolute_url()[3:]}" for language in ("en", "fr")]


@pytest.mark.parametrize("factory", [PetitionFactory, LetterActionFactory, CallActionFactory])
def test_action_of_an_unpublished_case_is_not_found(client, hidden_case, factory):
    """The petition, letter and call pages of an unpublished case's actions answer 404,
    in both languages, and so does their count."""
    action = factory(case=hidden_case)
    for url in action_pages(action):
        response = client.get(url)
        assert response.status_code == 404
        assert HIDDEN_NAME not in response.content.decode()
    kind = {PetitionFactory: "petitions", LetterActionFactory: "letters"}.get(factory, "calls")
    count_url = f"/{kind}/{action.slug}/count.json"
    if kind != "petitions":
        count_url = "/en" + count_url
    assert client.get(count_url).status_code == 404


@pytest.mark.parametrize("factory", [PetitionFactory, LetterActionFactory, CallActionFactory])
def test_action_standing_without_its_hidden_case_never_names_it(client, hidden_case, factory):
    """An action staff keep public without its unpublished case shows no case name, status
    or link, and lists none of the case's other actions as "more ways to act"."""
    action = factory(case=hidden_case, stands_without_case=True)
    sibling = PetitionFactory(case=hidden_case, stands_without_case=True, title="Sibling")
    for url in action_pages(action):
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert action.title in page
        assert HIDDEN_NAME not in page
        assert "case-line" not in page and "/cases/ivan/" not in page
        assert "Disappeared" not in page and "Disparu" not in page
        assert sibling.get_absolute_url() not in page


def test_action_of_a_published_case_shows_its_name_and_status(client):
    """The case line stays where the case is public (what the hiding is measured against)."""
    petition = PetitionFactory(case=CaseFactory(name="Elena Public", status="detained"))
    page = client.get(petition.get_absolute_url()).content.decode()
    assert "Elena Public" in page and "Detained" in page


def test_lists_leave_out_the_actions_of_an_unpublished_case(client, hidden_case):
    """The home page, the country page, a post's "take action" box and search list no
    action of an unpublished case; one that stands without it is listed, unnamed."""
    hidden = PetitionFactory(case=hidden_case, title="Release Hiddenov now")
    standing = PetitionFactory(case=hidden_case, stands_without_case=True, title="Stand alone")
    post = Post.objects.create(slug="belarus", title="Belarus", countries=["BY"], is_published=True)
    post_actions_set(post=post, actions=[hidden, standing])
    post.cases.add(hidden_case)
    pages = {
        url: client.get(url).content.decode()
        for url in ("/en/", "/en/countries/by/", post.get_absolute_url(), "/en/search/?q=Release")
    }
    for url, page in pages.items():
        assert hidden.title not in page, url
        assert HIDDEN_NAME not in page, url
    assert standing.title in pages["/en/"]
    assert standing.title in pages["/en/countries/by/"]


def test_unpublishing_a_case_later_hides_what_was_already_public(client, administrator):
    """A case unpublished after its actions were seen: the same URLs are gone at once, though
    the pages were cached (unpublished through the service, which tells the cache)."""
    case = CaseFactory(name="Published Then Hidden")
    petition = PetitionFactory(case=case)
    assert "Published Then Hidden" in client.get(petition.get_absolute_url()).content.decode()
    case_unpublish(case=case, actor=administrator)
    assert client.get(petition.get_absolute_url()).status_code == 404
    assert client.get(case.get_absolute_url()).status_code == 404
    assert not Petition.objects.public().filter(pk=petition.pk).exists()


def test_subscription_to_an_unpublished_case_does_not_name_it(hidden_case):
    """Preference pages and emails say what a subscription is about: never a hidden case."""
    from tests.actors import SupporterFactory

    supporter = SupporterFactory()
    subscription = Subscription.objects.create(
        supporter=supporter, kind=Subscription.Kind.CASE, case=hidden_case, language="en"
    )
    assert HIDDEN_NAME not in subscription.subject
    hidden_case.is_published = True
    assert subscription.subject == HIDDEN_NAME


def test_verify_page_does_not_name_an_action_that_is_no_longer_public(client, hidden_case):
    """The delivery check confirms a package is ours without naming a hidden action."""
    petition = PetitionFactory(case=hidden_case, title=f"Free {HIDDEN_NAME}")
    DeliveryPackage.objects.create(
        action=petition,
        action_title=petition.title,
        office=petition.office,
        language="en",
        status=DeliveryPackage.Status.READY,
        pdf_sha256="c" * 64,
    )
    page = client.get("/en/deliveries/verify/", {"digest": "c" * 64}).content.decode()
    assert "This is one of our delivery packages." in page
    assert HIDDEN_NAME not in page


@pytest.mark.django_db(transaction=True)
def test_signer_of_an_action_standing_alone_is_not_told_the_hidden_case(
    client, hidden_case, smtp_server, tasks
):
    """The confirmation email to a new signer names the petition, never the hidden case;
    "keep me informed" follows the office's country rather than the hidden case."""
    petition = PetitionFactory(case=hidden_case, stands_without_case=True, title="Stand alone")
    data = sign_data(email="signer@example.org", keep_informed="on")
    assert client.post(petition.get_absolute_url(), data).status_code == 302
    tasks.run()
    [message] = smtp_server.messages_to("signer@example.org")
    assert "Stand alone" in message.as_string()
    assert HIDDEN_NAME not in message.as_string()

    # What confirming the address does for "keep me informed" (inside its transaction).
    with transaction.atomic():
        subscription_from_confirmation(Signature.objects.get(petition=petition))
    [subscription] = Subscription.objects.all()
    assert subscription.kind == Subscription.Kind.COUNTRY
    assert subscription.country == petition.office.country
