"""本地核验模拟器 (population registry): answers without any network call, for development, tests and the demo.

Enabled only by TONGBAN_REALNAME_POPULATION_PROVIDER=simulator. Rule: ``match`` when the name is 2–50 characters
(the ID number is validated before any provider is asked), except the documented test cases in
:mod:`tongban.realname.providers.simulator_cases`.
"""

from __future__ import annotations

import uuid

from tongban.realname.providers.population.base import PopulationProvider, ProviderOutcome, ProviderResult
from tongban.realname.providers.simulator_cases import identity_case


class SimulatedPopulationProvider(PopulationProvider):
    name = "simulator"

    def check(self, *, name: str, id_number: str) -> ProviderResult:
        reference = f"sim-pop-{uuid.uuid4().hex[:16]}"
        case = identity_case(name=name, id_number=id_number)
        if case == "unavailable":
            return ProviderResult(ProviderOutcome.UNAVAILABLE, reference, "simulated outage")
        if case == "mismatch":
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "simulated mismatch")
        if not 2 <= len(name) <= 50:
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "name length")
        return ProviderResult(ProviderOutcome.MATCH, reference)
