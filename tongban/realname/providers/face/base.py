"""Face check (人脸核验): a photo taken now is compared with the ID photo on record, with a liveness check.

Passing gives STRONG. The score is the similarity (0..1) the provider reports; the provider decides the outcome.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from tongban.realname.providers.common import ProviderOutcome, ProviderResult

__all__ = ["FaceProvider", "ProviderOutcome", "ProviderResult"]


class FaceProvider(ABC):
    name: str

    @abstractmethod
    def check(self, *, name: str, id_number: str, photo: bytes, content_type: str) -> ProviderResult:
        """``photo`` is a JPEG or PNG already checked by content. Return the similarity in ``score``.

        Must not raise for a mismatch, a failed liveness check or an outage.
        """
