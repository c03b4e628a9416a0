"""Consistency rules of the item catalogue (事项要素一致性校验).

Each rule has a stable code, names the field it concerns and says in Chinese what to fix. Publishing an
item or an implementation runs every rule and is refused if any fails, listing every failure at once.
The rules are those used by real item quality checks (``../shared/design/domain.md``, "Item").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.models.codes import (
    AssuranceLevel,
    Audience,
    CaseType,
    HandlingForm,
    ItemType,
    LimitUnit,
    OnlineDepth,
    ResultType,
    Scope,
    ServiceObject,
)
from tongban.core.errors import Issue

BASIC_CODE_RE = re.compile(r"^\d{12}$")
PHONE_RE = re.compile(r"^[0-9\-－—()（）\s/、，,转]{5,64}$")
EXERCISE_LEVELS = {"1", "2", "3", "4", "5", "6", "7"}
ORGANIZATION_OBJECTS = {
    ServiceObject.ENTERPRISE, ServiceObject.PUBLIC_INSTITUTION, ServiceObject.SOCIAL_ORGANIZATION,
    ServiceObject.GOVERNMENT, ServiceObject.OTHER_ORGANIZATION,
}


@dataclass(frozen=True)
class Rule:
    code: str
    title: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in [
        Rule("R01", "即办承诺对应即办件，否则为承诺件"),
        Rule("R02", "网办深度Ⅳ级（全程网办）时到现场次数为0"),
        Rule("R03", "到现场次数大于0时须说明原因"),
        Rule("R04", "收费事项须有收费依据和收费项目"),
        Rule("R05", "有结果名称时须有结果类型和结果样本"),
        Rule("R06", "服务对象与服务主题分类（自然人/法人）一致"),
        Rule("R07", "办理环节时限之和不超过承诺时限"),
        Rule("R08", "咨询电话与监督投诉电话不同"),
        Rule("R09", "承诺时限不超过法定时限"),
        Rule("R10", "必填要素齐全且取值合法"),
    ]
}


def _issue(rule: str, field: str, message: str) -> Issue:
    return Issue(code=rule, field=field, message=f"{_('规则')}{rule}（{_(RULES[rule].title)}）：{message}")


def _limit_in_working_days(value: int, unit: str) -> float:
    """Compare limits across units: 5 working days ≈ 7 natural days."""
    return value if unit == LimitUnit.WORKING_DAY else value * 5 / 7


def check_item(data: Mapping[str, Any], materials: Sequence[Mapping[str, Any]]) -> list[Issue]:
    """Every rule that concerns the basic item's elements. ``data`` holds ItemVersion field values."""
    issues: list[Issue] = []
    issues += _check_required(data, materials)
    promised = int(data.get("promised_limit_value") or 0)
    legal = int(data.get("legal_limit_value") or 0)
    case_type = data.get("case_type")
    if promised == 0 and case_type != CaseType.IMMEDIATE:
        issues.append(_issue("R01", "case_type", _("承诺时限为即办（0个工作日），办件类型应为“即办件”。")))
    if promised > 0 and case_type == CaseType.IMMEDIATE:
        issues.append(_issue("R01", "case_type", _("承诺时限大于0，办件类型应为“承诺件”，或把承诺时限改为0（即办）。")))
    visits = int(data.get("visit_count") or 0)
    if data.get("online_depth") == OnlineDepth.FULLY_ONLINE and visits != 0:
        issues.append(_issue("R02", "visit_count", _("网办深度为Ⅳ级（全程网办），到现场次数必须为0。")))
    if visits > 0 and not (data.get("visit_reason") or "").strip():
        issues.append(_issue("R03", "visit_reason", _("到现场次数为%(n)d次，请填写必须到现场的原因。") % {"n": visits}))
    if data.get("fee_charged"):
        if not (data.get("fee_basis") or "").strip():
            issues.append(_issue("R04", "fee_basis", _("该事项收费，请填写收费依据。")))
        fee_items = data.get("fee_items") or []
        if not fee_items or any(not (f.get("name") and f.get("standard")) for f in fee_items):
            issues.append(_issue("R04", "fee_items", _("该事项收费，请逐项填写收费项目名称和收费标准。")))
    if (data.get("result_name") or "").strip():
        if data.get("result_type") not in ResultType.values:
            issues.append(_issue("R05", "result_type", _("已填写结果名称，请选择结果类型（出证、出文或审批）。")))
        if not (data.get("result_sample") or "").strip():
            issues.append(_issue("R05", "result_sample", _("已填写结果名称，请提供结果样本。")))
    issues += _check_audience(data)
    issues += check_steps_within_limit(data.get("process") or [], promised, data.get("promised_limit_unit"))
    if legal and _limit_in_working_days(promised, data.get("promised_limit_unit") or LimitUnit.WORKING_DAY) > \
            _limit_in_working_days(legal, data.get("legal_limit_unit") or LimitUnit.WORKING_DAY):
        issues.append(_issue("R09", "promised_limit_value",
                             _("承诺时限（%(p)d）超过了法定时限（%(l)d），请缩短承诺时限。") % {"p": promised, "l": legal}))
    return issues


