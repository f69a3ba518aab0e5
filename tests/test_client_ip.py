"""The address that rate limits are keyed on cannot be chosen by the client."""

import pytest
from django.test import RequestFactory

from outcry.core.http import client_ip


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        # The client forged a first entry; our one proxy appended the real address.
        ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
        ("203.0.113.7", 1, "203.0.113.7"),
        # A CDN in front of our proxy: the client is two from the right.
        ("6.6.6.6, 203.0.113.7, 198.51.100.2", 2, "203.0.113.7"),
        # Fewer entries than proxies configured: the leftmost is all there is.
        ("203.0.113.7", 3, "203.0.113.7"),
    ],
)
def test_forwarded_address_is_read_from_the_right(settings, forwarded, proxies, expected):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == expected


def test_without_the_header_the_socket_address_is_used(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == "10.0.0.1"
