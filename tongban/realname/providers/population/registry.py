"""Which population-registry provider is in use: ``settings.REALNAME_POPULATION_PROVIDER`` (TONGBAN_REALNAME_POPULATION_PROVIDER)."""

from __future__ import annotations

from tongban.realname.providers.common import load_provider
from tongban.realname.providers.population.base import PopulationProvider

SETTING = "REALNAME_POPULATION_PROVIDER"
PROVIDERS: dict[str, str] = {
    "simulator": "tongban.realname.providers.population.contrib.simulator.plugin.SimulatedPopulationProvider",
}


def register(name: str, dotted_path: str) -> None:
    """Add a deployment's own plugin under a name usable in the setting."""
    PROVIDERS[name] = dotted_path


def population_provider() -> PopulationProvider:
    provider = load_provider(setting=SETTING, table=PROVIDERS)
    assert isinstance(provider, PopulationProvider)
    return provider
