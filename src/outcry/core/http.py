from django.conf import settings
from django.http import HttpRequest

from outcry.core.crypto import ip_hash


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as it can be trusted.

    Behind proxies, ``X-Forwarded-For`` reads "client, proxy1, …": each proxy appends the
    address it received the request from, and anything left of our own proxies was written
    by the client and can be forged. So the address is taken ``CLIENT_IP_PROXY_COUNT``
    entries from the right, never from the left.
    """
    header = request.META.get(settings.CLIENT_IP_HEADER)
    if not header:
        return request.META.get("REMOTE_ADDR", "")
    entries = [entry.strip() for entry in header.split(",") if entry.strip()]
    if not entries:
        return request.META.get("REMOTE_ADDR", "")
    return entries[-min(settings.CLIENT_IP_PROXY_COUNT, len(entries))]


def client_ip_hash(request: HttpRequest) -> str:
    """The keyed, daily-rotating hash of the client's address; the address is not kept."""
    return ip_hash(client_ip(request))
