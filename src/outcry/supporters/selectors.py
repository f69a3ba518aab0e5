"""Reads of supporters' personal data. Each staff read is audited by the caller's service."""

from outcry.core.crypto import unseal
from outcry.supporters.models import Supporter


def supporter_personal_data(*, supporter: Supporter) -> dict[str, str]:
    """Open the sealed fields. Needs a private key (the worker and the staff admin)."""
    return unseal(supporter.personal_data)
