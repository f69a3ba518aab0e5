"""Staff compose and send from the admin; a case update goes to its followers; email
services report bounces and complaints through anymail's webhooks."""

import base64
import json
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from outcry.actions.models import Signature
from outcry.cases.models import CaseUpdate
from outcry.core.models import AuditEvent
from outcry.mailings.models import Mailing, MailingRecipient
from outcry.mailings.selectors import mailing_audience
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter
from outcry.supporters.services import supporter_export
from tests import actors
from tests.factories import PetitionFactory
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db(transaction=True)


def test_campaigner_sees_the_count_then_sends_and_progress_shows(
    client, smtp_server, mailing_settings, tasks
):
    make_supporters(7)
    mailing = make_alert()
    actors.logged_in(client, actors.campaigner())

    page = client.get(reverse("admin:mailing-send", args=[mailing.pk]))
    assert "It will go to 7 people." in page.content.decode()
    response = client.post(reverse("admin:mailing-send", args=[mailing.pk]), {"when": "now"})
    assert response.status_code == 302
    tasks.run()

    assert len(smtp_server.messages) == 7
    change = client.get(reverse("admin:mailings_mailing_change", args=[mailing.pk]))
    assert "7 of 7 done" in change.content.decode()


def test_admin_reports_an_unknown_merge_field_when_saving(client, mailing_settings):
    actors.logged_in(client, actors.campaigner())
    response = client.post(
        reverse("admin:mailings_mailing_add"),
        {
            "name": "Typo",
            "default_language": "en",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-0-language": "en",
            "variants-0-subject": "Hello",
            "variants-0-body": "Dear {{ frist_name }},",
        },
    )
    assert response.status_code == 200
    assert "Unknown merge field" in response.content.decode()
    assert not Mailing.objects.exists()


def test_send_page_refuses_an_empty_segment(client, mailing_settings):
    mailing = make_alert()
    actors.logged_in(client, actors.campaigner())
    response = client.post(reverse("admin:mailing-send", args=[mailing.pk]), {"when": "now"})
    assert "reaches nobody" in response.content.decode()
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


def test_preview_as_a_supporter_is_audited_and_test_send_arrives(
    client, smtp_server, mailing_settings
):
    ((john, address),) = make_supporters(1)
    mailing = make_alert()
    dana = actors.data_protection_officer()
    dana.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_mailing", "send_mailing"])
    )
    actors.logged_in(client, dana)
    response = client.post(
        reverse("admin:mailing-preview", args=[mailing.pk]),
        {"language": "en", "supporter_email": address, "test_to": "desk@outcry.example"},
    )
    assert response.status_code == 200
    assert "Dear First0," in response.content.decode()
    assert AuditEvent.objects.filter(
        event="mailings.mailing.previewed", object_id=str(john.pk)
    ).exists()
    (test,) = smtp_server.messages_to("desk@outcry.example")
    assert test["Subject"].startswith("[TEST]")


def test_campaigner_cannot_preview_as_a_real_supporter(client, mailing_settings):
    ((_john, address),) = make_supporters(1)
    mailing = make_alert()
    actors.logged_in(client, actors.campaigner())
    response = client.post(
        reverse("admin:mailing-preview", args=[mailing.pk]),
        {"language": "en", "supporter_email": address},
    )
    assert "First0" not in response.content.decode()
    assert not AuditEvent.objects.filter(event="mailings.mailing.previewed").exists()


def test_case_update_goes_to_subscribers_and_opted_in_signers_only(client, mailing_settings):
    petition = PetitionFactory()
    case = petition.case
    subscriber, informed, silent, other = (s for s, _ in make_supporters(4, subscribe=None))
    Subscription.objects.create(
        supporter=subscriber,
        kind=Subscription.Kind.CASE,
        case=case,
        language="en",
        confirmed_at=subscriber.email_confirmed_at,
    )
    for supporter, keep in [(informed, True), (silent, False)]:
        Signature.objects.create(
            petition=petition,
            supporter=supporter,
            email_hash=supporter.email_hash,
            country="RU",
            language="en",
            keep_informed=keep,
            state=Signature.State.VALIDATED,
        )
    CaseUpdate.objects.create(case=case, date="2026-11-20", title="Released on bail", body="Good.")
    actors.logged_in(client, actors.campaigner())

    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert reverse("admin:mailing-from-case", args=[case.pk]) in page.content.decode()
    response = client.post(reverse("admin:mailing-from-case", args=[case.pk]))

    mailing = Mailing.objects.get()
    assert response.url == reverse("admin:mailings_mailing_change", args=[mailing.pk])
    assert "Released on bail" in mailing.variants.get(language="en").subject
    assert set(mailing_audience(mailing=mailing)) == {subscriber, informed}


