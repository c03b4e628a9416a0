"""The scanner interface (病毒扫描). Every scanner — an antivirus engine, a scanning service or the local simulator —
implements it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""  # what was found (e.g. ``Eicar-Test-Signature``) when not clean


class ScannerUnavailable(Exception):
    """The scanner could not give an answer (engine down, timeout). The upload is refused, never stored unscanned."""


class FileScanner(ABC):
    """Scans the bytes of one upload, as received (before images are re-encoded)."""

    name: str
    # False only for the ``none`` plugin: files it passes are stored as ``pending`` (not scanned), not ``clean``.
    scans: bool = True

    @abstractmethod
    def scan(self, data: bytes) -> ScanResult:
        """Scan ``data``. Returns ``clean=False`` with the signature for a finding; raises
        :class:`ScannerUnavailable` when it cannot tell."""
