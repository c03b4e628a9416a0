"""Validation of submitted form data: the JSON Schema first (shape, options, required fields), then the checks
that need more (ID number and credit code check characters, real regions, dates relative to today).

Every problem is reported at once, each as an :class:`~tongban.core.errors.Issue` with the field path
(``children[0].name``), a stable code and a Chinese message that names the field's label.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, ValidationError

from tongban.catalog.forms.schema import object_schema
from tongban.catalog.forms.spec import REGION_LEVELS, FormField, FormSpec, PrefilledValue
from tongban.core.errors import Issue, ValidationFailed
from tongban.directory import selectors as directory_selectors
from tongban.identity.interface import (
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

CHINA_TZ = ZoneInfo("Asia/Shanghai")
EMAIL_RE = re.compile(r"^[^@\s\"<>]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*"
                      r"[A-Za-z0-9])?)+$")
TYPE_LABELS = {"string": "文字", "number": "数字", "integer": "整数", "array": "多项内容（列表）",
               "object": "一组内容", "boolean": "是或否"}
SPECIAL_KINDS = ("id_number", "credit_code", "phone")
_MISSING = object()


def _quote(label: str) -> str:
    return f"“{label}”"


def _today() -> datetime.date:
    return datetime.datetime.now(CHINA_TZ).date()


# ------------------------------------------------------------------ normalising what was submitted


def _normalize(field: FormField, raw: Any) -> Any:
    """Trim text, make codes half-width (the identity normalisers) and turn empty values into ``_MISSING``.
    Anything of the wrong type is left as it is for the schema to report."""
    if raw is None:
        return _MISSING
    kind = field.kind
    if isinstance(raw, str):
        if kind == "id_number":
            text = normalize_id_number(raw)
        elif kind == "credit_code":
            text = normalize_credit_code(raw)
        elif kind == "phone":
            text = normalize_mobile(raw.strip())
        elif kind in ("region", "date", "choice", "email"):
            text = raw.strip()
        else:
            text = raw.strip().replace("\r\n", "\n")
        return text if text else _MISSING
    if isinstance(raw, list):
        if kind == "multichoice":
            items = [item.strip() if isinstance(item, str) else item for item in raw]
            return items or _MISSING
        if kind == "rows":
            rows = [_normalize_row(field, row) if isinstance(row, Mapping) else row for row in raw]
            return rows or _MISSING
        return raw or _MISSING
    if isinstance(raw, Mapping) and kind == "address":
        cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in raw.items()}
        cleaned = {key: value for key, value in cleaned.items() if value not in ("", None)}
        return cleaned or _MISSING
    return raw


def _normalize_row(field: FormField, row: Mapping[str, Any]) -> dict[str, Any]:
    subfields = {sub.name: sub for sub in field.subfields}
    out: dict[str, Any] = {}
    for key, value in row.items():
        normalized = _normalize(subfields[key], value) if key in subfields else value
        if normalized is not _MISSING:
            out[key] = normalized
    return out


# ------------------------------------------------------------------ conditional fields


def _matches(value: Any, accepted: Sequence[str]) -> bool:
    if isinstance(value, list):
        return any(str(item) in accepted for item in value)
    if value is None or value is _MISSING:
        return False
    return str(value) in accepted


def visible_names(fields: Sequence[FormField], values: Mapping[str, Any]) -> set[str]:
    """The names of the fields shown for these values: a field is shown when every field its condition names is
    itself shown and holds one of the accepted values."""
    by_name = {f.name: f for f in fields}
    memo: dict[str, bool] = {}

    def shown(name: str, trail: frozenset[str] = frozenset()) -> bool:
        if name in memo:
            return memo[name]
        field = by_name.get(name)
        if field is None or name in trail:
            return False
        result = all(shown(ref, trail | {name}) and _matches(values.get(ref), accepted)
                     for ref, accepted in field.visible_when)
        memo[name] = result
        return result

    return {f.name for f in fields if shown(f.name)}


def _drop_hidden(fields: Sequence[FormField], values: dict[str, Any]) -> dict[str, Any]:
    visible = visible_names(fields, values)
    kept = {name: value for name, value in values.items() if name in visible or name not in {f.name for f in fields}}
    for field in fields:
        if field.kind == "rows" and isinstance(kept.get(field.name), list):
            kept[field.name] = [_drop_hidden(field.subfields, row) if isinstance(row, dict) else row
                                for row in kept[field.name]]
    return kept


# ------------------------------------------------------------------ describing a path


class _Where:
    """A field path (``children[0].name``) and how to name it in a message (“子女信息”第1行的“姓名”)."""

    def __init__(self, fields: Sequence[FormField], parts: Sequence[str | int]) -> None:
        self.field: FormField | None = None
        self.parent: FormField | None = None
        self.row: int | None = None
        self.part = ""  # address: region | detail; multichoice: the item
        path = ""
        current: Sequence[FormField] = fields
        names: list[str] = []
        for part in parts:
            if isinstance(part, int):
                path += f"[{part}]"
                if self.field is not None and self.field.kind == "rows":
                    self.parent, self.row = self.field, part
                    current = self.field.subfields
                continue
            path += f".{part}" if path else part
            match = next((f for f in current if f.name == part), None) if current else None
            if match is not None and (self.field is None or self.field.kind == "rows"):
                self.field = match
                current = match.subfields
                names.append(match.label)
            elif self.field is not None and self.field.kind == "address":
                self.part = str(part)
        self.path = path
        if self.parent is not None and self.row is not None and self.field is not self.parent:
            self.label = _("%(rows)s第%(n)d行的%(f)s") % {"rows": _quote(self.parent.label), "n": self.row + 1,
                                                          "f": _quote(self.field.label if self.field else "")}
        elif self.parent is not None and self.row is not None:
            self.label = _("%(rows)s第%(n)d行") % {"rows": _quote(self.parent.label), "n": self.row + 1}
        else:
            self.label = _quote(self.field.label) if self.field else _("申请表")
        if self.field is not None and self.field.kind == "address" and self.part:
            self.label += _("的所在地区") if self.part == "region" else _("的详细地址")


def _child_where(fields: Sequence[FormField], parts: Sequence[str | int], name: str) -> _Where:
    return _Where(fields, [*parts, name])


# ------------------------------------------------------------------ schema errors → issues


def _schema_issues(fields: Sequence[FormField], error: ValidationError) -> list[Issue]:
    parts = list(error.absolute_path)
    where = _Where(fields, parts)
    field = where.field
    kind = field.kind if field else ""
    validator = error.validator
    if validator == "required":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        issues = []
        for name in error.validator_value:
            if name in instance:
                continue
            child = _child_where(fields, parts, name)
            issues.append(Issue(code="required", field=child.path, message=_("请填写%(f)s。") % {"f": child.label}))
        return issues
    if validator == "additionalProperties":
        instance = error.instance if isinstance(error.instance, Mapping) else {}
        known = set((error.schema or {}).get("properties", {}))
        return [Issue(code="unknown_field", field=f"{where.path}.{name}" if where.path else str(name),
                      message=_("%(w)s中没有“%(n)s”这一项。") % {"w": where.label, "n": name})
                for name in instance if name not in known]
    if validator == "type":
        expected = error.validator_value
        label = TYPE_LABELS.get(expected if isinstance(expected, str) else "", str(expected))
        return [Issue(code="wrong_type", field=where.path,
                      message=_("%(f)s应填写%(t)s。") % {"f": where.label, "t": label})]
    if validator == "enum":
        return [Issue(code="not_an_option", field=where.path,
                      message=_("%(f)s的“%(v)s”不是可选项，请从给出的选项中选择。") % {"f": where.label,
                                                                         "v": error.instance})]
    if validator == "minItems":
        if kind == "rows" and where.row is None:
            return [Issue(code="too_few_rows", field=where.path,
                          message=_("%(f)s至少填写%(n)d行。") % {"f": where.label, "n": error.validator_value})]
        return [Issue(code="required", field=where.path, message=_("请选择%(f)s。") % {"f": where.label})]
    if validator == "maxItems":
        return [Issue(code="too_many_rows", field=where.path,
                      message=_("%(f)s最多填写%(n)d行。") % {"f": where.label, "n": error.validator_value})]
    if validator == "uniqueItems":
        return [Issue(code="duplicate_option", field=where.path,
                      message=_("%(f)s中有重复的选项。") % {"f": where.label})]
    if validator == "maxLength":
        return [Issue(code="too_long", field=where.path,
                      message=_("%(f)s不能超过%(n)d个字。") % {"f": where.label, "n": error.validator_value})]
    if validator == "minLength":
        return [Issue(code="required", field=where.path, message=_("请填写%(f)s。") % {"f": where.label})]
    if validator in ("minimum", "exclusiveMinimum"):
        return [Issue(code="too_small", field=where.path,
                      message=_("%(f)s不能小于%(n)s。") % {"f": where.label, "n": error.validator_value})]
    if validator in ("maximum", "exclusiveMaximum"):
        return [Issue(code="too_large", field=where.path,
                      message=_("%(f)s不能大于%(n)s。") % {"f": where.label, "n": error.validator_value})]
    if validator == "format" and error.validator_value == "date":
        return [Issue(code="invalid_date", field=where.path,
                      message=_("%(f)s不是有效的日期，请按“年-月-日”填写，如2026-03-01。") % {"f": where.label})]
    if validator == "format" and error.validator_value == "email":
        return [Issue(code="invalid_email", field=where.path,
                      message=_("%(f)s不是有效的电子邮箱地址。") % {"f": where.label})]
    if validator == "pattern":
        if kind in SPECIAL_KINDS:
            return []  # the identity validators give the precise reason (see _check_value)
        return [Issue(code="unknown_region", field=where.path,
                      message=_("%(f)s请从列表中选择一个地区。") % {"f": where.label})]
    return [Issue(code="invalid", field=where.path, message=_("%(f)s的填写不符合要求。") % {"f": where.label})]


# ------------------------------------------------------------------ checks beyond the schema


def _identity_issues(error: ValidationFailed, where: _Where) -> list[Issue]:
    return [Issue(code=issue.code, field=where.path, message=f"{where.label}：{issue.message}")
            for issue in (error.issues or [Issue(code=error.code, message=error.message)])]


def _date_bound(text: str) -> datetime.date | None:
    if not text:
        return None
    if text == "today":
        return _today()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _region_issue(field: FormField, code: str, where: _Where) -> Issue | None:
    region = directory_selectors.region_get(code=code)
    if region is None or region.level < 2 or region.level > 4:
        return Issue(code="unknown_region", field=where.path,
                     message=_("%(f)s请从列表中选择一个地区。") % {"f": where.label})
    root = directory_selectors.region_get(code=field.region_root) if field.region_root else None
    if root is not None and not code.startswith(root.prefix):
        return Issue(code="region_out_of_scope", field=where.path,
                     message=_("%(f)s应在%(r)s范围内。") % {"f": where.label, "r": root.name})
    needed = REGION_LEVELS.get(field.region_level, 3)
    if region.level < needed and directory_selectors.region_list_children(code=code).filter(level__lte=4).exists():
        return Issue(code="region_too_coarse", field=where.path,
                     message=_("%(f)s请继续选择到%(l)s。") % {
                         "f": where.label, "l": {2: _("州（市）"), 3: _("县（市、区）"), 4: _("乡镇（街道）")}[needed]})
    return None


def _check_value(field: FormField, value: Any, where: _Where, fields: Sequence[FormField],
                 parts: list[str | int], flagged: set[str]) -> tuple[Any, list[Issue]]:
    """The cleaned value and the problems the schema cannot see (the schema has passed for this value)."""
    kind = field.kind
    try:
        if kind == "id_number":
            return validate_id_number(value, field=where.path), []
        if kind == "credit_code":
            return validate_credit_code(value, field=where.path), []
        if kind == "phone":
            return validate_mobile(value, field=where.path), []
    except ValidationFailed as error:
        return value, _identity_issues(error, where)
    if kind == "email" and not EMAIL_RE.fullmatch(value):
        return value, [Issue(code="invalid_email", field=where.path,
                             message=_("%(f)s不是有效的电子邮箱地址。") % {"f": where.label})]
    if kind == "number" and isinstance(value, float) and not math.isfinite(value):
        return value, [Issue(code="wrong_type", field=where.path, message=_("%(f)s应填写数字。") % {"f": where.label})]
    if kind == "date":
        day = datetime.date.fromisoformat(value)
        low, high = _date_bound(field.min_date), _date_bound(field.max_date)
        if low and day < low:
            message = (_("%(f)s不能早于今天。") if field.min_date == "today"
                       else _("%(f)s不能早于%(d)s。")) % {"f": where.label, "d": low.isoformat()}
            return value, [Issue(code="date_too_early", field=where.path, message=message)]
        if high and day > high:
            message = (_("%(f)s不能晚于今天。") if field.max_date == "today"
                       else _("%(f)s不能晚于%(d)s。")) % {"f": where.label, "d": high.isoformat()}
            return value, [Issue(code="date_too_late", field=where.path, message=message)]
    if kind == "region":
        issue = _region_issue(field, value, where)
        return value, [issue] if issue else []
    if kind == "address":
        region_where = _Where(fields, [*parts, "region"])
        if "region" not in value or region_where.path in flagged:
            return value, []
        issue = _region_issue(field, value["region"], region_where)
        return value, [issue] if issue else []
    if kind == "rows":
        cleaned_rows, issues = [], []
        for index, row in enumerate(value):
            cleaned_row, row_issues = _check_object(field.subfields, row, fields, [*parts, index], flagged)
            cleaned_rows.append(cleaned_row)
            issues += row_issues
        return cleaned_rows, issues
    return value, []


def _check_object(fields: Sequence[FormField], values: Mapping[str, Any], root: Sequence[FormField],
                  parts: list[str | int], flagged: set[str]) -> tuple[dict[str, Any], list[Issue]]:
    """Check each value whose own path (and, except for rows and addresses, every path below it) passed the
    schema; rows are checked row by row so that every problem of every row is listed."""
    cleaned: dict[str, Any] = dict(values)
    issues: list[Issue] = []
    for field in fields:
        if field.name not in values:
            continue
        where = _Where(root, [*parts, field.name])
        below = (f"{where.path}.", f"{where.path}[")
        value = values[field.name]
        if field.kind == "rows":
            if not isinstance(value, list) or not all(isinstance(row, Mapping) for row in value):
                continue
        elif where.path in flagged or (field.kind != "address" and any(p.startswith(below) for p in flagged)):
            continue
        value, found = _check_value(field, value, where, root, [*parts, field.name], flagged)
        cleaned[field.name] = value
        issues += found
    return cleaned, issues


def _same(field: FormField, submitted: Any, prefilled: Any) -> bool:
    expected = _normalize(field, prefilled)
    if field.kind == "address" and isinstance(submitted, Mapping) and isinstance(expected, Mapping):
        return dict(submitted) == dict(expected)
    return submitted == expected


def form_validate(
    *, spec: FormSpec, data: Mapping[str, Any] | Any, partial: bool = False,
    prefilled: Mapping[str, PrefilledValue] | None = None,
) -> dict[str, Any]:
    """The cleaned values of the fields shown, or :class:`ValidationFailed` listing every problem.

    ``partial=True`` for drafts: types, options and formats are checked, required fields and minimum row counts
    are not. Values of hidden conditional fields are dropped, never validated. ``prefilled`` (from
    :func:`~tongban.catalog.forms.form_prefill`): a locked value that was changed is refused (``prefill_locked``);
    one left out is taken as prefilled.
    """
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("申请表数据格式不正确。"),
                               issues=[Issue(code="wrong_type", field="", message=_("申请表数据格式不正确。"))])
    fields = spec.fields
    by_name = {f.name: f for f in fields}
    issues: list[Issue] = []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        field = by_name.get(key)
        if field is None:
            issues.append(Issue(code="unknown_field", field=str(key),
                                message=_("申请表中没有“%(n)s”这一项。") % {"n": key}))
            continue
        normalized = _normalize(field, raw)
        if normalized is not _MISSING:
            values[key] = normalized
    for name, offered in (prefilled or {}).items():
        field = by_name.get(name)
        if field is None or not offered.locked:
            continue
        if name not in values:
            values[name] = _normalize(field, offered.value)
        elif not _same(field, values[name], offered.value):
            issues.append(Issue(code="prefill_locked", field=name, message=_(
                "%(f)s来自%(s)s，已核验，不能修改；如信息有误，请先申请更正。") % {
                "f": _quote(field.label), "s": offered.source_label}))
    values = _drop_hidden(fields, values)
    schema = object_schema(fields, partial=True) if partial else spec.schema
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    flagged: set[str] = {issue.field for issue in issues}
    for error in sorted(validator.iter_errors(values), key=lambda e: [str(p) for p in e.absolute_path]):
        for issue in _schema_issues(fields, error):
            if (issue.field, issue.code) not in {(i.field, i.code) for i in issues} and issue.field not in flagged:
                issues.append(issue)
    flagged = {issue.field for issue in issues}
    cleaned, found = _check_object(fields, {k: v for k, v in values.items() if k in by_name}, fields, [], flagged)
    issues += found
    if issues:
        raise ValidationFailed(_("申请表有%(n)d处需要修改。") % {"n": len(issues)}, code=issues[0].code, issues=issues)
    return {name: cleaned.get(name, values[name]) for name in values if name in by_name}
