"""Letters to officials cannot be switched off by one bad reply, nor flooded: a server
refusing one message fails that letter only; edited letters wait for a moderator when
staff ask for it, and a flood of near-identical edits from new addresses is held."""

import smtplib

import pytest
from django.urls import reverse

from outcry.actions.models import Letter, ParticipationState
from outcry.core.mail import PermanentDeliveryFailure, deliver, refusal_of
from outcry.core.models import AuditEvent
from outcry.targets.models import Office
from tests import actors
from tests.actions_outreach.conftest import TARGET, page_text, plain
from tests.actions_outreach.factories import LetterActionFactory

MODEL_START = "I am concerned by the judicial harassment of Elena Milashina."


def refuse_messages_containing(smtp_server, marker: bytes, reply: str) -> None:
    """The target's server (a content filter) refuses at DATA any message with ``marker``."""
    handler = smtp_server.handler
    accept = handler.handle_DATA

    async def handle_DATA(server, session, envelope):
        if marker in envelope.content:
            return reply
        return await accept(server, session, envelope)

    handler.handle_DATA = handle_DATA


def edited(words: str) -> str:
    return f"{MODEL_START}\n\n{words}\n\n1. Drop the charges."


def test_content_filter_refusing_one_letter_fails_it_alone_and_the_office_stays_open(
    client, tasks, smtp_server, write
):
    """A spam filter refuses Ada's letter (554 5.7.1 at DATA): her letter is marked
    refused, with the reason and no address in it; the office's address is not marked
    bounced, and Bob's letter still goes."""
    action = LetterActionFactory()
    refuse_messages_containing(
        smtp_server, b"MEGA-DISCOUNT", f"554 5.7.1 <{TARGET}>: Message content rejected"
    )
    write(action, body=edited("MEGA-DISCOUNT on everything"))
    write(action, email="bob@example.org", first_name="Bob")
    tasks.run(include_deferred=True)
    ada, bob = Letter.objects.order_by("pk")
    assert ada.target_status == Letter.TargetStatus.REFUSED
    assert "5.7.1" in ada.target_error and "content rejected" in ada.target_error
    assert "@" not in ada.target_error
    assert bob.target_status == Letter.TargetStatus.SENT
    assert len(smtp_server.messages_to(TARGET)) == 1
    office = Office.objects.get(pk=action.office_id)
    assert office.email_bounced_at is None
    assert 'value="email"' in client.get(f"/en/letters/{action.slug}/").content.decode()


def test_unknown_mailbox_marks_the_office_with_a_reason_that_names_no_address(
    client, tasks, smtp_server, write
):
    """550 5.1.1 at RCPT is about the address: the office is marked bounced, and the reason
    staff read carries the server's words without the address."""
    action = LetterActionFactory()
    smtp_server.handler.refuse[TARGET] = f"550 5.1.1 <{TARGET}>: Recipient address rejected"
    write(action)
    tasks.run(include_deferred=True)
    office = Office.objects.get(pk=action.office_id)
    assert office.email_bounced_at is not None
    assert office.email_bounce_reason == "550 5.1.1 <address>: Recipient address rejected"
    assert Letter.objects.get().target_status == Letter.TargetStatus.BOUNCED


@pytest.mark.parametrize(
    ("reply", "stage", "about_the_address"),
    [
        ("550 5.1.1 User unknown", "rcpt", True),
        ("550 5.2.1 Mailbox disabled", "rcpt", True),
        ("550 5.1.10 Recipient domain has a null MX", "rcpt", True),
        ("550 No such user here", "rcpt", True),
        ("550 5.7.1 Message rejected as spam", "rcpt", False),
        ("554 5.7.1 Content rejected", "data", False),
        ("552 5.3.4 Message too big", "data", False),
        ("550 5.6.0 Malformed content", "data", False),
        ("554 Transaction failed: spam", "data", False),
        ("550 5.1.1 Mailbox unavailable", "data", True),
    ],
)
def test_refusals_about_the_message_are_told_from_refusals_about_the_address(
    smtp_server, reply, stage, about_the_address
):
    """The enhanced status code decides (5.1.x, 5.2.1: the address; 5.7.x, 5.6.x, 5.3.4:
    this message); without one, a refusal at RCPT is about the address, at DATA about
    the message. Told from a real SMTP conversation."""
    if stage == "rcpt":
        smtp_server.handler.refuse["them@example.net"] = reply
    else:
        refuse_messages_containing(smtp_server, b"Subject", reply)
    from django.core.mail import EmailMessage

    with pytest.raises(PermanentDeliveryFailure) as caught:
        deliver(EmailMessage(subject="Hello", body="Hi", to=["them@example.net"]))
    refusal = refusal_of(caught.value)
    assert refusal.about_the_address is about_the_address
    assert refusal.text.startswith(reply[:3])
    assert isinstance(caught.value.__cause__, smtplib.SMTPException)


