from django.conf import settings
from django.http import HttpRequest

from outcry.core.crypto import ip_hash


def client_ip_hash(request: HttpRequest) -> str:
    """The keyed, daily-rotating hash of the client's address; the address is not kept."""
    raw = request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR", "")
    return ip_hash(raw.split(",")[0].strip())
