"""Which SMS provider is in use: chosen by configuration (TONGBAN_SMS_PROVIDER), never by domain code."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.notifications.sms.base import SmsProvider

PROVIDERS: dict[str, str] = {
    "simulator": "tongban.notifications.sms.contrib.simulator.plugin.SimulatedSmsProvider",
}


def register(name: str, dotted_path: str) -> None:
    """Add a provider plugin (a deployment's own gateway) under a name usable in TONGBAN_SMS_PROVIDER."""
    PROVIDERS[name] = dotted_path
    sms_provider.cache_clear()


@cache
def sms_provider() -> SmsProvider:
    name = settings.SMS_PROVIDER
    if name not in PROVIDERS:
        raise RuntimeError(f"unknown SMS provider {name!r}; known: {', '.join(sorted(PROVIDERS))}")
    factory: Callable[[], SmsProvider] = import_string(PROVIDERS[name])
    return factory()
