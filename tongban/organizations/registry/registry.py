"""Which enterprise registry is in use: chosen by configuration (TONGBAN_ENTERPRISE_REGISTRY_PROVIDER, read into
``settings.ENTERPRISE_REGISTRY_PROVIDER``), never by domain code."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.organizations.registry.base import EnterpriseRegistry

PROVIDERS: dict[str, str] = {
    "simulator": "tongban.organizations.registry.contrib.simulator.plugin.SimulatedEnterpriseRegistry",
}


def register(name: str, dotted_path: str) -> None:
    """Add a provider plugin (a deployment's own gateway) under a name usable in the setting."""
    PROVIDERS[name] = dotted_path
    _provider.cache_clear()


def enterprise_registry() -> EnterpriseRegistry:
    return _provider(str(getattr(settings, "ENTERPRISE_REGISTRY_PROVIDER", "simulator")))


@cache
def _provider(name: str) -> EnterpriseRegistry:
    if name not in PROVIDERS:
        raise RuntimeError(f"unknown enterprise registry provider {name!r}; known: {', '.join(sorted(PROVIDERS))}")
    factory: Callable[[], EnterpriseRegistry] = import_string(PROVIDERS[name])
    return factory()
