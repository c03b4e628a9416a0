"""Who still uses a stored file: apps that keep file ids (cases, drafts) register a checker here.

A checker receives candidate ids and returns those its app still refers to (drafts included). Housekeeping
(:func:`tongban.files.services.file_delete_unreferenced`) deletes only files that no checker claims, and deletes
nothing at all while no checker is registered: forgetting to register is never a reason to lose a file.
Apps register in their ``AppConfig.ready`` — an explicit call, not a Django signal.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

ReferenceChecker = Callable[[Collection[int]], set[int]]

_CHECKERS: dict[str, ReferenceChecker] = {}


def register_reference_checker(name: str, checker: ReferenceChecker) -> None:
    """Register (or replace) the checker of one app, e.g. ``register_reference_checker("cases", ...)``."""
    _CHECKERS[name] = checker


def unregister_reference_checker(name: str) -> None:
    _CHECKERS.pop(name, None)


def reference_checkers() -> dict[str, ReferenceChecker]:
    return dict(_CHECKERS)
