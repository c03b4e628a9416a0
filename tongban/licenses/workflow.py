"""The transition tables of licences (证照状态), seals (印章状态) and consents (用证授权). No code assigns ``License.status`` or
``Seal.status`` directly: services call :func:`license_next_status` / :func:`seal_next_status` and save what they
return. Every change carries a reason (except the automatic expiry, whose reason is fixed) and is audited by the
calling service. The tables are mirrored in ``docs/licenses.md``; a test keeps them equal. Consents (用证授权) have their own,
smaller table here too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.core.errors import Conflict
from tongban.licenses.models.codes import ConsentStatus
from tongban.licenses.models.codes import LicenseStatus as L
from tongban.licenses.models.codes import SealStatus as S

LICENSE_ADMIN = "license_admin"  # 证照管理人员 of the issuing department
SYSTEM = "system"  # the platform: expiry job, re-issue


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    target: str
    actors: frozenset[str]
    label: str | Promise


LICENSE_TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("revoke", (L.VALID,), L.REVOKED, frozenset({LICENSE_ADMIN}), gettext_lazy("撤销")),
    Transition("cancel", (L.VALID,), L.CANCELLED, frozenset({LICENSE_ADMIN}), gettext_lazy("注销")),
    Transition("expire", (L.VALID,), L.EXPIRED, frozenset({SYSTEM}), gettext_lazy("到期失效")),
    Transition("transfer_out", (L.VALID,), L.TRANSFERRED, frozenset({LICENSE_ADMIN}), gettext_lazy("转出")),
    Transition("withdraw", (L.VALID,), L.WITHDRAWN, frozenset({LICENSE_ADMIN}), gettext_lazy("吊销")),
    Transition("supersede", (L.VALID, L.EXPIRED), L.CANCELLED, frozenset({SYSTEM}),
               gettext_lazy("换发新版本（原版本注销）")),
)}

SEAL_ADMIN = "department_admin"  # 部门管理员 of the seal's department, or a platform administrator

SEAL_TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("activate", (S.PENDING, S.SUSPENDED), S.ACTIVE, frozenset({SEAL_ADMIN}), gettext_lazy("启用")),
    Transition("suspend", (S.ACTIVE,), S.SUSPENDED, frozenset({SEAL_ADMIN}), gettext_lazy("停用")),
    Transition("revoke", (S.PENDING, S.ACTIVE, S.SUSPENDED), S.REVOKED, frozenset({SEAL_ADMIN}),
               gettext_lazy("注销")),
)}


HOLDER = "holder"  # the licence's holder (用证授权 is theirs to give, refuse or withdraw)

CONSENT_TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("grant", (ConsentStatus.REQUESTED,), ConsentStatus.GRANTED, frozenset({HOLDER}),
               gettext_lazy("同意授权")),
    Transition("refuse", (ConsentStatus.REQUESTED,), ConsentStatus.REFUSED, frozenset({HOLDER}),
               gettext_lazy("拒绝授权")),
    Transition("revoke", (ConsentStatus.GRANTED,), ConsentStatus.REVOKED, frozenset({HOLDER}),
               gettext_lazy("撤回授权")),
)}


def _next(table: dict[str, Transition], *, status: str, transition: str, actor: str, what: str) -> str:
    rule = table.get(transition)
    if rule is None:
        raise ValueError(f"unknown {what} transition {transition!r}")
    if actor not in rule.actors:
        raise Conflict(_("您不能对该%(w)s执行“%(t)s”。") % {"w": what, "t": rule.label}, code="transition_forbidden")
    if status not in rule.source:
        raise Conflict(_("当前状态下不能“%(t)s”。") % {"t": rule.label}, code="transition_not_allowed")
    return rule.target


def license_next_status(*, status: str, transition: str, actor: str) -> str:
    """The status a licence moves to, or :class:`Conflict` (``transition_not_allowed`` / ``transition_forbidden``)."""
    return _next(LICENSE_TRANSITIONS, status=status, transition=transition, actor=actor, what=_("证照"))


def seal_next_status(*, status: str, transition: str, actor: str) -> str:
    return _next(SEAL_TRANSITIONS, status=status, transition=transition, actor=actor, what=_("印章"))


def consent_next_status(*, status: str, transition: str) -> str:
    """The status a consent moves to when its holder acts (the holder check is the caller's)."""
    return _next(CONSENT_TRANSITIONS, status=status, transition=transition, actor=HOLDER, what=_("授权"))


def license_transitions_from(status: str, *, actor: str) -> list[Transition]:
    """What an actor may do to a licence in ``status`` (the actions a page offers)."""
    return [t for t in LICENSE_TRANSITIONS.values() if status in t.source and actor in t.actors]


def seal_transitions_from(status: str, *, actor: str) -> list[Transition]:
    return [t for t in SEAL_TRANSITIONS.values() if status in t.source and actor in t.actors]


def markdown_table(table: dict[str, Transition], labels: dict[str, str]) -> str:
    """The table as Markdown for the docs (a test compares it with docs/licenses.md)."""
    rows = ["| transition | from | to | who |", "|---|---|---|---|"]
    for t in table.values():
        rows.append(f"| {t.name} ({t.label}) | {' / '.join(labels[s] for s in t.source)} | {labels[t.target]} | "
                    f"{', '.join(sorted(t.actors))} |")
    return "\n".join(rows)
