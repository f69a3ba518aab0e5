"""The key in a view-in-browser link, and proof of it in the database.

The worker seals a value with a fresh random key (NaCl secretbox) per message and puts
that key only in the message's view-in-browser link, so the page opens only for a link
that was really sent (the token alone is not enough), and an erasure, which deletes the
ciphertext, closes it. Since that page is shown to anyone holding the link, the value
sealed holds no name any more (rows sent earlier may: the page ignores them).
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
