"""The SMS provider interface (短信). Every provider — a carrier gateway or the local simulator — implements it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class SmsResult:
    accepted: bool
    provider_message_id: str = ""
    error: str = ""


class SmsProvider(ABC):
    """Sends one text message to one mainland mobile number."""

    name: str

    @abstractmethod
    def send(self, *, phone: str, text: str, purpose: str) -> SmsResult:
        """Hand the message to the provider. Must not raise for a refused message: return ``accepted=False``."""