def _check_audience(data: Mapping[str, Any]) -> list[Issue]:
    objects = set(data.get("service_objects") or [])
    audience = data.get("audience")
    if audience == Audience.PERSON and ServiceObject.NATURAL_PERSON not in objects:
        return [_issue("R06", "service_objects", _("事项属于自然人主题，服务对象应包含“自然人”。"))]
    if audience == Audience.ORGANIZATION and not objects & set(ORGANIZATION_OBJECTS):
        return [_issue("R06", "service_objects", _("事项属于法人主题，服务对象应包含至少一类法人或组织。"))]
    return []


def check_steps_within_limit(steps: Iterable[Mapping[str, Any]], promised: int, unit: str | None) -> list[Issue]:
    """Step budgets are counted in the unit of the promised limit (工作日 or 自然日)."""
    total = 0
    for index, step in enumerate(steps, start=1):
        try:
            days = int(step.get("days", 0))
        except (TypeError, ValueError):
            return [_issue("R07", "process", _("第%(i)d个办理环节的时限不是整数。") % {"i": index})]
        if days < 0:
            return [_issue("R07", "process", _("第%(i)d个办理环节的时限不能为负数。") % {"i": index})]
        total += days
    if total > promised:
        unit_label = _("个自然日") if unit == LimitUnit.NATURAL_DAY else _("个工作日")
        return [_issue("R07", "process", _("各办理环节时限之和为%(t)d%(u)s，超过了承诺时限%(p)d%(u)s。") % {
            "t": total, "p": promised, "u": unit_label})]
    return []


