"""What every kind of participation shares (``outcry.actions.participation``): where the
participant came from (``?source=``), the same screening of blocked sources, and one
consent value recorded with the words shown."""

import re

from django.test import RequestFactory

from outcry.actions import services
from outcry.actions.models import Call, CallAction, FlagReason, Letter, ParticipationState
from outcry.core.http import client_ip_hash
from outcry.supporters.models import ConsentRecord
from tests.actions_outreach.conftest import letter_data
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory


def report(**overrides) -> dict[str, str]:
    return {
        "first_name": "Ada",
        "last_name": "Caller",
        "email": "ada@example.org",
        "country": "FR",
        "outcome": "voicemail",
        **overrides,
    }


def hidden_source(page: str) -> str:
    found = re.search(r'<input type="hidden" name="source" value="([^"]*)"', page)
    assert found, "the form carries no source"
    return found[1]


def test_letter_from_a_mailing_link_records_its_source(client):
    action = LetterActionFactory()
    page = client.get(f"/en/letters/{action.slug}/?source=mailing:12").content.decode()
    source = hidden_source(page)
    assert source == "mailing:12"
    client.post(f"/en/letters/{action.slug}/", letter_data(source=source))
    assert Letter.objects.get().source == "mailing:12"


def test_call_from_a_mailing_link_records_its_source(client):
    action = CallActionFactory()
    page = client.get(f"/en/calls/{action.slug}/?source=mailing:7").content.decode()
    source = hidden_source(page)
    assert source == "mailing:7"
    client.post(f"/en/calls/{action.slug}/", report(source=source))
    assert Call.objects.get().source == "mailing:7"


def test_an_invalid_source_is_not_stored_on_letters_nor_calls(client):
    """A malformed source never stops anyone taking part, and is not kept."""
    letter_action, call_action = LetterActionFactory(), CallActionFactory()
    page = client.get(f"/en/letters/{letter_action.slug}/?source=<script>").content.decode()
    assert 'name="source"' in page and "&lt;script" not in page
    response = client.post(
        f"/en/letters/{letter_action.slug}/", letter_data(source="Not a source!")
    )
    assert response.status_code == 302
    assert client.post(f"/en/calls/{call_action.slug}/", report(source="x" * 60)).status_code == 302
    assert Letter.objects.get().source == ""
    assert Call.objects.get().source == ""


def test_a_call_from_a_blocked_address_is_flagged_and_not_counted(client, tasks, moderator):
    """Calls are screened like signatures: a report from a staff-blocked address gets the
    usual page but is flagged, emailed nothing and never counted."""
    action = CallActionFactory()
    services.blocked_source_add(
        kind="ip_hash",
        value=client_ip_hash(RequestFactory().get("/", REMOTE_ADDR="198.51.100.9")),
        reason="a flood",
        actor=moderator,
    )
    response = client.post(
        f"/en/calls/{action.slug}/",
        report(named_to_target="on"),
        REMOTE_ADDR="198.51.100.9",
    )
    assert response.status_code == 302
    tasks.run(include_deferred=True)
    call = Call.objects.get()
    assert (call.state, call.flag_reason) == (ParticipationState.FLAGGED, FlagReason.BLOCKED_IP)
    assert call.confirmation_sent_at is None
    assert CallAction.objects.get(pk=action.pk).count == 0


def test_reply_to_on_a_printed_letter_shares_nothing(client):
    """The Reply-To box means something only on a letter the official receives by email:
    ticked on a printed letter, nothing is shared and no consent is recorded for it, while
    "keep me informed" is recorded, as every answer is, with the words shown."""
    action = LetterActionFactory()
    response = client.post(f"/en/letters/{action.slug}/", letter_data(route="print", reply_to="on"))
    assert response["Content-Type"] == "application/pdf"
    assert Letter.objects.get().reply_to is False
    [record] = ConsentRecord.objects.all()
    assert (record.purpose, record.given) == (ConsentRecord.Purpose.KEEP_INFORMED, False)
    assert "Keep me informed" in record.wording