def test_edited_letters_wait_for_a_moderator_when_staff_ask_for_it(
    client, tasks, smtp_server, write
):
    """With review switched on, Ada's edited letter is confirmed and counted but waits;
    Bob's unchanged model letter goes at once. Mo reads Ada's text (audited) and approves
    it: then it goes. Carl's edited letter she refuses: never sent, no longer counted."""
    action = LetterActionFactory(moderate_edited=True)
    write(action, body=edited("I taught Elena at school."))
    write(action, email="bob@example.org", first_name="Bob")
    write(action, email="carl@example.org", first_name="Carl", body=edited("Rude words."))
    tasks.run(include_deferred=True)
    [sent] = smtp_server.messages_to(TARGET)
    assert "taught" not in plain(sent)
    ada, bob, carl = Letter.objects.order_by("pk")
    assert ada.target_status == carl.target_status == Letter.TargetStatus.HELD
    assert ada.held_because == Letter.HoldReason.REVIEW
    action.refresh_from_db()
    assert action.count == 3

    mo = actors.logged_in(client, actors.moderator())
    page = client.get(reverse("admin:actions_letter_change", args=[ada.pk]))
    assert "I taught Elena at school." in page.content.decode()
    assert "Ada" not in page_text(page)
    read = AuditEvent.objects.get(event="actions.letter.viewed")
    assert (read.actor, read.object_id) == (mo, str(ada.pk))

    changelist = reverse("admin:actions_letter_changelist")
    client.post(changelist, {"action": "approve_held", "_selected_action": [ada.pk]})
    client.post(changelist, {"action": "refuse_held", "_selected_action": [carl.pk]})
    tasks.run(include_deferred=True)
    texts = [plain(m) for m in smtp_server.messages_to(TARGET)]
    assert len(texts) == 2
    assert "I taught Elena at school." in texts[1]
    assert not any("Rude words." in text for text in texts)
    carl.refresh_from_db()
    assert carl.target_status == Letter.TargetStatus.DECLINED
    assert carl.state == ParticipationState.INVALIDATED
    action.refresh_from_db()
    assert action.count == 2
    decisions = AuditEvent.objects.filter(actor=mo).exclude(pk=read.pk)
    assert sorted(decisions.values_list("event", flat=True)) == [
        "actions.letter.approved",
        "actions.letter.rejected",
    ]


def test_campaigners_cannot_approve_held_letters(client, tasks, smtp_server, write):
    """Reading what supporters wrote is not a campaigner's job: the approve action is not
    theirs, and a crafted request changes nothing."""
    action = LetterActionFactory(moderate_edited=True)
    write(action, body=edited("My own words."))
    actors.logged_in(client, actors.campaigner())
    letter = Letter.objects.get()
    response = client.post(
        reverse("admin:actions_letter_changelist"),
        {"action": "approve_held", "_selected_action": [letter.pk]},
    )
    assert response.status_code in (302, 403)
    letter.refresh_from_db()
    assert letter.target_status == Letter.TargetStatus.HELD


def test_a_flood_of_near_identical_edits_from_new_addresses_is_held(
    client, tasks, smtp_server, write, settings
):
    """Beyond the threshold, near-identical additions to the model letter from addresses
    first seen today are held, not sent (also those still waiting their turn); a supporter
    adding their own words is not."""
    settings.LETTER_FLOOD_THRESHOLD = 2
    action = LetterActionFactory(hourly_cap=1)
    spam = [
        "Visit cheap-pills dot example for the best prices on earth today",
        "visit CHEAP-PILLS dot example, for the best prices on earth today!",
        "Visit cheap-pills dot example for the best prices on earth today.",
    ]
    for n, words in enumerate(spam):
        write(action, email=f"bot{n}@example.org", body=edited(words))
    write(action, email="eve@example.org", body=edited("I met Elena in Moscow in 2019."))
    tasks.run(include_deferred=True)
    first, second, third, own = Letter.objects.order_by("pk")
    assert first.target_status == Letter.TargetStatus.SENT  # before it looked like a flood
    assert second.target_status == third.target_status == Letter.TargetStatus.HELD
    assert second.held_because == third.held_because == Letter.HoldReason.FLOOD
    assert own.target_status == Letter.TargetStatus.QUEUED
    assert len(smtp_server.messages_to(TARGET)) == 1