def _check_required(data: Mapping[str, Any], materials: Sequence[Mapping[str, Any]]) -> list[Issue]:
    issues: list[Issue] = []

    def missing(field: str, label: str) -> None:
        issues.append(_issue("R10", field, _("请填写“%(label)s”。") % {"label": label}))

    for field, label in [("name", "事项名称"), ("acceptance_conditions", "受理条件")]:
        if not (data.get(field) or "").strip():
            missing(field, _(label))
    if data.get("item_type") not in ItemType.values:
        issues.append(_issue("R10", "item_type", _("事项类型不在代码表中（01–10、20）。")))
    if data.get("audience") not in Audience.values:
        issues.append(_issue("R10", "audience", _("请选择服务主题分类：自然人或法人。")))
    if data.get("case_type") not in CaseType.values:
        issues.append(_issue("R10", "case_type", _("请选择办件类型。")))
    if data.get("scope") not in Scope.values:
        issues.append(_issue("R10", "scope", _("通办范围取值不合法。")))
    if data.get("min_assurance") not in AssuranceLevel.values:
        issues.append(_issue("R10", "min_assurance", _("请选择办理所需的身份等级。")))
    if data.get("online_depth") not in OnlineDepth.values:
        issues.append(_issue("R10", "online_depth", _("网办深度应为Ⅰ–Ⅳ级。")))
    for unit_field in ("legal_limit_unit", "promised_limit_unit"):
        if data.get(unit_field) not in LimitUnit.values:
            issues.append(_issue("R10", unit_field, _("时限单位应为工作日或自然日。")))
    objects = data.get("service_objects") or []
    if not objects or not set(objects) <= set(ServiceObject.values):
        issues.append(_issue("R10", "service_objects", _("请选择服务对象（代码表中的取值）。")))
    levels = data.get("exercise_levels") or []
    if not levels or not set(levels) <= EXERCISE_LEVELS:
        issues.append(_issue("R10", "exercise_levels", _("请选择行使层级。")))
    forms = data.get("handling_forms") or []
    if not forms or not set(forms) <= set(HandlingForm.values):
        issues.append(_issue("R10", "handling_forms", _("请选择办理形式。")))
    basis = data.get("legal_basis") or []
    if not basis or any(not (b.get("law") and b.get("article")) for b in basis):
        issues.append(_issue("R10", "legal_basis", _("请填写设定依据：法律法规名称及条款。")))
    if not data.get("process"):
        issues.append(_issue("R10", "process", _("请填写办理流程。")))
    for index, material in enumerate(materials, start=1):
        if not (material.get("name") or "").strip():
            issues.append(_issue("R10", f"materials[{index}].name", _("第%(i)d项申请材料缺少名称。") % {"i": index}))
    return issues


def check_basic_code(code: str) -> list[Issue]:
    if not BASIC_CODE_RE.match(code or ""):
        return [_issue("R10", "basic_code", _("基本编码应为12位数字。"))]
    return []


def check_implementation(data: Mapping[str, Any], item: Mapping[str, Any]) -> list[Issue]:
    """Rules for an implementation's local elements, against the item version it inherits from."""
    issues: list[Issue] = []
    for field, label in [("address", "办理地点"), ("hours", "办理时间"), ("consult_phone", "咨询电话"),
                         ("supervise_phone", "监督投诉电话")]:
        if not (data.get(field) or "").strip():
            issues.append(_issue("R10", field, _("请填写“%(label)s”。") % {"label": _(label)}))
    for field in ("consult_phone", "supervise_phone"):
        value = (data.get(field) or "").strip()
        if value and not PHONE_RE.match(value):
            issues.append(_issue("R10", field, _("电话号码格式不正确，只能包含数字和“-”。")))
    consult = _digits(data.get("consult_phone"))
    supervise = _digits(data.get("supervise_phone"))
    if consult and consult == supervise:
        issues.append(_issue("R08", "supervise_phone", _("监督投诉电话不能与咨询电话相同，请填写独立的监督渠道。")))
    promised = int(data.get("promised_limit_value") or 0)
    unit = data.get("promised_limit_unit") or LimitUnit.WORKING_DAY
    legal = int(item.get("legal_limit_value") or 0)
    legal_unit = item.get("legal_limit_unit") or LimitUnit.WORKING_DAY
    if _limit_in_working_days(promised, unit) > _limit_in_working_days(legal, legal_unit):
        issues.append(_issue("R09", "promised_limit_value",
                             _("承诺时限（%(p)d）超过了事项的法定时限（%(l)d），请缩短承诺时限。") % {"p": promised, "l": legal}))
    case_type = item.get("case_type")
    if promised == 0 and case_type != CaseType.IMMEDIATE:
        issues.append(_issue("R01", "promised_limit_value", _("事项为承诺件，承诺时限不能为0（即办）。")))
    if promised > 0 and case_type == CaseType.IMMEDIATE:
        issues.append(_issue("R01", "promised_limit_value", _("事项为即办件，承诺时限应为0（当场办结）。")))
    issues += check_steps_within_limit(item.get("process") or [], promised, unit)
    return issues


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))
