"""A self-hosted proof-of-work challenge for signers past a rate limit.

Instead of dropping everyone behind a busy address (a campus, a carrier's NAT, a Tor
exit), a signer past a limit is asked to let their browser find a number whose SHA-256,
with the challenge, starts with some zero bits (``static/outcry/challenge.js``). That is
cheap once and costly by the thousand. The challenge is signed with a key derived from
SECRET_KEY, expires, and names the submission it was issued for (the petition and the
address's blind index), so a solution cannot be reused for other signatures. No third
party sees anyone: nothing is loaded from elsewhere and no cookie is set.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing

CHALLENGE_SALT = "outcry.actions.signing-challenge"
SOLUTION_MAX_LENGTH = 20


def _subject_digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()[:32]


def challenge_issue(*, subject: str) -> str:
    """A signed, timestamped challenge for this submission (``subject`` holds no secret
    and no personal data in clear: callers pass blind indexes)."""
    value = f"{secrets.token_hex(8)}.{_subject_digest(subject)}"
    return signing.TimestampSigner(salt=CHALLENGE_SALT).sign(value)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def challenge_solved(*, challenge: str, solution: str, subject: str) -> bool:
    """True when ``solution`` solves ``challenge``, which we issued for ``subject`` less
    than SIGN_CHALLENGE_MAX_AGE seconds ago."""
    if not challenge or not solution:
        return False
    if len(solution) > SOLUTION_MAX_LENGTH or not solution.isascii() or not solution.isdigit():
        return False
    try:
        value = signing.TimestampSigner(salt=CHALLENGE_SALT).unsign(
            challenge, max_age=settings.SIGN_CHALLENGE_MAX_AGE
        )
    except signing.BadSignature:  # includes SignatureExpired
        return False
    _nonce, _, digest = value.partition(".")
    if not hmac.compare_digest(digest, _subject_digest(subject)):
        return False
    work = hashlib.sha256(f"{challenge}:{solution}".encode()).digest()
    return leading_zero_bits(work) >= settings.SIGN_CHALLENGE_DIFFICULTY_BITS
