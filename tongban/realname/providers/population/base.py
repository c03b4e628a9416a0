"""Name + ID number check against the population registry (公安人口库核验). Passing gives AssuranceLevel.ID_CHECKED."""

from __future__ import annotations

from abc import ABC, abstractmethod

from tongban.realname.providers.common import ProviderOutcome, ProviderResult

__all__ = ["PopulationProvider", "ProviderOutcome", "ProviderResult"]


class PopulationProvider(ABC):
    name: str

    @abstractmethod
    def check(self, *, name: str, id_number: str) -> ProviderResult:
        """Whether the name and the (already validated) ID number belong together in the registry.

        Must not raise for a mismatch or an outage: return ``MISMATCH`` or ``UNAVAILABLE``.
        """
