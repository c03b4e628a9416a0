"""Which timestamp authority is in use: chosen by configuration (TONGBAN_TSA), never by domain code."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string
from pyhanko.sign.timestamps import TimeStamper

from tongban.licenses.timestamps.base import TimestampAuthority

AUTHORITIES: dict[str, str] = {
    "none": "tongban.licenses.timestamps.base.NoTimestamps",
    "simulator": "tongban.licenses.timestamps.contrib.simulator.SimulatedAuthority",
    "rfc3161": "tongban.licenses.timestamps.contrib.rfc3161.Rfc3161Authority",
}
_instances: dict[str, TimestampAuthority] = {}


def register(name: str, dotted_path: str) -> None:
    """Add a timestamp authority plugin (a deployment's TSA client) under a name usable in TONGBAN_TSA."""
    AUTHORITIES[name] = dotted_path
    _instances.pop(name, None)


def timestamp_authority(name: str | None = None) -> TimestampAuthority:
    name = settings.TSA if name is None else name
    if name not in AUTHORITIES:
        raise RuntimeError(f"unknown timestamp authority {name!r}; known: {', '.join(sorted(AUTHORITIES))}")
    if name not in _instances:
        factory: Callable[[], TimestampAuthority] = import_string(AUTHORITIES[name])
        _instances[name] = factory()
    return _instances[name]


def timestamper() -> TimeStamper | None:
    """The pyHanko timestamper for the next signature (``None``: no timestamp)."""
    return timestamp_authority().timestamper()
