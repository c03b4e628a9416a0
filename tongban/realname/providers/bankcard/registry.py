"""Which bank-card provider is in use: ``settings.REALNAME_BANKCARD_PROVIDER`` (TONGBAN_REALNAME_BANKCARD_PROVIDER)."""

from __future__ import annotations

from tongban.realname.providers.bankcard.base import BankcardProvider
from tongban.realname.providers.common import load_provider

SETTING = "REALNAME_BANKCARD_PROVIDER"
PROVIDERS: dict[str, str] = {
    "simulator": "tongban.realname.providers.bankcard.contrib.simulator.plugin.SimulatedBankcardProvider",
}


def register(name: str, dotted_path: str) -> None:
    PROVIDERS[name] = dotted_path


def bankcard_provider() -> BankcardProvider:
    provider = load_provider(setting=SETTING, table=PROVIDERS)
    assert isinstance(provider, BankcardProvider)
    return provider
