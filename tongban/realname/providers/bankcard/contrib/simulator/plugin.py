"""本地核验模拟器 (bank-card four elements): no network call; for development, tests and the demo.

Enabled only by TONGBAN_REALNAME_BANKCARD_PROVIDER=simulator. Rule: ``mismatch`` when the card number fails the
Luhn check; otherwise the documented test cases in :mod:`tongban.realname.providers.simulator_cases`; otherwise
``match``.
"""

from __future__ import annotations

import uuid

from stdnum import luhn

from tongban.realname.providers.bankcard.base import BankcardProvider, ProviderOutcome, ProviderResult
from tongban.realname.providers.simulator_cases import MISMATCH_CARDS, UNAVAILABLE_CARDS, identity_case


class SimulatedBankcardProvider(BankcardProvider):
    name = "simulator"

    def check(self, *, name: str, id_number: str, card_number: str, phone: str) -> ProviderResult:
        reference = f"sim-card-{uuid.uuid4().hex[:16]}"
        case = identity_case(name=name, id_number=id_number)
        if case == "unavailable" or card_number in UNAVAILABLE_CARDS:
            return ProviderResult(ProviderOutcome.UNAVAILABLE, reference, "simulated outage")
        if not luhn.is_valid(card_number):
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "card number fails Luhn")
        if case == "mismatch" or card_number in MISMATCH_CARDS:
            return ProviderResult(ProviderOutcome.MISMATCH, reference, "simulated mismatch")
        return ProviderResult(ProviderOutcome.MATCH, reference)
