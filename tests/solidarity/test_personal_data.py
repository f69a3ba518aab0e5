"""Messages are a supporter's personal data: exported with them, erased with them (the
public display copy too), and a pack not yet handed over that prints them goes."""

import pytest

from outcry.actions.models import ParticipationState
from outcry.solidarity import packs, services
from outcry.solidarity.models import SolidarityMessage, SolidarityPack
from outcry.supporters.services import supporter_erase, supporter_export
from tests.solidarity.conftest import write_and_confirm

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def approved(client, smtp_server, tasks, action, moderator):
    write_and_confirm(client, smtp_server, tasks, action)
    message = SolidarityMessage.objects.get()
    services.messages_approve(messages=[message], actor=moderator)
    message.refresh_from_db()
    assert message.shown_text
    return message


def test_pack_erasure_discards_a_pack_that_prints_the_writer(approved, tasks, campaigner):
    """The packs' own eraser (registered with the personal-data registry)."""
    pack = packs.pack_request(action=approved.action, language="en", actor=campaigner)
    tasks.run()
    pack.refresh_from_db()
    assert pack.status == SolidarityPack.Status.READY
    path = pack.pdf.path
    packs.packs_erase_supporter(approved.supporter)
    pack.refresh_from_db()
    assert pack.status == SolidarityPack.Status.DISCARDED
    assert not pack.pdf
    import os

    assert not os.path.exists(path)


def test_erasure_removes_the_message_words_and_its_public_copy(
    approved,
):
    """Passes once erasure asks the registry (``erase_values``): the sealed words, the
    display copy and the address hash go; the country and the count stay."""
    supporter_erase(supporter=approved.supporter)
    approved.refresh_from_db()
    assert approved.personal_data == ""
    assert approved.shown_name == approved.shown_text == ""
    assert not approved.email_hash.startswith(approved.supporter.email_hash or "x")
    assert approved.state == ParticipationState.VALIDATED
    assert approved.country.code == "CA"


def test_export_includes_the_message(approved):
    """Passes once the export asks the registry (``export_fields``)."""
    exported = repr(supporter_export(supporter=approved.supporter))
    assert "Elena, we stand with you. Your courage gives us strength." in exported
    assert "message_language" in exported
