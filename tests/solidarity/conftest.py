"""Fixtures for messages of solidarity: Elena Milashina's case and its action, staff by
role, and helpers that write, confirm and moderate as people do."""

import re

import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from outcry.actions.models import ActionStatus
from outcry.solidarity.models import SolidarityAction
from tests.conftest import press_confirm_button
from tests.factories import CaseFactory


class SolidarityActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SolidarityAction

    slug = factory.Sequence(lambda n: f"solidarity-{n}")
    title = "Send Elena a message of solidarity"
    title_fr = "Envoyez un message de solidarité à Elena"
    recipient = "Elena Milashina"
    recipient_fr = "Elena Milachina"
    background = "Elena documents abuses in Chechnya. Tell her she is not alone."
    case = factory.SubFactory(CaseFactory, name="Elena Milashina", slug="elena-milashina")
    status = ActionStatus.OPEN
    show_on_case_page = True


@pytest.fixture
def action(db):
    return SolidarityActionFactory()


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests write several messages from one address; the rate-limit tests lower these."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 1000
    settings.COMMENT_RATE_SUSTAINED_PER_HOUR = 1000
    settings.SIGN_MAILBOX_RATE_PER_HOUR = 1000


def _staff(username: str, *perms: str):
    user = get_user_model().objects.create_user(
        username, password=f"pw-{username}-123456", is_staff=True
    )
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def moderator(db):
    """Mo moderates messages of solidarity, and nothing else."""
    return _staff(
        "mo", "solidarity.view_solidaritymessage", "solidarity.moderate_solidarity_message"
    )


@pytest.fixture
def campaigner(db):
    """Cam runs the action: edits it, makes packs, downloads them, records handovers."""
    return _staff(
        "cam",
        "solidarity.view_solidarityaction",
        "solidarity.change_solidarityaction",
        "solidarity.add_solidaritypack",
        "solidarity.view_solidaritypack",
        "solidarity.change_solidaritypack",
        "solidarity.download_solidaritypack",
    )


def message_data(**overrides) -> dict[str, str]:
    data = {
        "message": "Elena, we stand with you. Your courage gives us strength.",
        "message_language": "en",
        "first_name": "Alice",
        "country": "CA",
        "email": "alice.smith@example.org",
    }
    data.update(overrides)
    return data


def confirm_path(message) -> str:
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/solidarity/confirm/\S+/", text)
    assert link, text
    return "/" + link.group(0).split("/", 3)[3]


def write_and_confirm(client, smtp_server, tasks, action, **overrides):
    """Write a message on the page, then follow the emailed link and press its button."""
    data = message_data(**overrides)
    response = client.post(f"/en/solidarity/{action.slug}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    tasks.run()
    [email] = smtp_server.messages_to(data["email"])
    confirmed = press_confirm_button(client, confirm_path(email))
    assert confirmed.status_code == 200
    return data
