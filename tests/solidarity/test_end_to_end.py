"""A message of solidarity from the form to the hands of Elena Milashina's family: written,
confirmed, moderated, counted, shown with a first name and country only, printed one per
card grouped by language, and recorded as handed over."""

import io
import os

import pytest
from pypdf import PdfReader

from outcry.actions.counting import action_count
from outcry.actions.models import ParticipationState
from outcry.actions.registry import Addressee, action_type, type_of
from outcry.core.models import AuditEvent
from outcry.solidarity import services
from outcry.solidarity.models import Moderation, SolidarityMessage, SolidarityPack
from tests import actors
from tests.solidarity.conftest import message_data, write_and_confirm

pytestmark = pytest.mark.django_db(transaction=True)

MESSAGES = "/admin/solidarity/solidaritymessage/"
ACTIONS = "/admin/solidarity/solidarityaction/"


def bulk(client, changelist: str, action: str, rows) -> None:
    response = client.post(
        changelist, {"action": action, "_selected_action": [str(row.pk) for row in rows]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]


def test_solidarity_is_a_registered_kind_addressed_to_the_person(action):
    """One registration says what the generic code needs: the person, never an office."""
    kind = action_type("solidarity")
    assert type_of(action) is kind
    assert kind.addressee == Addressee.PERSON
    assert not kind.deliverable
    assert kind.invitation(action) == "Send a message of solidarity to Elena Milashina"
    assert kind.counted_text(action, 3412) == "3,412 messages of solidarity"
    assert kind.counted_text(action, 1) == "1 message of solidarity"
    assert not hasattr(action, "office")


def test_message_is_written_confirmed_moderated_counted_shown_packed_and_handed_over(
    client, smtp_server, tasks, action, moderator, campaigner
):
    """The whole path, through the pages and the admin as people use them."""
    write_and_confirm(client, smtp_server, tasks, action)
    message = SolidarityMessage.objects.get()
    # Confirmed, but held: nothing counts or shows before a moderator reads it.
    assert message.confirmed_at is not None
    assert message.state == ParticipationState.PENDING
    assert message.moderation == Moderation.HELD
    assert message.shown_text == ""
    assert "Your courage" not in message.personal_data  # sealed
    assert action_count(kind="solidarity", action_id=action.pk) == 0

    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", [message])
    message.refresh_from_db()
    assert message.state == ParticipationState.VALIDATED
    assert message.moderation == Moderation.APPROVED
    assert action_count(kind="solidarity", action_id=action.pk) == 1
    action.refresh_from_db()
    assert action.count == 1
    assert AuditEvent.objects.filter(
        event="solidarity.solidaritymessage.approved",
        object_type="solidarity.solidaritymessage",
        actor=moderator,
        object_id=str(message.pk),
    ).exists()

    client.logout()
    page = client.get(f"/en/solidarity/{action.slug}/").content.decode()
    assert "Your courage gives us strength." in page
    assert "— Alice, Canada" in page
    assert "1 message of solidarity" in page
    assert "alice.smith" not in page
    assert "Smith" not in page  # the address's local part holds a surname: never shown

    # Two more approved messages, in French and Russian, for the pack.
    write_and_confirm(
        client,
        smtp_server,
        tasks,
        action,
        email="bernard@example.org",
        first_name="Bernard",
        country="FR",
        message_language="fr",
        message="Elena, nous sommes avec vous.",
    )
    write_and_confirm(
        client,
        smtp_server,
        tasks,
        action,
        email="olga@example.org",
        first_name="Ольга",
        country="DE",
        message_language="ru",
        message="Елена, мы с вами!",
    )
    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", SolidarityMessage.objects.all())
    assert action_count(kind="solidarity", action_id=action.pk) == 3

    actors.logged_in(client, campaigner)
    bulk(client, ACTIONS, "make_pack", [action])
    tasks.run()
    pack = SolidarityPack.objects.get()
    assert pack.status == SolidarityPack.Status.READY, pack.error
    assert pack.message_count == 3
    assert os.stat(pack.pdf.path).st_mode & 0o777 == 0o600
    download = client.get(f"/admin/solidarity/solidaritypack/{pack.pk}/download/")
    assert download.status_code == 200
    pdf = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    cover, *cards = [page.extract_text() for page in pdf.pages]
    assert "Elena Milashina" in cover
    # One message per card, a language's messages together (by the language's name).
    assert len(cards) == 3
    assert "English" in cards[0] and "Your courage" in cards[0] and "Alice, Canada" in cards[0]
    assert "French" in cards[1] and "nous sommes avec vous" in cards[1]
    assert "Bernard, France" in cards[1]
    assert "Russian" in cards[2] and "мы с вами" in cards[2] and "Ольга, Germany" in cards[2]
    assert all("@" not in card for card in cards)
    assert AuditEvent.objects.filter(
        event="solidarity.solidaritypack.downloaded", object_id=str(pack.pk), actor=campaigner
    ).exists()

    response = client.post(
        f"/admin/solidarity/solidaritypack/{pack.pk}/change/",
        {
            "handed_over_to": "family",
            "handed_over_on": "2026-12-10",
            "handover_note": "Given to her sister in Moscow",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pack.refresh_from_db()
    assert pack.handed_over_to == "family"
    assert str(pack.handed_over_on) == "2026-12-10"
    assert pack.handed_over_by == campaigner
    assert AuditEvent.objects.filter(
        event="solidarity.solidaritypack.handed_over",
        object_type="solidarity.solidaritypack",
        object_id=str(pack.pk),
        actor=campaigner,
        extra__to="family",
    ).exists()


def test_a_pack_cannot_be_recorded_as_handed_over_to_an_official(client, campaigner, action):
    """The only choices are the person, their family and their lawyer."""
    from django.utils import timezone

    from outcry.solidarity import packs

    pack = SolidarityPack.objects.create(action=action, language="en", status="ready")
    with pytest.raises(Exception, match="person, their family or their lawyer"):
        packs.pack_record_handover(
            pack=pack, to="official", on=timezone.localdate(), actor=campaigner
        )
    pack.refresh_from_db()
    assert pack.handed_over_to == ""


def test_rejected_message_is_not_counted_nor_shown(client, smtp_server, tasks, action, moderator):
    """A rejected message is invalidated: it never counts, and an approved one rejected
    later leaves the count and the page."""
    write_and_confirm(client, smtp_server, tasks, action)
    message = SolidarityMessage.objects.get()
    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", [message])
    assert action_count(kind="solidarity", action_id=action.pk) == 1
    bulk(client, MESSAGES, "reject", [message])
    message.refresh_from_db()
    assert message.state == ParticipationState.INVALIDATED
    assert message.shown_text == message.shown_name == ""
    assert action_count(kind="solidarity", action_id=action.pk) == 0
    assert "Your courage" not in client.get(f"/en/solidarity/{action.slug}/").content.decode()
    assert AuditEvent.objects.filter(
        event="solidarity.solidaritymessage.rejected", object_type="solidarity.solidaritymessage"
    ).exists()


def test_unconfirmed_message_is_not_approved(client, smtp_server, tasks, action, moderator):
    """Nothing counts without the address's owner: approving waits for the confirmation."""
    client.post(f"/en/solidarity/{action.slug}/", message_data())
    message = SolidarityMessage.objects.get()
    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", [message])
    message.refresh_from_db()
    assert message.moderation == Moderation.HELD
    assert message.state == ParticipationState.PENDING
    assert action_count(kind="solidarity", action_id=action.pk) == 0


def test_moderating_needs_the_permission(client, smtp_server, tasks, action, campaigner):
    """Someone without ``moderate_solidarity_message`` cannot approve."""
    write_and_confirm(client, smtp_server, tasks, action)
    message = SolidarityMessage.objects.get()
    actors.logged_in(client, campaigner)
    client.post(MESSAGES, {"action": "approve", "_selected_action": [str(message.pk)]})
    message.refresh_from_db()
    assert message.moderation == Moderation.HELD


def test_approved_messages_are_not_shown_when_staff_do_not_choose_to(
    client, smtp_server, tasks, action, moderator
):
    """Without "show on the case page" no display copy exists; switching it on in the
    admin writes them, switching it off removes them."""
    action.show_on_case_page = False
    action.save()
    write_and_confirm(client, smtp_server, tasks, action)
    message = SolidarityMessage.objects.get()
    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", [message])
    message.refresh_from_db()
    assert message.shown_text == ""
    assert "Your courage" not in client.get(f"/en/solidarity/{action.slug}/").content.decode()

    from outcry.solidarity.services import action_display_sync

    action.show_on_case_page = True
    action.save()
    assert action_display_sync(action=action, actor=moderator) == 1
    message.refresh_from_db()
    assert (message.shown_name, message.shown_text) == (
        "Alice",
        "Elena, we stand with you. Your courage gives us strength.",
    )
    action.show_on_case_page = False
    action.save()
    action_display_sync(action=action, actor=moderator)
    message.refresh_from_db()
    assert message.shown_text == ""


def test_case_page_invites_and_shows_approved_messages(
    client, smtp_server, tasks, action, moderator
):
    """The case page asks the registry for its actions: the invitation links to the
    action's page, the kind's case-page template shows the count and the approved
    messages, first name and country only."""
    write_and_confirm(client, smtp_server, tasks, action)
    actors.logged_in(client, moderator)
    bulk(client, MESSAGES, "approve", SolidarityMessage.objects.all())
    client.logout()
    page = client.get(f"/en/cases/{action.case.slug}/").content.decode()
    assert "Send a message of solidarity to Elena Milashina" in page
    assert f'href="/en/solidarity/{action.slug}/"' in page
    assert page.count("Send a message of solidarity to Elena Milashina") == 1
    assert "Your courage gives us strength." in page
    assert "— Alice, Canada" in page
    assert "alice.smith" not in page


def test_keep_informed_becomes_a_subscription_to_the_case_once_confirmed(
    client, smtp_server, tasks, action
):
    """As for signatures: the emailed link proves the address, and the case is followed."""
    from outcry.subscriptions.models import Subscription

    write_and_confirm(client, smtp_server, tasks, action, keep_informed="on")
    subscription = Subscription.objects.get()
    assert subscription.case == action.case
    assert subscription.supporter == SolidarityMessage.objects.get().supporter


def test_case_page_card_shows_the_count_and_approved_messages_only(
    client, smtp_server, tasks, action, moderator
):
    """What the registry's ``case_page_template`` gives the case page's card (under the
    invitation, which the page itself shows): the count, and approved messages with a
    first name and a country, nothing else."""
    from django.template.loader import render_to_string

    write_and_confirm(client, smtp_server, tasks, action)
    write_and_confirm(
        client, smtp_server, tasks, action, email="held@example.org", message="Still held."
    )
    held = SolidarityMessage.objects.latest("pk")
    services.messages_approve(
        messages=SolidarityMessage.objects.exclude(pk=held.pk), actor=moderator
    )
    action.refresh_from_db()
    html = render_to_string(action_type("solidarity").case_page_template, {"action": action})
    assert "1 message of solidarity" in html
    assert "Your courage gives us strength." in html
    assert "— Alice, Canada" in html
    assert "Still held." not in html
    assert "@" not in html
