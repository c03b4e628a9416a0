"""Processing configuration per implementation (办理流程配置): acceptance mode, the step chain, external handling,
the fee. Read by the department's staff, changed by its department administrators (and platform administrators).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from tongban.cases.models import AcceptanceMode, ProcessingConfig, StepKind
from tongban.cases.records import ProcessingConfigData, StepSpec
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog.interface import CaseType, LimitUnit
from tongban.core.audit import SYSTEM, Actor, Target, atomic_service, audit_record, concealed_denial, denial
from tongban.core.errors import IssueList, ValidationFailed
from tongban.directory import selectors as directory_selectors
from tongban.directory.interface import StaffRole
from tongban.directory.selectors import StaffContext, staff_audit_actor, staff_context_for_user

STEP_ROLES = frozenset({StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.APPROVER})
MAX_STEPS = 10
STEP_NAME_MAX = 100
_YUAN = re.compile(r"^\s*(\d+(?:\.\d{1,2})?)\s*元")


def working_days_of(value: int, unit: str) -> int:
    """A limit in working days; natural days count as 5/7 (rounded down), as catalogue rule R09 compares them."""
    return value if unit != LimitUnit.NATURAL_DAY else value * 5 // 7


def fee_from_item(version: Any) -> int | None:
    """The fee in fen read from the item's fee elements when there is exactly one fee item with a plain amount
    (``20元/证``); otherwise ``None`` (the department sets it in the configuration or at the decision)."""
    if version is None or not version.fee_charged:
        return None
    items = version.fee_items or []
    if len(items) != 1:
        return None
    match = _YUAN.match(str(items[0].get("standard", "")))
    if match is None:
        return None
    return round(float(match.group(1)) * 100)


def processing_config_default_steps(promised_working_days: int) -> tuple[StepSpec, ...]:
    """审核 (reviewer) → 审批 (approver), the promised limit shared between them (审批 keeps one day)."""
    approve = 1 if promised_working_days >= 2 else 0
    return (
        StepSpec(name=_("审核"), kind=StepKind.REVIEW, role=StaffRole.REVIEWER,
                 budget_days=max(promised_working_days - approve, 0)),
        StepSpec(name=_("审批"), kind=StepKind.APPROVE, role=StaffRole.APPROVER, budget_days=approve),
    )


def _data(impl: Any, config: ProcessingConfig | None) -> ProcessingConfigData:
    item_version = impl.item.current_version
    impl_version = impl.current_version
    limit_value = impl_version.promised_limit_value if impl_version else (
        item_version.promised_limit_value if item_version else 0)
    limit_unit = impl_version.promised_limit_unit if impl_version else (
        item_version.promised_limit_unit if item_version else LimitUnit.WORKING_DAY)
    promised = working_days_of(limit_value, limit_unit)
    name = item_version.name if item_version else impl.code
    common = {"implementation_id": impl.pk, "implementation_code": impl.code, "item_name": name,
              "department_id": impl.department_id, "department_name": impl.department.name,
              "fee_charged": bool(item_version and item_version.fee_charged),
              "promised_limit_working_days": promised}
    if config is None:
        instant = item_version is not None and item_version.case_type == CaseType.IMMEDIATE
        return ProcessingConfigData(
            **common, acceptance_mode=AcceptanceMode.INSTANT if instant else AcceptanceMode.PRE_REVIEW,
            steps=() if instant else processing_config_default_steps(promised), handled_externally=False,
            fee_amount_fen=fee_from_item(item_version), is_default=True, revision=0, updated_at=None)
    return ProcessingConfigData(
        **common, acceptance_mode=config.acceptance_mode,
        steps=tuple(StepSpec.from_json(raw) for raw in config.steps), handled_externally=config.handled_externally,
        fee_amount_fen=config.fee_amount_fen if config.fee_amount_fen is not None else fee_from_item(item_version),
        is_default=False, revision=config.revision, updated_at=config.updated_at)


def processing_config_for(*, implementation_id: int) -> ProcessingConfigData | None:
    """The configuration in force (saved, else the default) without a permission check — for the case engine."""
    impl = catalog_selectors.implementation_get(implementation_id=implementation_id)
    if impl is None:
        return None
    return _data(impl, ProcessingConfig.objects.filter(implementation_id=implementation_id).first())


def _target(impl: Any) -> Target:
    return Target(type="catalog.implementation", id=str(impl.pk), label=impl.code)


def _staff_for(user: Any, action: str) -> StaffContext:
    staff = staff_context_for_user(user)
    if staff is None:
        raise denial(action=action, actor=Actor(kind=str(getattr(user, "kind", "anonymous")),
                                                id=str(getattr(user, "pk", "") or "")),
                     target=None, message=_("只有工作人员可以查看办理流程配置。"))
    return staff


def _implementation_in_scope(staff: StaffContext, implementation_id: int, action: str) -> Any:
    impl = catalog_selectors.implementation_get(implementation_id=implementation_id)
    if impl is None or not staff.scope.covers_department(impl.department_id):
        raise concealed_denial(action=action, actor=staff_audit_actor(staff),
                               target=Target(type="catalog.implementation", id=str(implementation_id)),
                               message=_("没有找到这个实施清单。"))
    return impl


@atomic_service
def processing_config_get(*, user: Any, implementation_id: int) -> ProcessingConfigData:
    """The configuration of an implementation for staff of its department (platform-wide staff: any); others
    get 404 (audited)."""
    action = "cases.processing_config.view"
    staff = _staff_for(user, action)
    impl = _implementation_in_scope(staff, implementation_id, action)
    return _data(impl, ProcessingConfig.objects.filter(implementation_id=impl.pk).first())


def _check_steps(steps: Sequence[StepSpec], *, impl: Any, mode: str, external: bool, promised: int,
                 issues: IssueList) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    if len(steps) > MAX_STEPS:
        issues.add("too_many_steps", _("办理环节不能超过%(n)d个。") % {"n": MAX_STEPS}, "steps")
    if not steps and not external and mode != AcceptanceMode.INSTANT:
        issues.add("steps_required", _("请至少设置一个办理环节（即办件或由部门业务系统办理的事项除外）。"), "steps")
    countersigns = 0
    for index, step in enumerate(steps):
        where = f"steps.{index}"
        name = (step.name or "").strip()
        if not name or len(name) > STEP_NAME_MAX:
            issues.add("step_name", _("第%(n)d个环节：请填写环节名称（不超过%(m)d个字）。") % {
                "n": index + 1, "m": STEP_NAME_MAX}, f"{where}.name")
        if step.kind not in StepKind.values:
            issues.add("step_kind", _("第%(n)d个环节：环节类型应为承办、审核、审批或会签。") % {"n": index + 1},
                       f"{where}.kind")
        if step.budget_days < 0:
            issues.add("step_budget", _("第%(n)d个环节：时限不能为负数。") % {"n": index + 1}, f"{where}.budget_days")
        role = step.role
        departments: list[int] = []
        if step.kind == StepKind.COUNTERSIGN:
            countersigns += 1
            role = StaffRole.REVIEWER
            departments = sorted(set(step.department_ids))
            if not departments:
                issues.add("countersign_departments", _("第%(n)d个环节：会签请选择至少一个会签部门。") % {
                    "n": index + 1}, f"{where}.department_ids")
            for department_id in departments:
                if department_id == impl.department_id:
                    issues.add("countersign_own", _("第%(n)d个环节：会签部门不能是本部门。") % {"n": index + 1},
                               f"{where}.department_ids")
                elif directory_selectors.department_get(department_id=department_id) is None:
                    issues.add("countersign_unknown", _("第%(n)d个环节：会签部门不存在。") % {"n": index + 1},
                               f"{where}.department_ids")
            if index == len(steps) - 1:
                issues.add("countersign_last", _("会签不能作为最后一个环节：最后一个环节由本部门作出决定。"),
                           f"{where}.kind")
        elif role not in STEP_ROLES:
            issues.add("step_role", _("第%(n)d个环节：办理角色应为窗口受理人员、审核人员或审批人员。") % {
                "n": index + 1}, f"{where}.role")
        cleaned.append(StepSpec(name=name, kind=step.kind, role=role, budget_days=step.budget_days,
                                department_ids=tuple(departments)).as_json())
    if countersigns > 1:
        issues.add("one_countersign", _("最多设置一个会签环节。"), "steps")
    total = sum(max(step.budget_days, 0) for step in steps)
    if total > promised:
        issues.add("budget_exceeds_limit", _(
            "各环节时限合计%(t)d个工作日，超过了承诺办结时限%(p)d个工作日，请缩短环节时限。") % {
            "t": total, "p": promised}, "steps")
    return cleaned


@atomic_service
def processing_config_update(
    *, user: Any, implementation_id: int, acceptance_mode: str, steps: Sequence[StepSpec],
    handled_externally: bool = False, fee_amount_fen: int | None = None, reason: str = "",
) -> ProcessingConfigData:
    """Save the configuration. Allowed to the department administrators (部门管理员) of the implementation's
    department and to platform administrators; ``user`` may be :data:`tongban.core.audit.SYSTEM` for the loader.

    Refused with every problem at once: an unknown mode, steps without a name/kind/role, a countersign without
    departments (or with the own department, or as the last step), more than one countersign, and a sum of step
    budgets above the promised limit.
    """
    action = "cases.processing_config.update"
    if user is SYSTEM:
        impl = catalog_selectors.implementation_get(implementation_id=implementation_id)
        if impl is None:
            raise ValidationFailed(_("没有找到这个实施清单。"))
        actor = SYSTEM
        user_id = None
    else:
        staff = _staff_for(user, action)
        impl = _implementation_in_scope(staff, implementation_id, action)
        actor = staff_audit_actor(staff)
        if not (staff.is_platform_admin or (staff.is_department_admin and staff.department_id == impl.department_id)):
            raise denial(action=action, actor=actor, target=_target(impl),
                         message=_("只有本部门的部门管理员可以修改办理流程配置。"))
        user_id = staff.user_id
    current = _data(impl, None)
    issues = IssueList()
    if acceptance_mode not in AcceptanceMode.values:
        issues.add("acceptance_mode", _("请选择受理方式。"), "acceptance_mode")
    if fee_amount_fen is not None and fee_amount_fen < 0:
        issues.add("fee_amount", _("收费金额不能为负数。"), "fee_amount_fen")
    cleaned = _check_steps(steps, impl=impl, mode=acceptance_mode, external=handled_externally,
                           promised=current.promised_limit_working_days, issues=issues)
    if issues:
        raise ValidationFailed(_("办理流程配置有%(n)d处需要修改。") % {"n": len(issues.issues)},
                               code=issues.issues[0].code, issues=issues.issues)
    config = ProcessingConfig.objects.select_for_update().filter(implementation_id=impl.pk).first()
    before = None
    if config is None:
        config = ProcessingConfig(implementation_id=impl.pk, revision=1)
    else:
        before = {"acceptance_mode": config.acceptance_mode, "steps": config.steps,
                  "handled_externally": config.handled_externally, "fee_amount_fen": config.fee_amount_fen}
        config.revision += 1
    config.acceptance_mode = acceptance_mode
    config.steps = cleaned
    config.handled_externally = handled_externally
    config.fee_amount_fen = fee_amount_fen
    config.updated_by_id = user_id
    config.save()
    audit_record(action=action, actor=actor, target=_target(impl), detail={
        "before": before, "after": {"acceptance_mode": acceptance_mode, "steps": cleaned,
                                    "handled_externally": handled_externally, "fee_amount_fen": fee_amount_fen},
        "reason": reason})
    return _data(impl, config)
