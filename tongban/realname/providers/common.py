"""What every real-name provider plugin returns, and how a plugin is chosen by configuration.

Domain code asks a route's ``registry`` for its provider; it never imports a plugin (and never the simulator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


class ProviderOutcome(StrEnum):
    MATCH = "match"  # the provider confirms the identity
    MISMATCH = "mismatch"  # the provider answered: the data do not belong together
    UNAVAILABLE = "unavailable"  # no answer (outage, timeout, quota): says nothing about the person


@dataclass(frozen=True)
class ProviderResult:
    outcome: ProviderOutcome
    reference: str = ""  # the provider's transaction id, for disputes
    detail: str = ""  # a short technical reason for the record (never shown as-is to the person)
    score: float | None = None  # face: similarity 0..1


class ProviderNotConfigured(RuntimeError):
    """The route has no provider configured (its setting is empty): the route is switched off."""


def load_provider(*, setting: str, table: dict[str, str], default: str = "simulator") -> Any:
    """The plugin named by ``settings.<setting>`` (``""`` switches the route off)."""
    name = str(getattr(settings, setting, default) or "")
    if not name:
        raise ProviderNotConfigured(setting)
    if name not in table:
        raise RuntimeError(f"unknown provider {name!r} in {setting}; known: {', '.join(sorted(table))}")
    factory: Callable[[], Any] = import_string(table[name])
    return factory()


def configured_name(*, setting: str, default: str = "simulator") -> str:
    return str(getattr(settings, setting, default) or "")
