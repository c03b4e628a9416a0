"""Which scanner is in use: chosen by configuration (TONGBAN_FILE_SCANNER), never by domain code."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.files.scanners.base import FileScanner

SCANNERS: dict[str, str] = {
    "none": "tongban.files.scanners.contrib.none.plugin.NoScanner",
    "simulator": "tongban.files.scanners.contrib.simulator.plugin.SimulatedScanner",
}


def register(name: str, dotted_path: str) -> None:
    """Add a scanner plugin (a deployment's antivirus engine) under a name usable in TONGBAN_FILE_SCANNER."""
    SCANNERS[name] = dotted_path
    _scanner.cache_clear()


@cache
def _scanner(name: str) -> FileScanner:
    if name not in SCANNERS:
        raise RuntimeError(f"unknown file scanner {name!r}; known: {', '.join(sorted(SCANNERS))}")
    factory: Callable[[], FileScanner] = import_string(SCANNERS[name])
    return factory()


def file_scanner() -> FileScanner:
    return _scanner(settings.FILE_SCANNER)
