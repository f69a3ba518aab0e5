"""Secrets fail closed, the process tier, and the admin served only where it is enabled."""

import importlib
import os
import subprocess
import sys
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import clear_url_caches

from outcry.core.secrets import DEV_SECRET_NAMES, secrets_missing_from

# Variables a test's process must not inherit from the one running the tests.
CONTROLLED = {
    *DEV_SECRET_NAMES,
    "DEBUG",
    "OUTCRY_TIER",
    "ADMIN_ENABLED",
    "HTTPS",
    "SITE_URL",
    "ALLOWED_HOSTS",
    "CLIENT_IP_HEADER",
    "DATABASE_URL",
    "REDIS_URL",
    "TASK_BACKEND",
    # Set by the browser tests in this process; check --deploy warns of it, rightly.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
# A production environment: every secret set (placeholders: nothing here seals or signs).
PRODUCTION = {
    "DEBUG": "0",
    "HTTPS": "1",
    "SITE_URL": "https://outcry.example",
    "ALLOWED_HOSTS": "outcry.example",
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "SECRET_KEY": "test-placeholder-0123456789abcdefghijklmnopqrstuvwxyzABCDEF",
    "PERSONAL_DATA_PUBLIC_KEY": "test-placeholder",
    "PERSONAL_DATA_PRIVATE_KEYS": "test-placeholder",
    "BLIND_INDEX_KEY": "test-placeholder",
    "IP_HASH_KEY": "test-placeholder",
}
PUBLIC_TIER = {
    **PRODUCTION,
    "OUTCRY_TIER": "public",
    "PERSONAL_DATA_PRIVATE_KEYS": "",
    "ADMIN_ENABLED": "0",
}


def run(tmp_path, argv: list[str], **environment: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    env.update(OUTCRY_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="outcry.settings")
    env.update(environment)
    return subprocess.run(
        [sys.executable, *argv], env=env, capture_output=True, text=True, timeout=120
    )


def load_wsgi(tmp_path, **environment: str) -> subprocess.CompletedProcess:
    """Load the WSGI application in a fresh process, as gunicorn does."""
    code = (
        "import outcry.wsgi; from django.conf import settings; "
        "print(settings.OUTCRY_TIER, settings.ADMIN_ENABLED)"
    )
    return run(tmp_path, ["-c", code], **environment)


def outcry(tmp_path, *args: str, **environment: str) -> subprocess.CompletedProcess:
    """The ``outcry`` console script, in a fresh process."""
    return run(tmp_path, ["-c", "from outcry.manage import main; main()", *args], **environment)


@contextmanager
def admin_enabled(value: bool):
    """Settings with ADMIN_ENABLED as given, and the URLconf rebuilt from them."""

    def rebuild() -> None:
        clear_url_caches()
        importlib.reload(importlib.import_module(settings.ROOT_URLCONF))

    try:
        with override_settings(ADMIN_ENABLED=value):
            rebuild()
            yield
    finally:
        rebuild()


# Secrets


def test_a_secret_absent_or_empty_in_the_environment_would_come_from_the_generated_file():
    """Only the private keys may be set empty (the public tier holds none)."""
    environ = {name: "x" for name in DEV_SECRET_NAMES}
    assert secrets_missing_from(environ) == []
    assert secrets_missing_from({**environ, "PERSONAL_DATA_PRIVATE_KEYS": ""}) == []
    assert secrets_missing_from({**environ, "BLIND_INDEX_KEY": " "}) == ["BLIND_INDEX_KEY"]
    del environ["SECRET_KEY"]
    assert secrets_missing_from(environ) == ["SECRET_KEY"]
    assert secrets_missing_from({}) == list(DEV_SECRET_NAMES)


def test_with_debug_off_the_web_server_refuses_to_start_on_the_generated_secrets(tmp_path):
    """No secret in the environment: the error names every one of them."""
    refused = load_wsgi(tmp_path, DEBUG="0")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    for name in DEV_SECRET_NAMES:
        assert name in refused.stderr


def test_the_refusal_names_only_the_secrets_missing_from_the_environment(tmp_path):
    environment = {**PRODUCTION, "HTTPS": "0", "SITE_URL": "http://127.0.0.1:8000"}
    del environment["BLIND_INDEX_KEY"]
    refused = load_wsgi(tmp_path, **environment)
    assert refused.returncode != 0
    message = refused.stderr.strip().splitlines()[-1]
    assert "Set BLIND_INDEX_KEY in the environment" in message
    assert "SECRET_KEY" not in message


def test_with_debug_off_the_asgi_server_refuses_to_start_on_the_generated_secrets(tmp_path):
    refused = run(tmp_path, ["-c", "import outcry.asgi"], DEBUG="0")
    assert refused.returncode != 0
    assert "Set SECRET_KEY, PERSONAL_DATA_PUBLIC_KEY" in refused.stderr


def test_with_debug_off_the_worker_and_commands_refuse_the_generated_secrets(tmp_path):
    refused = outcry(tmp_path, "showmigrations", "core", DEBUG="0")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: Set SECRET_KEY" in refused.stderr
    assert "showmigrations" not in refused.stdout


def test_with_debug_on_the_generated_secrets_run_the_demo(tmp_path):
    started = load_wsgi(tmp_path, DEBUG="1")
    assert started.returncode == 0, started.stderr
    assert (tmp_path / "secrets.json").exists()
    ran = outcry(tmp_path, "showmigrations", "core", DEBUG="1")
    assert ran.returncode == 0, ran.stderr


def test_with_every_secret_in_the_environment_the_server_starts(tmp_path):
    started = load_wsgi(tmp_path, **PRODUCTION)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ["staff", "True"]


def test_check_deploy_reports_secrets_from_the_generated_file():
    with override_settings(SECRETS_FROM_DEV_FILE=["SECRET_KEY", "IP_HASH_KEY"]):
        errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "outcry.E001"]
    assert len(errors) == 1
    assert "SECRET_KEY, IP_HASH_KEY" in errors[0].msg
    with override_settings(SECRETS_FROM_DEV_FILE=[]):
        errors = [e for e in run_checks(include_deployment_checks=True) if e.id == "outcry.E001"]
    assert errors == []


def test_check_deploy_runs_without_secrets_and_reports_them(tmp_path):
    """`outcry check` is how one finds what is missing, so it is not refused itself."""
    reported = outcry(tmp_path, "check", "--deploy", DEBUG="0")
    assert reported.returncode != 0
    assert "(outcry.E001) Set SECRET_KEY" in reported.stderr


@pytest.mark.parametrize("environment", [PRODUCTION, PUBLIC_TIER], ids=["staff", "public"])
def test_check_deploy_is_clean_with_production_settings(tmp_path, environment):
    checked = outcry(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **environment)
    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout


# Tiers


def test_a_public_tier_process_refuses_to_start_with_a_private_key(tmp_path):
    refused = load_wsgi(tmp_path, **{**PUBLIC_TIER, "PERSONAL_DATA_PRIVATE_KEYS": "a-key"})
    assert refused.returncode != 0
    assert "OUTCRY_TIER=public, yet PERSONAL_DATA_PRIVATE_KEYS holds a private key" in (
        refused.stderr
    )
    worker = outcry(tmp_path, "db_worker", **{**PUBLIC_TIER, "PERSONAL_DATA_PRIVATE_KEYS": "a-key"})
    assert worker.returncode != 0
    assert "PERSONAL_DATA_PRIVATE_KEYS holds a private key" in worker.stderr


def test_the_public_tier_serves_no_admin(tmp_path):
    """Without ADMIN_ENABLED set, the public tier leaves the admin out; asked for it, it
    refuses to start."""
    environment = {**PUBLIC_TIER}
    del environment["ADMIN_ENABLED"]
    code = (
        "import outcry.wsgi; from django.urls import resolve, Resolver404\n"
        "try:\n    resolve('/admin/')\nexcept Resolver404:\n    print('no admin')"
    )
    started = run(tmp_path, ["-c", code], **environment)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "no admin"
    refused = load_wsgi(tmp_path, **{**PUBLIC_TIER, "ADMIN_ENABLED": "1"})
    assert refused.returncode != 0
    assert "OUTCRY_TIER=public, yet ADMIN_ENABLED is on" in refused.stderr


def test_an_unknown_tier_is_refused(tmp_path):
    refused = load_wsgi(tmp_path, **{**PRODUCTION, "OUTCRY_TIER": "staf"})
    assert refused.returncode != 0
    assert "OUTCRY_TIER must be 'public' or 'staff'" in refused.stderr


def test_the_staff_tier_is_the_default_and_serves_the_admin():
    assert settings.OUTCRY_TIER == "staff"
    assert settings.ADMIN_ENABLED is True


# The admin split


@pytest.mark.django_db
def test_without_admin_enabled_admin_urls_are_not_found(client):
    with admin_enabled(False):
        assert client.get("/admin/").status_code == 404
        assert client.get("/admin/login/").status_code == 404
        assert client.get("/en/admin/").status_code == 404
        # The public site is served as before.
        assert client.get("/en/").status_code == 200


@pytest.mark.django_db
def test_with_admin_enabled_the_admin_asks_for_a_login(client):
    with admin_enabled(True):
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert client.get("/admin/login/").status_code == 200