def test_bounce_and_complaint_webhooks_stop_all_mail(
    client, smtp_server, mailing_settings, settings
):
    from outcry.mailings import sending, services

    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret-words"}
    people = make_supporters(3)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)
    auth = "Basic " + base64.b64encode(b"hook:secret-words").decode()
    events = [
        {"RecordType": "Bounce", "Type": "HardBounce", "Email": people[0][1], "ID": 1},
        {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "Email": people[1][1], "ID": 2},
        {"RecordType": "Delivery", "Recipient": people[2][1]},
    ]

    for event in events:
        response = client.post(
            "/anymail/postmark/tracking/",
            data=json.dumps(event),
            content_type="application/json",
            HTTP_AUTHORIZATION=auth,
        )
        assert response.status_code == 200
    bounced, complained, fine = (Supporter.objects.get(pk=p[0].pk) for p in people)
    assert bounced.undeliverable_at and complained.undeliverable_at
    assert complained.unsubscribed_at is not None
    assert fine.undeliverable_at is None
    assert MailingRecipient.objects.get(supporter=bounced).status == "sent"  # no message id


def test_webhook_without_the_secret_is_refused(client, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret-words"}
    response = client.post(
        "/anymail/postmark/tracking/", data="[]", content_type="application/json"
    )
    assert response.status_code in (400, 401, 403)


def test_export_lists_mailings_received_and_erasure_removes_view_data(
    smtp_server, mailing_settings
):
    from outcry.mailings import sending, services
    from outcry.supporters.services import supporter_erase

    (john, _address), (marie, _m) = make_supporters(2)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)

    exported = supporter_export(supporter=john)
    assert exported["mailings"] == [
        {
            "mailing": "Elena alert",
            "language": "en",
            "sent_under_consent": "country:RU",
            "status": "sent",
            "sent_at": exported["mailings"][0]["sent_at"],
            "unsubscribed_through_it": False,
        }
    ]
    supporter_erase(supporter=john)
    assert MailingRecipient.objects.get(supporter=john).view_data == ""
    assert MailingRecipient.objects.get(supporter=john).basis == ""
    assert MailingRecipient.objects.get(supporter=marie).view_data != ""


def test_webhooks_do_not_exist_without_a_secret(client, settings, mailing_settings):
    """Anymail would accept unauthenticated events (with a warning): not here."""
    ((supporter, address),) = make_supporters(1)
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    event = {"RecordType": "Bounce", "Type": "HardBounce", "Email": address, "ID": 1}
    response = client.post(
        "/anymail/postmark/tracking/", data=json.dumps(event), content_type="application/json"
    )
    assert response.status_code == 404
    assert Supporter.objects.get(pk=supporter.pk).undeliverable_at is None


def test_admin_pages_render_for_a_campaigner(client, mailing_settings):
    make_supporters(2)
    mailing = make_alert()
    actors.logged_in(client, actors.campaigner())
    for url in [
        reverse("admin:mailings_segment_add"),
        reverse("admin:mailings_segment_change", args=[mailing.segment.pk]),
        reverse("admin:mailings_mailing_add"),
        reverse("admin:mailings_mailing_changelist"),
        reverse("admin:mailings_mailing_change", args=[mailing.pk]),
        reverse("admin:mailing-preview", args=[mailing.pk]),
    ]:
        assert client.get(url).status_code == 200, url
    segment_page = client.get(reverse("admin:mailings_segment_change", args=[mailing.segment.pk]))
    assert "2 people whose consent covers it" in segment_page.content.decode()


def test_mailto_unsubscribe_through_an_inbound_webhook(
    client, smtp_server, mailing_settings, settings
):
    from outcry.mailings import sending, services

    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:secret-words"}
    people = make_supporters(2)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)
    (message,) = smtp_server.messages_to(people[0][1])
    mailto = message["List-Unsubscribe"].split(",")[1].strip(" <>")
    address, _, query = mailto.removeprefix("mailto:").partition("?subject=")
    raw = f"From: {people[0][1]}\r\nTo: {address}\r\nSubject: {unquote(query)}\r\n\r\n\r\n"
    auth = "Basic " + base64.b64encode(b"hook:secret-words").decode()

    response = client.post(
        "/anymail/postmark/inbound/",
        data=json.dumps({"RawEmail": raw, "Headers": []}),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )

    assert response.status_code == 200
    assert Supporter.objects.get(pk=people[0][0].pk).unsubscribed_at is not None
    assert Supporter.objects.get(pk=people[1][0].pk).unsubscribed_at is None


def test_a_preview_that_finds_no_supporter_is_audited(client, mailing_settings):
    """Looking a person up by address is audited even when nobody has it."""
    mailing = make_alert()
    dana = actors.data_protection_officer()
    dana.user_permissions.add(*Permission.objects.filter(codename__in=["view_mailing"]))
    actors.logged_in(client, dana)
    response = client.post(
        reverse("admin:mailing-preview", args=[mailing.pk]),
        {"language": "en", "supporter_email": "nobody@example.org"},
    )
    assert "No supporter has this address." in response.content.decode()
    row = AuditEvent.objects.get(event="mailings.mailing.previewed_unmatched")
    assert (row.actor, row.object_id, row.extra) == (dana, str(mailing.pk), {})
