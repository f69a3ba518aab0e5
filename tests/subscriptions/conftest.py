"""Helpers for subscription tests: links from the emails, a subscribe request."""

import re

import pytest


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    """Tests subscribe several times from one address; the rate-limit test lowers these."""
    settings.SUBSCRIBE_RATE_BURST_PER_MINUTE = 1000
    settings.SUBSCRIBE_RATE_SUSTAINED_PER_HOUR = 1000


def link_in(message, pattern: str) -> str:
    """The site-relative path of the first link in the plain-text part matching pattern."""
    text = message.get_body(("plain",)).get_content()
    url = re.search(rf"https?://\S+{pattern}\S*", text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def confirm_link(message) -> str:
    return link_in(message, "/subscribe/confirm/")


def subscribe_data(**overrides) -> dict[str, str]:
    data = {"email": "john@example.org", "first_name": "John", "language": "en"}
    data.update(overrides)
    return data
