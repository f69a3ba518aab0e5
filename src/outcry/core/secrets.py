"""Development secrets, generated once into var/ so a fresh clone runs with nothing set."""

import base64
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from nacl.public import PrivateKey


def _generate() -> dict[str, str]:
    private_key = PrivateKey.generate()
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "PERSONAL_DATA_PUBLIC_KEY": base64.b64encode(bytes(private_key.public_key)).decode(),
        "PERSONAL_DATA_PRIVATE_KEY": base64.b64encode(bytes(private_key)).decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "IP_HASH_KEY": secrets.token_urlsafe(32),
    }


def load_or_create_dev_secrets(path: Path) -> dict[str, str]:
    """Return the secrets stored at ``path``, creating the file (mode 0600) if absent."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        pass
    values = _generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when two processes start at once, the loser reads the winner's file.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return json.loads(path.read_text())
    with os.fdopen(fd, "w") as f:
        json.dump(values, f, indent=2)
    return values


# The variables whose absence makes settings.py fall back on the generated file. The
# private keys may be set empty (the public web tier holds none); the others may not.
DEV_SECRET_NAMES = (
    "SECRET_KEY",
    "PERSONAL_DATA_PUBLIC_KEY",
    "PERSONAL_DATA_PRIVATE_KEYS",
    "BLIND_INDEX_KEY",
    "IP_HASH_KEY",
)
MAY_BE_EMPTY = frozenset({"PERSONAL_DATA_PRIVATE_KEYS"})


def secrets_missing_from(environ: Mapping[str, str]) -> list[str]:
    """The secrets ``environ`` does not give, which would come from var/secrets.json."""
    return [
        name
        for name in DEV_SECRET_NAMES
        if name not in environ or (not environ[name].strip() and name not in MAY_BE_EMPTY)
    ]


def dev_secrets_environ(path: Path) -> dict[str, str]:
    """The development secrets stored at ``path`` as environment variables, for a process
    started with DEBUG off on a throwaway var/ (a benchmark, a test's subprocess)."""
    values = load_or_create_dev_secrets(path)
    return {
        "SECRET_KEY": values["SECRET_KEY"],
        "PERSONAL_DATA_PUBLIC_KEY": values["PERSONAL_DATA_PUBLIC_KEY"],
        "PERSONAL_DATA_PRIVATE_KEYS": values["PERSONAL_DATA_PRIVATE_KEY"],
        "BLIND_INDEX_KEY": values["BLIND_INDEX_KEY"],
        "IP_HASH_KEY": values.get("IP_HASH_KEY") or secrets.token_urlsafe(32),
    }


def dev_secrets_refusal(*, debug: bool, from_dev_file: list[str]) -> str:
    """Why this process must not start, or "" when it may.

    With DEBUG off the process is taken for a deployment: a secret generated into var/ would
    be lost with the disk, differ between machines (the web tier could not read what the
    worker sealed), and sit next to the database it protects.
    """
    if debug or not from_dev_file:
        return ""
    return (
        f"Set {', '.join(from_dev_file)} in the environment: DEBUG is off, and Outcry does "
        "not run a deployment on the development secrets generated into var/secrets.json "
        "(README, Configuration)."
    )


def secrets_configuration_check() -> None:
    """Refuse to start with DEBUG off while a secret comes from var/secrets.json. Called by
    wsgi.py, asgi.py and the ``outcry`` command; ``outcry check --deploy`` reports it."""
    refusal = dev_secrets_refusal(
        debug=settings.DEBUG, from_dev_file=settings.SECRETS_FROM_DEV_FILE
    )
    if refusal:
        raise ImproperlyConfigured(refusal)
