"""The address that rate limits are keyed on cannot be chosen by the client."""

import os
import subprocess
import sys

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


def start(tmp_path, **environment) -> subprocess.CompletedProcess:
    """Load the WSGI application in a fresh process, as gunicorn does, with this
    environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"CLIENT_IP_HEADER", "HTTPS", "SITE_URL", "DEBUG"}
    }
    env.update(OUTCRY_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="outcry.settings")
    env.update(environment)
    code = (
        "import outcry.wsgi; from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )


def test_over_https_the_server_refuses_to_start_until_the_client_ip_header_is_set(tmp_path):
    """Behind a TLS proxy REMOTE_ADDR is the proxy's address for everyone: with HTTPS on
    and CLIENT_IP_HEADER left unset, startup fails with a message naming the variable."""
    refused = start(tmp_path, SITE_URL="https://outcry.example")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "Set CLIENT_IP_HEADER" in refused.stderr

    behind_proxy = start(
        tmp_path, SITE_URL="https://outcry.example", CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR"
    )
    assert behind_proxy.returncode == 0, behind_proxy.stderr
    assert behind_proxy.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_forwarded_protocol_is_trusted_only_from_a_declared_proxy(tmp_path):
    """Serving HTTPS directly (CLIENT_IP_HEADER=REMOTE_ADDR), a client's X-Forwarded-Proto
    is not taken as proof that the request came over HTTPS."""
    direct = start(tmp_path, SITE_URL="https://outcry.example", CLIENT_IP_HEADER="REMOTE_ADDR")
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout.strip() == "None"


def test_plain_http_development_starts_without_the_setting(tmp_path):
    """A fresh clone (http://127.0.0.1:8000) still runs with nothing set."""
    assert start(tmp_path).returncode == 0


def test_a_worker_starts_over_https_without_the_setting(tmp_path):
    """Only the web server needs the client address: a worker's settings load regardless."""
    env = {key: value for key, value in os.environ.items() if key != "CLIENT_IP_HEADER"}
    env.update(
        OUTCRY_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="outcry.settings",
        SITE_URL="https://outcry.example",
        DEBUG="0",
    )
    worker = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
