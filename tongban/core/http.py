"""The client's address (the same for throttling, audit records and session lists) and safe return addresses."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


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


def safe_next(request: HttpRequest, default: str = "") -> str:
    """The ``next`` address of a form or link (POST first, then GET) when it stays on this site, else ``default``.

    Used wherever a page sends the person on and back: sign-in, step-up to a higher real-name level, and the like.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default
