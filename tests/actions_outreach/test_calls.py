"""Call actions: the number as a tel: link, the office's hours in its time zone with the
time there now, and the "I called" form, counted once per person."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from outcry.actions.models import Call, CallAction
from tests.actions_outreach.conftest import page_text
from tests.actions_outreach.factories import CallActionFactory, office_with_email


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
