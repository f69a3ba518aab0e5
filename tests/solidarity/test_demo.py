"""The demo shows "Send a message of solidarity to Elena Milashina", in English and French,
with moderated messages and a pack."""

import pytest
from pypdf import PdfReader

from outcry.actions.models import ParticipationState
from outcry.demo.services import demo_load
from outcry.solidarity.models import Moderation, SolidarityAction, SolidarityPack

pytestmark = pytest.mark.django_db


def test_demo_loads_the_solidarity_action_with_messages_and_a_pack(client):
    demo_load()
    demo_load()  # safe to run again: nothing doubles
    action = SolidarityAction.objects.get(slug="solidarity-elena-milashina")
    assert action.case.slug == "elena-milashina"
    messages = action.messages.all()
    approved = messages.filter(moderation=Moderation.APPROVED, state=ParticipationState.VALIDATED)
    assert approved.count() == 5
    assert len(set(approved.values_list("message_language", flat=True))) >= 4
    assert messages.filter(moderation=Moderation.HELD).count() == 1
    action.refresh_from_db()
    assert action.count == 5
    [pack] = SolidarityPack.objects.filter(action=action)
    assert pack.status == SolidarityPack.Status.READY
    assert len(PdfReader(pack.pdf.path).pages) == 1 + 5

    english = client.get(f"/en/solidarity/{action.slug}/").content.decode()
    assert "Send a message of solidarity to Elena Milashina" in english
    assert "5 messages of solidarity" in english
    assert "Liebe Elena" in english and "— Anna, Germany" in english
    assert "my whole class" not in english  # held for a moderator
    french = client.get(f"/fr/solidarity/{action.slug}/").content.decode()
    assert "Envoyez un message de solidarité à Elena Milashina" in french
    assert "5 messages de solidarité" in french
