"""The timestamp authority interface (时间戳服务). A plugin gives pyHanko a ``TimeStamper`` that fetches RFC 3161
tokens, or ``None`` when signatures go without a timestamp."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pyhanko.sign.timestamps import TimeStamper


@runtime_checkable
class TimestampAuthority(Protocol):
    name: str

    def timestamper(self) -> TimeStamper | None:
        """The pyHanko timestamper for the next signature, or ``None`` (no timestamp)."""


class NoTimestamps:
    """``TONGBAN_TSA=none``: signatures carry the signer's own signing time only (PAdES B-B)."""

    name = "none"

    def timestamper(self) -> TimeStamper | None:
        return None
