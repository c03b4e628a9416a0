"""The one transition table of a case (办件生命周期), with its guards: who may make which transition in which state.

No code assigns ``Case.status`` directly: services ask :func:`next_status` and save what it returns. The table is
mirrored in ``docs/cases.md`` (:func:`markdown_table` renders it; a test keeps the two equal).

Actors (the guard column):

* ``applicant`` — the person who applied, or for an organisation someone acting for it with the "apply" scope;
* ``window_clerk`` / ``approver`` / ``department_admin`` — staff of the case's department holding that role;
* ``step_handler`` — staff holding the role of the step that is open on the case in their department;
* ``countersigner`` — a reviewer of a department whose countersign step (会签) is open on the case;
* ``department_system`` — the department's own business system, for implementations handled externally;
* ``system`` — the platform itself (receipt-mode acceptance, fees, bundle parents, overdue marking).

A bundle's parent case (一件事主办件) follows its children; its own, smaller table is :data:`PARENT_TRANSITIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.cases.models.codes import CaseStatus as S
from tongban.core.errors import Conflict

APPLICANT = "applicant"
WINDOW_CLERK = "window_clerk"
REVIEWER = "reviewer"
APPROVER = "approver"
DEPARTMENT_ADMIN = "department_admin"
STEP_HANDLER = "step_handler"
COUNTERSIGNER = "countersigner"
DEPARTMENT_SYSTEM = "department_system"
SYSTEM = "system"

STAFF_ROLE_ACTORS = frozenset({WINDOW_CLERK, REVIEWER, APPROVER, DEPARTMENT_ADMIN})

ACTOR_LABELS = {
    APPLICANT: gettext_lazy("申请人"),
    WINDOW_CLERK: gettext_lazy("窗口受理人员"),
    REVIEWER: gettext_lazy("审核人员"),
    APPROVER: gettext_lazy("审批人员"),
    DEPARTMENT_ADMIN: gettext_lazy("部门管理员"),
    STEP_HANDLER: gettext_lazy("当前环节办理人"),
    COUNTERSIGNER: gettext_lazy("会签部门审核人员"),
    DEPARTMENT_SYSTEM: gettext_lazy("部门业务系统"),
    SYSTEM: gettext_lazy("系统"),
}

SAME = "="  # the status does not change (e.g. an extension)
RESUME = "<resume>"  # back to the status the supplement request was made in (Case.supplement_from)


@dataclass(frozen=True)
class Rule:
    """The row of one (status, transition): where it leads and who may make it.

    ``outcomes`` maps the transition's outcome to the next status where it depends on it (准予 / 不予).
    """

    target: str
    actors: frozenset[str]
    outcomes: Mapping[str, str] = field(default_factory=dict)


def _rule(target: str, *actors: str, outcomes: Mapping[str, str] | None = None) -> Rule:
    return Rule(target=target, actors=frozenset(actors), outcomes=dict(outcomes or {}))


DECIDED = {"approve": S.APPROVED, "deny": S.DENIED}
_REVIEWING = (S.ACCEPTED, S.IN_REVIEW)
_BEFORE_DECISION = (S.SUBMITTED, S.SUPPLEMENT_REQUESTED, S.ACCEPTED, S.IN_REVIEW, S.SPECIAL_PROCEDURE)
_VOIDABLE = (*_BEFORE_DECISION, S.AWAITING_PAYMENT, S.APPROVED, S.DENIED, S.REFUSED, S.COMPLETED)

TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.DRAFT, "submit"): _rule(S.SUBMITTED, APPLICANT),
    # 受理 · 不予受理 · 补齐补正 (before acceptance)
    (S.SUBMITTED, "accept"): _rule(S.ACCEPTED, WINDOW_CLERK, DEPARTMENT_SYSTEM, SYSTEM),
    (S.SUBMITTED, "refuse"): _rule(S.REFUSED, WINDOW_CLERK, DEPARTMENT_SYSTEM),
    (S.SUBMITTED, "request_supplement"): _rule(S.SUPPLEMENT_REQUESTED, WINDOW_CLERK, DEPARTMENT_SYSTEM),
    (S.SUBMITTED, "instant_decide"): _rule(S.APPROVED, WINDOW_CLERK, outcomes=DECIDED),
    # 补齐补正 during review stops the decision clock
    **{(s, "request_supplement"): _rule(S.SUPPLEMENT_REQUESTED, STEP_HANDLER, DEPARTMENT_SYSTEM) for s in _REVIEWING},
    (S.SUPPLEMENT_REQUESTED, "resubmit"): _rule(RESUME, APPLICANT),
    # 审查: 承办 → 审核 → 审批, 会签
    **{(s, "step_complete"): _rule(S.IN_REVIEW, STEP_HANDLER, DEPARTMENT_SYSTEM) for s in _REVIEWING},
    **{(s, "countersign"): _rule(S.IN_REVIEW, COUNTERSIGNER) for s in _REVIEWING},
    # 特别程序 (clock stopped) and 延期 (once)
    **{(s, "special_procedure_start"): _rule(S.SPECIAL_PROCEDURE, STEP_HANDLER, DEPARTMENT_SYSTEM)
       for s in _REVIEWING},
    (S.SPECIAL_PROCEDURE, "special_procedure_end"): _rule(S.IN_REVIEW, STEP_HANDLER, DEPARTMENT_SYSTEM),
    **{(s, "extend"): _rule(SAME, APPROVER) for s in (*_REVIEWING, S.SPECIAL_PROCEDURE)},
    # 决定, 缴费
    **{(s, "decide"): _rule(S.APPROVED, STEP_HANDLER, DEPARTMENT_SYSTEM, outcomes=DECIDED) for s in _REVIEWING},
    (S.APPROVED, "request_payment"): _rule(S.AWAITING_PAYMENT, SYSTEM),
    (S.AWAITING_PAYMENT, "confirm_payment"): _rule(S.APPROVED, SYSTEM),
    # 办结, 送达
    (S.APPROVED, "complete"): _rule(S.COMPLETED, WINDOW_CLERK, APPROVER, DEPARTMENT_SYSTEM, SYSTEM),
    (S.DENIED, "complete"): _rule(S.COMPLETED, WINDOW_CLERK, APPROVER, DEPARTMENT_SYSTEM, SYSTEM),
    (S.COMPLETED, "deliver"): _rule(S.DELIVERED, WINDOW_CLERK, DEPARTMENT_SYSTEM, SYSTEM),
    # 撤回 (by the applicant, before the decision), 作废 (by the department administrator, with a reason)
    **{(s, "withdraw"): _rule(S.WITHDRAWN, APPLICANT) for s in _BEFORE_DECISION},
    **{(s, "void"): _rule(S.VOIDED, DEPARTMENT_ADMIN) for s in _VOIDABLE},
}

# A bundle's parent case: submitted with its children, closed by the platform when the last child closes
# (completed if any child reached a result, withdrawn or voided when all of them were), and delivered together.
PARENT_TRANSITIONS: dict[tuple[str, str], Rule] = {
    (S.DRAFT, "submit"): _rule(S.SUBMITTED, APPLICANT),
    (S.SUBMITTED, "complete"): _rule(S.COMPLETED, SYSTEM),
    (S.SUBMITTED, "withdraw"): _rule(S.WITHDRAWN, SYSTEM),
    (S.SUBMITTED, "void"): _rule(S.VOIDED, SYSTEM),
    (S.COMPLETED, "deliver"): _rule(S.DELIVERED, WINDOW_CLERK, DEPARTMENT_SYSTEM, SYSTEM),
}

# Topics of the outbox events, one per transition (``case.<transition>``, in the outbox's past-participle form).
TOPICS = {
    "submit": "case.submitted",
    "accept": "case.accepted",
    "refuse": "case.refused",
    "request_supplement": "case.supplement_requested",
    "resubmit": "case.resubmitted",
    "instant_decide": "case.instant_decided",
    "step_complete": "case.step_completed",
    "countersign": "case.countersigned",
    "special_procedure_start": "case.special_procedure_started",
    "special_procedure_end": "case.special_procedure_ended",
    "extend": "case.extended",
    "decide": "case.decided",
    "request_payment": "case.payment_requested",
    "confirm_payment": "case.payment_confirmed",
    "complete": "case.completed",
    "deliver": "case.delivered",
    "withdraw": "case.withdrawn",
    "void": "case.voided",
    "overdue": "case.overdue_marked",
}

TRANSITION_LABELS = {
    "submit": gettext_lazy("提交申请"),
    "accept": gettext_lazy("受理"),
    "refuse": gettext_lazy("不予受理"),
    "request_supplement": gettext_lazy("补齐补正告知"),
    "resubmit": gettext_lazy("提交补正材料"),
    "instant_decide": gettext_lazy("即办（受理并办结）"),
    "step_complete": gettext_lazy("环节办理"),
    "countersign": gettext_lazy("会签"),
    "special_procedure_start": gettext_lazy("启动特别程序"),
    "special_procedure_end": gettext_lazy("结束特别程序"),
    "extend": gettext_lazy("延期"),
    "decide": gettext_lazy("作出决定"),
    "request_payment": gettext_lazy("通知缴费"),
    "confirm_payment": gettext_lazy("确认缴费"),
    "complete": gettext_lazy("办结"),
    "deliver": gettext_lazy("送达"),
    "withdraw": gettext_lazy("撤回申请"),
    "void": gettext_lazy("作废"),
}

# Statuses after which nothing happens any more (besides voiding a result in error).
FINAL = frozenset({S.DELIVERED, S.WITHDRAWN, S.VOIDED})
# A bundle child in one of these no longer holds its parent open.
CHILD_CLOSED = frozenset({S.COMPLETED, S.DELIVERED, S.REFUSED, S.WITHDRAWN, S.VOIDED})
# Statuses whose clock runs (acceptance clock while submitted, decision clock while accepted or in review).
CLOCK_RUNNING = frozenset({S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW})
DECIDED_STATUSES = frozenset({S.APPROVED, S.DENIED, S.AWAITING_PAYMENT, S.COMPLETED, S.DELIVERED})


def table_for(*, parent: bool) -> dict[tuple[str, str], Rule]:
    return PARENT_TRANSITIONS if parent else TRANSITIONS


def transition_label(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name))


def _status_label(status: str) -> str:
    try:
        return str(S(status).label)
    except ValueError:
        return status


def may_act(*, transition: str, actors: Iterable[str], parent: bool = False) -> bool:
    """Whether any of ``actors`` may make ``transition`` in some state (else the refusal is a 403, not a 409)."""
    held = set(actors)
    return any(name == transition and rule.actors & held for (_, name), rule in table_for(parent=parent).items())


def next_status(
    *, current: str, transition: str, actors: Iterable[str], outcome: str = "", resume: str = "",
    parent: bool = False,
) -> str:
    """The status after ``transition`` made by someone holding ``actors``.

    Raises :class:`Conflict` (409) when the transition is not allowed in ``current``, or when none of ``actors``
    may make it in ``current``. Callers check :func:`may_act` first to answer 403 for an actor who may never make it.
    """
    rule = table_for(parent=parent).get((current, transition))
    if rule is None:
        raise Conflict(
            _("办件当前状态为“%(status)s”，不能%(action)s。") % {
                "status": _status_label(current), "action": transition_label(transition)},
            code="invalid_transition")
    if not rule.actors & set(actors):
        raise Conflict(
            _("办件当前状态为“%(status)s”，您现在不能%(action)s。") % {
                "status": _status_label(current), "action": transition_label(transition)},
            code="invalid_transition")
    if rule.outcomes:
        if outcome not in rule.outcomes:
            raise Conflict(_("请选择办理结果。"), code="outcome_required")
        return rule.outcomes[outcome]
    if rule.target == SAME:
        return current
    if rule.target == RESUME:
        return resume or S.SUBMITTED
    return rule.target


def allowed_transitions(*, current: str, actors: Iterable[str], parent: bool = False) -> list[str]:
    """Transitions someone holding ``actors`` may make now (pages show only these)."""
    held = set(actors)
    return [name for (status, name), rule in table_for(parent=parent).items()
            if status == current and rule.actors & held]


def markdown_table() -> str:
    """The transition table as Markdown (``docs/cases.md`` mirrors it)."""
    lines = ["| from | transition | to | who |", "|---|---|---|---|"]
    for title, table in (("", TRANSITIONS), ("parent: ", PARENT_TRANSITIONS)):
        for (status, name), rule in table.items():
            if rule.outcomes:
                target = " / ".join(f"`{v}` ({k})" for k, v in rule.outcomes.items())
            elif rule.target == SAME:
                target = "(unchanged)"
            elif rule.target == RESUME:
                target = "(back to where the request was made)"
            else:
                target = f"`{rule.target}`"
            who = ", ".join(sorted(rule.actors))
            lines.append(f"| {title}`{status}` {_status_label(status)} | `{name}` {transition_label(name)} | "
                         f"{target} | {who} |")
    return "\n".join(lines)

