"""The client's address, the same for throttling, audit records and session lists."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or — behind ``TONGBAN_TRUSTED_PROXIES`` reverse proxies — the address the nearest untrusted hop
    reported in X-Forwarded-For. Anything that is not an IP address is ignored."""
    address = request.META.get("REMOTE_ADDR") or None
    hops = int(getattr(settings, "TRUSTED_PROXIES", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops > 0 and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            address = chain[-hops]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
