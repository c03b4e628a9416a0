"""Questions the identity app asks apps above it, without importing them (identity is a low layer).

Higher apps register plain functions in their ``AppConfig.ready``:

* :func:`register_closure_blocker` — ``check(user_id) -> list[str]``: reasons (in Chinese, for the person) why the
  account cannot be closed now, e.g. organizations: “您是某公司的法定代表人”.
* :func:`register_closure_action` — ``action(user_id) -> None``: run inside the closing transaction, e.g. oidc
  revokes every token and consent.
* :func:`register_export_section` — ``section(user_id) -> JSON-able``: the app's data about the person for
  “导出我的数据”, e.g. oidc consents, realname requests.

Registration is idempotent per name, so a second ``ready`` (tests) does not duplicate a hook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ClosureBlocker = Callable[[int], list[str]]
ClosureAction = Callable[[int], None]
ExportSection = Callable[[int], Any]

_closure_blockers: dict[str, ClosureBlocker] = {}
_closure_actions: dict[str, ClosureAction] = {}
_export_sections: dict[str, ExportSection] = {}


def register_closure_blocker(name: str, check: ClosureBlocker) -> None:
    _closure_blockers[name] = check


def register_closure_action(name: str, action: ClosureAction) -> None:
    _closure_actions[name] = action


def register_export_section(name: str, section: ExportSection) -> None:
    _export_sections[name] = section


def closure_blockers(user_id: int) -> list[str]:
    """Every reason any app gives against closing the account now (empty: it may be closed)."""
    reasons: list[str] = []
    for check in _closure_blockers.values():
        reasons.extend(check(user_id))
    return reasons


def closure_actions_run(user_id: int) -> list[str]:
    """Run every registered closing action; returns their names (for the audit record)."""
    for action in _closure_actions.values():
        action(user_id)
    return sorted(_closure_actions)


def export_sections(user_id: int) -> dict[str, Any]:
    return {name: section(user_id) for name, section in sorted(_export_sections.items())}


__all__ = [
    "ClosureAction", "ClosureBlocker", "ExportSection", "closure_actions_run", "closure_blockers", "export_sections",
    "register_closure_action", "register_closure_blocker", "register_export_section",
]
