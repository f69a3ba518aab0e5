"""Fixtures for messages of solidarity: Elena Milashina's case and its action, and helpers
that write, confirm and moderate as people do. Staff are the named actors of
tests/actors.py: their roles hold the permissions this app grants."""

import re

import pytest

from tests.conftest import press_confirm_button
from tests.solidarity.factories import SolidarityActionFactory


@pytest.fixture
def action(db):
    return SolidarityActionFactory(case__slug="elena-milashina")


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests write several messages from one address; the rate-limit tests lower these."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 1000
    settings.COMMENT_RATE_SUSTAINED_PER_HOUR = 1000
    settings.SIGN_MAILBOX_RATE_PER_HOUR = 1000


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
