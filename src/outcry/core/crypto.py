"""Sealing personal data at rest, and the keyed hashes that let us find it without opening it.

Personal fields of one record are sealed together in one libsodium sealed box (one box is
~53 µs; one per field would triple the cost on the signing path). Anyone holding the public
key can seal; only holders of a private key can open. Each ciphertext starts with the id of
the key that sealed it, so keys can rotate while old records stay readable.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from datetime import date
from functools import cache

from django.conf import settings
from django.utils import timezone
from nacl.public import PrivateKey, PublicKey, SealedBox

from outcry.core.models import IpHashKey

KEY_ID_LENGTH = 8
IP_HASH_KEY_BYTES = 32
IP_HASH_LENGTH = 32
_ip_hash_keys: dict[date, bytes] = {}


class PersonalDataKeyMissing(Exception):
    """This process holds no private key able to open the data (as on the public web tier)."""


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:KEY_ID_LENGTH]


@cache
def _public_key(encoded: str) -> tuple[str, SealedBox]:
    raw = base64.b64decode(encoded)
    return key_id(raw), SealedBox(PublicKey(raw))


@cache
def _private_boxes(encoded_keys: tuple[str, ...]) -> dict[str, SealedBox]:
    boxes = {}
    for encoded in encoded_keys:
        if not encoded:
            continue
        private_key = PrivateKey(base64.b64decode(encoded))
        boxes[key_id(bytes(private_key.public_key))] = SealedBox(private_key)
    return boxes


def seal(values: dict[str, str]) -> str:
    """Seal a record's personal fields together; returns ``"<key id>:<base64 ciphertext>"``."""
    kid, box = _public_key(settings.PERSONAL_DATA_PUBLIC_KEY)
    payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{kid}:{base64.b64encode(box.encrypt(payload)).decode()}"


def can_unseal() -> bool:
    return bool(_private_boxes(tuple(settings.PERSONAL_DATA_PRIVATE_KEYS)))


def unseal(sealed: str) -> dict[str, str]:
    """Open a sealed record. Raises PersonalDataKeyMissing where this process has no key."""
    if not sealed:
        return {}
    kid, _, ciphertext = sealed.partition(":")
    box = _private_boxes(tuple(settings.PERSONAL_DATA_PRIVATE_KEYS)).get(kid)
    if box is None:
        raise PersonalDataKeyMissing(f"No private key with id {kid} is configured here.")
    return json.loads(box.decrypt(base64.b64decode(ciphertext)))


def public_key_id() -> str:
    """The id of the key ``seal`` uses now (the newest one)."""
    return _public_key(settings.PERSONAL_DATA_PUBLIC_KEY)[0]


def private_key_ids() -> frozenset[str]:
    """The ids of the keys this process can open."""
    return frozenset(_private_boxes(tuple(settings.PERSONAL_DATA_PRIVATE_KEYS)))


def sealed_key_id(sealed: str) -> str:
    """The id of the key a sealed value was sealed with ("" for no value)."""
    return sealed.partition(":")[0]


def normalise_email(email: str) -> str:
    """The canonical form used for deduplication (as alphagov/e-petitions does).

    Case and surrounding spaces never matter; for Gmail, dots in the local part and
    ``+tags`` do not either, since they all reach the same mailbox.
    """
    local, _, domain = email.strip().lower().rpartition("@")
    if domain in {"gmail.com", "googlemail.com"}:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def blind_index(value: str) -> str:
    """Keyed hash of an already-normalised value, for lookups without decrypting."""
    key = settings.BLIND_INDEX_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def email_hash(email: str) -> str:
    return blind_index(normalise_email(email))


def _ip_hash_key(day: date) -> bytes:
    """That day's random key, created on its first use. Kept in memory for the day only."""
    if day not in _ip_hash_keys:
        row, _ = IpHashKey.objects.get_or_create(
            day=day, defaults={"key": secrets.token_bytes(IP_HASH_KEY_BYTES)}
        )
        _ip_hash_keys.clear()  # only the day in use stays in a long-running process
        _ip_hash_keys[day] = bytes(row.key)
    return _ip_hash_keys[day]


def ip_hash_keys_forget() -> None:
    """Drop the keys held in this process's memory (after they were destroyed)."""
    _ip_hash_keys.clear()


def _address_networks(ip: str) -> tuple[str, str]:
    """(wider network, narrower network) an address is counted in.

    One IPv6 user usually holds a whole /64 and picks addresses in it freely, and a site
    often gets a /56: so IPv6 is counted per /64, and per /56 in the sustained window.
    An IPv4 address stands for itself in both.
    """
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip, ip
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(address), str(address)
    wide = ipaddress.IPv6Network(f"{address}/56", strict=False)
    narrow = ipaddress.IPv6Network(f"{address}/64", strict=False)
    return str(wide), str(narrow)


def ip_hash(ip: str, *, day: date | None = None) -> str:
    """Keyed hash of an IP address under that day's random key (32 hex characters).

    The first half hashes the wider network (IPv6 /56), the second the narrower one (/64):
    rate limits count the whole hash in short windows and the first half
    (``core.ratelimit.sustained_bucket``) in long ones. Once the day's key is destroyed,
    nobody can tell which address a hash came from, even with a copy of the database.
    """
    day = day or timezone.now().date()
    key = _ip_hash_key(day) + settings.IP_HASH_KEY.encode()
    wide, narrow = _address_networks(ip)
    half = IP_HASH_LENGTH // 2
    return (
        hmac.new(key, f"wide:{wide}".encode(), hashlib.sha256).hexdigest()[:half]
        + hmac.new(key, f"narrow:{narrow}".encode(), hashlib.sha256).hexdigest()[:half]
    )
