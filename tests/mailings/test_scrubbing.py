"""No address in logs or columns: mail servers and email services quote the recipient's
address in their refusals; what Outcry logs and stores of them has it scrubbed."""

import logging

import pytest

from outcry.core.mail import scrub_addresses
from outcry.mailings import sending, services
from outcry.mailings.models import MailingRecipient
from outcry.supporters.models import Supporter
from tests.mailings.conftest import make_alert, make_supporters


@pytest.mark.parametrize(
    ("reply", "scrubbed"),
    [
        (
            "550 5.1.1 <ivan.petrov+news@mail.example.ru>: Recipient address rejected",
            "550 5.1.1 <[address]>: Recipient address rejected",
        ),
        (
            "{'ivan@example.ru': (550, b'5.1.1 No such user')}",
            "{'[address]': (550, b'5.1.1 No such user')}",
        ),
        ("user Иван@пример.рф unknown", "user [address] unknown"),
        (
            "ivan@example.ru (mailbox full), see postmaster@example.ru",
            "[address] (mailbox full), see [address]",
        ),
    ],
)
def test_scrubbed_text_keeps_the_reply_but_no_address(reply, scrubbed):
    """Every address in a server's reply is replaced; the code and words stay."""
    assert scrub_addresses(reply) == scrubbed


@pytest.mark.django_db(transaction=True)
def test_refusals_quoting_the_address_are_stored_and_logged_without_it(
    smtp_server, mailing_settings, caplog
):
    """A 5xx and a 4xx that quote the recipient: the recipient rows, the supporter's
    "why undeliverable" and the logs keep the reply, not the address."""
    people = make_supporters(3)
    bounced, deferred = people[0], people[1]
    smtp_server.handler.refuse[bounced[1]] = f"550 5.1.1 <{bounced[1]}>: Recipient address rejected"
    smtp_server.handler.refuse[deferred[1]] = f"451 4.7.1 <{deferred[1]}>: Greylisted, try later"
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)

    with caplog.at_level(logging.DEBUG, logger="outcry"):
        report = sending.mailing_send_due(mailing_id=mailing.pk)

    assert report.bounced == 1 and report.retrying == 1 and report.sent == 1
    rows = {r.supporter_id: r for r in MailingRecipient.objects.filter(mailing=mailing)}
    assert rows[bounced[0].pk].error.startswith("550 5.1.1 <[address]>")
    assert rows[deferred[0].pk].error.startswith("451 4.7.1 <[address]>")
    reason = Supporter.objects.get(pk=bounced[0].pk).undeliverable_reason
    assert reason.startswith("bounce: 550") and "@" not in reason
    assert not [r for r in caplog.records if r.name.startswith("outcry") and "@" in r.getMessage()]


@pytest.mark.django_db(transaction=True)
def test_a_confirmation_refused_with_the_address_is_logged_without_it(smtp_server, caplog, tasks):
    """Transactional mail goes through core.mail.send_once: its log lines name the row,
    and the server's reply without the address."""
    from outcry.subscriptions import services as subscriptions
    from tests.factories import CaseFactory

    address = "ivan.petrov@example.ru"
    smtp_server.handler.refuse[address] = f"550 5.1.1 <{address}>: no such user"
    subscriptions.subscription_request(
        email=address,
        first_name="Ivan",
        language="en",
        scope=subscriptions.Scope.for_case(CaseFactory()),
        consent=subscriptions.ConsentText(wording="Email me", version="v1"),
        source_url="https://outcry.example/",
        ip_hash="",
    )

    with caplog.at_level(logging.INFO, logger="outcry"):
        tasks.run()

    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("outcry"))
    assert "refused permanently" in ours and "5.1.1 <[address]>" in ours
    assert "@" not in ours


@pytest.mark.django_db
def test_a_bounce_reported_by_an_email_service_is_stored_without_the_address():
    """An email service's bounce description often quotes the address: the supporter's
    "why undeliverable" and the recipient row keep the rest."""
    (supporter, address), _other = make_supporters(2)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    MailingRecipient.objects.filter(supporter=supporter).update(message_id="<m1@outcry.example>")

    services.delivery_problem_apply(
        kind="bounce",
        email=address,
        message_id="<m1@outcry.example>",
        detail=f"postmark bounced HardBounce The address {address} does not exist",
    )

    reason = Supporter.objects.get(pk=supporter.pk).undeliverable_reason
    assert "HardBounce" in reason and address not in reason and "@" not in reason
    error = MailingRecipient.objects.get(supporter=supporter).error
    assert "HardBounce" in error and "@" not in error
