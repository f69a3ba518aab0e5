"""What the view-in-browser page needs to show a person their own rendering.

The web tier holds no private key and must not be able to read supporters' names. So the
worker encrypts the merge values of each message (first and last name) with a fresh random
key (NaCl secretbox) and puts that key only in the view-in-browser link of that message.
The database keeps the ciphertext; without the link it is noise. An erasure deletes it.
"""

import base64
import hashlib
import json

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox


def _box(key: str) -> SecretBox:
    return SecretBox(hashlib.sha256(key.encode()).digest())


def seal_view_data(*, key: str, values: dict[str, str]) -> str:
    payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(_box(key).encrypt(payload)).decode()


def open_view_data(*, key: str, sealed: str) -> dict[str, str] | None:
    """The merge values, or None if the key is wrong or nothing is stored."""
    if not sealed:
        return None
    try:
        return json.loads(_box(key).decrypt(base64.b64decode(sealed)))
    except (CryptoError, ValueError):
        return None
