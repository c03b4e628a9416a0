"""Bank-card four-element check (银行卡四要素: name, ID number, card number, reserved phone). Passing gives STRONG."""

from __future__ import annotations

from abc import ABC, abstractmethod

from tongban.realname.providers.common import ProviderOutcome, ProviderResult

__all__ = ["BankcardProvider", "ProviderOutcome", "ProviderResult"]


class BankcardProvider(ABC):
    name: str

    @abstractmethod
    def check(self, *, name: str, id_number: str, card_number: str, phone: str) -> ProviderResult:
        """Whether the card is in this person's name and the phone is the one reserved at the bank (预留手机号).

        Inputs are normalised (digits only). Must not raise for a mismatch or an outage.
        """
