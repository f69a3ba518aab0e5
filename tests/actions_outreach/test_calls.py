"""Call actions: the number as a tel: link, the office's hours in its time zone with the
time there now, and the "I called" form, counted once per person."""

import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from outcry.actions.models import Call, CallAction
from outcry.actions.selectors import delivery_rows
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter
from tests.actions_outreach.conftest import page_text, plain
from tests.actions_outreach.factories import CallActionFactory, office_with_email
from tests.conftest import press_confirm_button


def report(**overrides) -> dict[str, str]:
    data = {
        "first_name": "Ada",
        "last_name": "Caller",
        "email": "ada@example.org",
        "country": "FR",
        "outcome": "voicemail",
    }
    data.update(overrides)
    return data


def test_call_page_shows_tel_link_hours_and_the_time_there(client):
    office = office_with_email(office_hours="Mon–Fri 09:00–18:00", timezone="Asia/Vladivostok")
    action = CallActionFactory(office=office)
    page = client.get(f"/en/calls/{action.slug}/").content.decode()
    assert 'href="tel:+74956442203"' in page
    assert "Mon–Fri 09:00–18:00 (Asia/Vladivostok)" in page
    shown = re.search(r"It is now (\d\d):(\d\d) there", page)
    assert shown, "the local time is not shown"
    there = datetime.now(ZoneInfo("Asia/Vladivostok"))
    minutes = int(shown[1]) * 60 + int(shown[2])
    assert abs(minutes - (there.hour * 60 + there.minute)) in (0, 1, 1439)
    assert "<strong>Elena Milashina</strong>" in page  # the script's Markdown


def test_i_called_is_counted_once_per_person(client, tasks):
    action = CallActionFactory()
    assert client.post(f"/en/calls/{action.slug}/", report()).status_code == 302
    assert client.post(f"/en/calls/{action.slug}/", report(outcome="answered")).status_code == 302
    assert (
        client.post(
            f"/en/calls/{action.slug}/", report(email="bob@example.org", outcome="refused")
        ).status_code
        == 302
    )
    tasks.run(include_deferred=True)
    assert Call.objects.count() == 2
    assert set(Call.objects.values_list("outcome", flat=True)) == {"voicemail", "refused"}
    assert CallAction.objects.get(pk=action.pk).count == 2
    page = page_text(client.get(f"/en/calls/{action.slug}/"))
    assert "2 calls made" in page
    count = client.get(f"/en/calls/{action.slug}/count.json").json()
    assert count["count"] == 2


def test_call_report_needs_an_outcome(client):
    action = CallActionFactory()
    response = client.post(f"/en/calls/{action.slug}/", report(outcome="shouted"))
    assert response.status_code == 400
    assert Call.objects.count() == 0


def test_office_without_phone_says_so(client):
    action = CallActionFactory(office=office_with_email(phone=""))
    page = client.get(f"/en/calls/{action.slug}/").content.decode()
    assert "tel:" not in page
    assert "We have no phone number for this office." in page


def call_confirm_path(message) -> str:
    link = re.search(r"https?://\S+/calls/confirm/\S+/", plain(message))
    assert link, "no confirmation link in the email"
    return urlsplit(link.group(0)).path


def named_in_package(action) -> list[str]:
    return [row.name for row in delivery_rows(action=action) if row.name]


def test_a_call_report_is_named_to_the_official_only_once_its_address_is_confirmed(
    client, tasks, smtp_server
):
    """ "I called" with "name me" is counted at once, but the caller's name goes into the
    delivery only after they follow the link sent to the address they gave: anyone can
    type someone else's address and name."""
    action = CallActionFactory()
    response = client.post(f"/en/calls/{action.slug}/", report(named_to_target="on", city="Lyon"))
    assert response.status_code == 302
    tasks.run(include_deferred=True)
    assert CallAction.objects.get(pk=action.pk).count == 1  # counted, unproven
    assert named_in_package(action) == []

    [message] = smtp_server.messages_to("ada@example.org")
    assert plain(message).startswith("Dear Ada,")
    path = call_confirm_path(message)
    client.get(path)  # a mail scanner opening the link names nobody
    client.head(path)
    tasks.run(include_deferred=True)
    assert named_in_package(action) == []
    assert press_confirm_button(client, path).status_code == 200
    tasks.run(include_deferred=True)
    assert named_in_package(action) == ["Ada Caller"]
    assert CallAction.objects.get(pk=action.pk).count == 1  # confirming counts nothing again
    assert client.post(call_confirm_path(message)).status_code == 409  # once


def test_keep_me_informed_on_a_call_takes_effect_only_on_confirmation(client, tasks, smtp_server):
    """ "Keep me informed" on a call report subscribes the caller to the case only when
    they confirm their address; until then nothing would be mailed to it."""
    action = CallActionFactory()
    client.post(f"/en/calls/{action.slug}/", report(keep_informed="on"))
    tasks.run(include_deferred=True)
    assert not Subscription.objects.exists()
    assert not Supporter.objects.filter(email_confirmed_at__isnull=False).exists()

    [message] = smtp_server.messages_to("ada@example.org")
    assert "kept informed" in plain(message)
    client.get(call_confirm_path(message))  # a mail scanner subscribes nobody
    assert not Subscription.objects.exists()
    press_confirm_button(client, call_confirm_path(message))
    subscription = Subscription.objects.get()
    assert subscription.case_id == action.case_id and subscription.is_active


def test_a_call_can_be_reported_without_an_email_and_is_counted_anonymously(
    client, tasks, smtp_server
):
    """Only a country and an outcome are needed: the call is counted, no supporter record
    or name is kept, and no email goes anywhere."""
    action = CallActionFactory()
    response = client.post(
        f"/en/calls/{action.slug}/",
        {"country": "DE", "outcome": "answered", "first_name": "Kept", "last_name": "Nowhere"},
    )
    assert response.status_code == 302
    tasks.run(include_deferred=True)
    call = Call.objects.get()
    assert call.supporter is None and call.personal_data == "" and call.email_hash == ""
    assert not Supporter.objects.exists()
    assert CallAction.objects.get(pk=action.pk).count == 1
    assert smtp_server.messages == []
    rows = list(delivery_rows(action=action))
    assert [(row.country, row.name) for row in rows] == [("DE", None)]


def test_name_me_or_keep_me_informed_without_an_email_gets_a_clear_message(client):
    """Asking to be named or kept informed needs an address to prove: the form says so,
    keeps what was typed, and saves nothing."""
    action = CallActionFactory()
    response = client.post(
        f"/en/calls/{action.slug}/",
        {"country": "DE", "outcome": "answered", "first_name": "Ada", "named_to_target": "on"},
    )
    assert response.status_code == 400
    page = page_text(response)
    assert "To be named or kept informed, give your email address" in page
    assert "To be named to the official, give your name." in page
    assert 'value="Ada"' in response.content.decode()
    assert not Call.objects.exists()
