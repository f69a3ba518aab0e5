"""Development secrets, generated once into var/ so a fresh clone runs with nothing set."""

import base64
import json
import os
import secrets
from pathlib import Path

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
