"""The compact form definition that administrators edit (never raw JSON Schema), and its checks.

A definition is stored as JSON on the item version (默认表单) or the implementation version (本地表单)::

    {"title": "出生登记申请表",
     "sections": [{"key": "child", "title": "新生儿信息", "help": ""}],
     "fields": [{"name": "child_name", "label": "新生儿姓名", "kind": "text", "required": true,
                 "section": "child", "prefill": null, "visible_when": {"has_father": "yes"}, ...}]}

Kind-specific keys: ``max_length`` and ``placeholder`` (text, textarea, address), ``min``/``max``/``integer``/
``unit`` (number), ``min``/``max`` as ``today`` or ``YYYY-MM-DD`` (date), ``options`` as ``[[value, label]]`` and
``widget`` ``select``/``radio`` (choice, multichoice), ``level`` ``prefecture``/``county``/``township`` and ``root``
(region, address), ``fields``/``min_rows``/``max_rows`` (rows), ``material`` (attachment: the name of one of
the item's materials). Saving runs :func:`definition_check`, which reports every problem as a rule-like issue
(F01–F06) naming the field; publishing runs it again against the item's materials in force.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.forms.prefill import prefill_source_problem
from tongban.catalog.forms.spec import (
    DEFAULT_SECTION,
    KINDS,
    REGION_LEVELS,
    ROW_KINDS,
    FormField,
    FormSection,
)
from tongban.core.errors import Issue

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
REGION_CODE_RE = re.compile(r"^\d{12}$")
MAX_FIELDS = 200
MAX_OPTIONS = 200
DEFAULT_TEXT_LENGTH = {"text": 200, "textarea": 2000, "address": 200}
LIMIT_TEXT_LENGTH = 5000
RULE_TITLES = {
    "F01": "字段名称唯一且规范",
    "F02": "字段类型和设置有效",
    "F03": "显示条件引用的字段存在",
    "F04": "预填来源已知",
    "F05": "附件栏对应本事项的申请材料",
    "F06": "标签和分组齐全",
}
FIELD_KEYS = {
    "name", "label", "kind", "required", "section", "help", "prefill", "visible_when", "placeholder", "max_length",
    "min", "max", "integer", "unit", "options", "widget", "level", "root", "fields", "min_rows", "max_rows",
    "material",
}


def _issue(rule: str, path: str, message: str) -> Issue:
    return Issue(code=rule, field=path, message=f"{rule} {_(RULE_TITLES[rule])}：{message}")


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def _as_options(raw: Any) -> list[list[str]]:
    """``[[value, label]]``, ``[{"value", "label"}]`` or ``["value"]`` → ``[[value, label]]``."""
    options: list[list[str]] = []
    for entry in raw or []:
        if isinstance(entry, Mapping):
            value, label = _text(entry.get("value")), _text(entry.get("label"))
        elif isinstance(entry, list | tuple) and entry:
            value = _text(entry[0])
            label = _text(entry[1]) if len(entry) > 1 else value
        else:
            value = label = _text(entry)
        options.append([value, label or value])
    return options


def _as_conditions(raw: Any) -> dict[str, list[str]]:
    if not isinstance(raw, Mapping):
        return {}
    conditions: dict[str, list[str]] = {}
    for name, accepted in raw.items():
        values = accepted if isinstance(accepted, list | tuple) else [accepted]
        conditions[_text(name)] = [_text(v) for v in values if _text(v)]
    return conditions


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def normalize_field(raw: Mapping[str, Any], *, in_rows: bool = False) -> dict[str, Any]:
    """One field definition in its canonical stored shape: known keys only, defaults left out."""
    kind = _text(raw.get("kind")) or "text"
    out: dict[str, Any] = {"name": _text(raw.get("name")), "label": _text(raw.get("label")), "kind": kind}
    if raw.get("required"):
        out["required"] = True
    for key in ("help", "placeholder", "unit", "material", "root"):
        if _text(raw.get(key)):
            out[key] = _text(raw.get(key))
    if not in_rows and _text(raw.get("section")) and _text(raw.get("section")) != DEFAULT_SECTION:
        out["section"] = _text(raw.get("section"))
    if _text(raw.get("prefill")):
        out["prefill"] = _text(raw.get("prefill"))
    conditions = _as_conditions(raw.get("visible_when"))
    if conditions:
        out["visible_when"] = conditions
    if kind in ("text", "textarea", "address") and raw.get("max_length") not in (None, ""):
        out["max_length"] = _int(raw.get("max_length"), DEFAULT_TEXT_LENGTH.get(kind, 200))
    if kind in ("number", "date"):
        for key in ("min", "max"):
            if raw.get(key) not in (None, ""):
                out[key] = raw[key] if kind == "number" else _text(raw[key])
        if kind == "number" and raw.get("integer"):
            out["integer"] = True
    if kind in ("choice", "multichoice"):
        out["options"] = _as_options(raw.get("options"))
        if kind == "choice" and _text(raw.get("widget")) in ("select", "radio"):
            out["widget"] = _text(raw.get("widget"))
    if kind in ("region", "address"):
        out["level"] = _text(raw.get("level")) or "county"
    if kind == "rows":
        out["min_rows"] = _int(raw.get("min_rows"), 0)
        out["max_rows"] = _int(raw.get("max_rows"), 20)
        out["fields"] = [normalize_field(sub, in_rows=True) for sub in raw.get("fields") or []
                         if isinstance(sub, Mapping)]
    return out


def definition_normalize(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The canonical stored shape of a definition (what is saved and compared between versions)."""
    raw = raw or {}
    sections = []
    for section in raw.get("sections") or []:
        if isinstance(section, Mapping):
            entry = {"key": _text(section.get("key")), "title": _text(section.get("title"))}
            if _text(section.get("help")):
                entry["help"] = _text(section.get("help"))
            sections.append(entry)
    out: dict[str, Any] = {}
    if _text(raw.get("title")):
        out["title"] = _text(raw.get("title"))
    out["sections"] = sections
    out["fields"] = [normalize_field(f) for f in raw.get("fields") or [] if isinstance(f, Mapping)]
    return out


def _widget(kind: str, raw: Mapping[str, Any]) -> str:
    """choice: as stored, else radio buttons for up to 4 options and a drop-down beyond; multichoice: checkboxes."""
    if kind == "multichoice":
        return "checkbox"
    if kind != "choice":
        return ""
    return raw.get("widget") or ("radio" if len(raw.get("options") or []) <= 4 else "select")


def _field_from(raw: Mapping[str, Any]) -> FormField:
    kind = raw.get("kind", "text")
    return FormField(
        name=raw.get("name", ""), label=raw.get("label", ""), kind=kind, required=bool(raw.get("required")),
        prefill=raw.get("prefill") or None, options=tuple((o[0], o[1]) for o in _as_options(raw.get("options"))),
        help=raw.get("help", ""), section=raw.get("section") or DEFAULT_SECTION,
        visible_when=tuple((name, tuple(values)) for name, values in _as_conditions(raw.get("visible_when")).items()),
        widget=_widget(kind, raw),
        placeholder=raw.get("placeholder", ""),
        max_length=(_int(raw.get("max_length"), DEFAULT_TEXT_LENGTH[kind]) if kind in DEFAULT_TEXT_LENGTH else None),
        min_value=_number(raw.get("min")) if kind == "number" else None,
        max_value=_number(raw.get("max")) if kind == "number" else None,
        integer=bool(raw.get("integer")), unit=raw.get("unit", ""),
        min_date=_text(raw.get("min")) if kind == "date" else "",
        max_date=_text(raw.get("max")) if kind == "date" else "",
        region_level=raw.get("level") or "county", region_root=raw.get("root", ""),
        min_rows=_int(raw.get("min_rows"), 0), max_rows=_int(raw.get("max_rows"), 20),
        subfields=tuple(_field_from(sub) for sub in raw.get("fields") or []) if kind == "rows" else (),
        material=raw.get("material", ""),
    )


def definition_fields(definition: Mapping[str, Any] | None) -> tuple[FormField, ...]:
    """The fields of a (checked) definition, in order."""
    return tuple(_field_from(f) for f in definition_normalize(definition)["fields"])


def definition_sections(definition: Mapping[str, Any] | None) -> tuple[FormSection, ...]:
    """The sections in order; fields without a known section go to a default one (申请信息) at the end."""
    normalized = definition_normalize(definition)
    sections = [FormSection(key=s["key"], title=s["title"], help=s.get("help", "")) for s in normalized["sections"]]
    keys = {s.key for s in sections}
    if any(f.get("section", DEFAULT_SECTION) not in keys for f in normalized["fields"]):
        sections.append(FormSection(key=DEFAULT_SECTION, title=_("申请信息")))
    return tuple(sections)


def _date_bound(value: str) -> bool:
    if value in ("", "today"):
        return True
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _check_field(raw: Mapping[str, Any], path: str, label: str, *, in_rows: bool, materials: Collection[str] | None,
                 issues: list[Issue]) -> None:
    kind = _text(raw.get("kind"))
    unknown = sorted(set(raw) - FIELD_KEYS)
    if unknown:
        issues.append(_issue("F02", path, _("%(f)s有未知的设置项：%(k)s。") % {"f": label, "k": "、".join(unknown)}))
    allowed = ROW_KINDS if in_rows else KINDS
    if kind not in allowed:
        message = (_("%(f)s的类型“%(k)s”不能用在重复行中。") if in_rows and kind in KINDS
                   else _("%(f)s的类型“%(k)s”不存在。")) % {"f": label, "k": kind or _("（空）")}
        issues.append(_issue("F02", f"{path}.kind", message))
        return
    if kind in ("text", "textarea", "address") and raw.get("max_length") not in (None, ""):
        length = raw.get("max_length")
        if isinstance(length, bool) or not isinstance(length, int | str) or not str(length).isdigit() \
                or not 1 <= int(length) <= LIMIT_TEXT_LENGTH:
            issues.append(_issue("F02", f"{path}.max_length",
                                 _("%(f)s的最大字数应为1到%(n)d之间的整数。") % {"f": label, "n": LIMIT_TEXT_LENGTH}))
    if kind == "number":
        low, high = raw.get("min"), raw.get("max")
        for key, bound in (("min", low), ("max", high)):
            if bound not in (None, "") and _number(bound) is None:
                issues.append(_issue("F02", f"{path}.{key}", _("%(f)s的取值范围应为数字。") % {"f": label}))
        low_n, high_n = _number(low), _number(high)
        if low_n is not None and high_n is not None and low_n > high_n:
            issues.append(_issue("F02", f"{path}.min", _("%(f)s的最小值大于最大值。") % {"f": label}))
    if kind == "date":
        for key in ("min", "max"):
            if not _date_bound(_text(raw.get(key))):
                issues.append(_issue("F02", f"{path}.{key}",
                                     _("%(f)s的日期范围应为“today”或“年-月-日”。") % {"f": label}))
    if kind in ("choice", "multichoice"):
        options = _as_options(raw.get("options"))
        if not options:
            issues.append(_issue("F02", f"{path}.options", _("%(f)s至少需要一个选项。") % {"f": label}))
        if len(options) > MAX_OPTIONS:
            issues.append(_issue("F02", f"{path}.options",
                                 _("%(f)s的选项不能超过%(n)d个。") % {"f": label, "n": MAX_OPTIONS}))
        values = [value for value, _label in options]
        if any(not value for value in values):
            issues.append(_issue("F02", f"{path}.options", _("%(f)s有选项没有填写取值。") % {"f": label}))
        duplicates = sorted({v for v in values if values.count(v) > 1 and v})
        if duplicates:
            issues.append(_issue("F02", f"{path}.options",
                                 _("%(f)s的选项取值重复：%(v)s。") % {"f": label, "v": "、".join(duplicates)}))
        if _text(raw.get("widget")) not in ("", "select", "radio"):
            issues.append(_issue("F02", f"{path}.widget", _("%(f)s的显示方式只能是下拉或单选按钮。") % {"f": label}))
    if kind in ("region", "address"):
        level = _text(raw.get("level")) or "county"
        if level not in REGION_LEVELS:
            issues.append(_issue("F02", f"{path}.level",
                                 _("%(f)s的区划层级应为州（市）、县（市、区）或乡镇（街道）。") % {"f": label}))
        root = _text(raw.get("root"))
        if root and not REGION_CODE_RE.fullmatch(root):
            issues.append(_issue("F02", f"{path}.root", _("%(f)s的区划范围应为12位统计用区划代码。") % {"f": label}))
    if kind == "rows":
        min_rows, max_rows = raw.get("min_rows", 0), raw.get("max_rows", 20)
        if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100 for n in (min_rows, max_rows)) \
                or min_rows > max_rows or max_rows < 1:
            issues.append(_issue("F02", f"{path}.max_rows",
                                 _("%(f)s的行数范围应为0到100之间的整数，且最少行数不大于最多行数。") % {"f": label}))
        if raw.get("required") and min_rows == 0:
            issues.append(_issue("F02", f"{path}.min_rows",
                                 _("%(f)s为必填时最少行数至少为1。") % {"f": label}))
        subfields = raw.get("fields") or []
        if not subfields:
            issues.append(_issue("F02", f"{path}.fields", _("%(f)s至少需要一个子字段。") % {"f": label}))
        _check_fields(subfields, f"{path}.fields", in_rows=True, materials=materials, issues=issues)
    if kind == "attachment":
        material = _text(raw.get("material"))
        if not material:
            issues.append(_issue("F05", f"{path}.material", _("%(f)s没有选择对应的申请材料。") % {"f": label}))
        elif materials is not None and material not in materials:
            issues.append(_issue("F05", f"{path}.material",
                                 _("%(f)s对应的申请材料“%(m)s”不在本事项的材料清单中。") % {"f": label, "m": material}))
    prefill = _text(raw.get("prefill"))
    if prefill:
        if in_rows or kind in ("rows", "attachment"):
            issues.append(_issue("F04", f"{path}.prefill", _("%(f)s不能设置预填。") % {"f": label}))
        else:
            problem = prefill_source_problem(prefill, kind=kind)
            if problem:
                issues.append(_issue("F04", f"{path}.prefill", f"{label}{problem}"))


def _check_fields(fields: Iterable[Any], base: str, *, in_rows: bool, materials: Collection[str] | None,
                  issues: list[Issue]) -> None:
    fields = list(fields)
    if len(fields) > MAX_FIELDS:
        issues.append(_issue("F02", base, _("字段不能超过%(n)d个。") % {"n": MAX_FIELDS}))
        return
    seen: dict[str, int] = {}
    kinds: dict[str, str] = {}
    options: dict[str, set[str]] = {}
    for index, raw in enumerate(fields):
        path = f"{base}[{index}]"
        if not isinstance(raw, Mapping):
            issues.append(_issue("F02", path, _("第%(n)d个字段的格式不正确。") % {"n": index + 1}))
            continue
        name, label_text = _text(raw.get("name")), _text(raw.get("label"))
        label = _("第%(n)d个字段（“%(l)s”）") % {"n": index + 1, "l": label_text or name}
        if not NAME_RE.fullmatch(name) or "__" in name:
            issues.append(_issue("F01", f"{path}.name", _(
                "%(f)s的名称“%(v)s”不符合要求：只能使用小写英文字母、数字和单个下划线，以字母开头，不超过40个字符。")
                % {"f": label, "v": name}))
        elif name in seen:
            issues.append(_issue("F01", f"{path}.name", _("%(f)s的名称“%(v)s”与第%(m)d个字段重复。")
                                 % {"f": label, "v": name, "m": seen[name] + 1}))
        else:
            seen[name] = index
            kinds[name] = _text(raw.get("kind"))
            options[name] = {value for value, _label in _as_options(raw.get("options"))}
        if not label_text:
            issues.append(_issue("F06", f"{path}.label", _("%(f)s没有填写标签（申请人看到的名称）。") % {"f": label}))
        elif len(label_text) > 100:
            issues.append(_issue("F06", f"{path}.label", _("%(f)s的标签不能超过100个字。") % {"f": label}))
        _check_field(raw, path, label, in_rows=in_rows, materials=materials, issues=issues)
    _check_conditions(fields, base, seen, kinds, options, issues)


def _check_conditions(fields: list[Any], base: str, seen: dict[str, int], kinds: dict[str, str],
                      options: dict[str, set[str]], issues: list[Issue]) -> None:
    graph: dict[str, list[str]] = {}
    for index, raw in enumerate(fields):
        if not isinstance(raw, Mapping) or raw.get("visible_when") in (None, {}, ""):
            continue
        path = f"{base}[{index}].visible_when"
        label = _("第%(n)d个字段（“%(l)s”）") % {"n": index + 1, "l": _text(raw.get("label")) or _text(raw.get("name"))}
        if not isinstance(raw.get("visible_when"), Mapping):
            issues.append(_issue("F03", path, _("%(f)s的显示条件格式不正确。") % {"f": label}))
            continue
        name = _text(raw.get("name"))
        for ref, accepted in _as_conditions(raw["visible_when"]).items():
            if ref == name:
                issues.append(_issue("F03", path, _("%(f)s的显示条件不能引用它自己。") % {"f": label}))
            elif ref not in seen:
                issues.append(_issue("F03", path, _("%(f)s的显示条件引用了不存在的字段“%(r)s”。")
                                     % {"f": label, "r": ref}))
            elif kinds.get(ref) in ("rows", "attachment"):
                issues.append(_issue("F03", path, _("%(f)s的显示条件不能引用重复行或附件栏“%(r)s”。")
                                     % {"f": label, "r": ref}))
            else:
                if not accepted:
                    issues.append(_issue("F03", path, _("%(f)s的显示条件没有给出“%(r)s”的取值。")
                                         % {"f": label, "r": ref}))
                offered = options.get(ref) or set()
                if kinds.get(ref) in ("choice", "multichoice"):
                    missing = [v for v in accepted if v not in offered]
                    if missing:
                        issues.append(_issue("F03", path, _("%(f)s的显示条件中“%(v)s”不是“%(r)s”的选项。")
                                             % {"f": label, "v": "、".join(missing), "r": ref}))
                graph.setdefault(name, []).append(ref)
    # a condition chain must not loop back (a → b → a)
    for start in graph:
        stack, visited = list(graph.get(start, [])), set()
        while stack:
            current = stack.pop()
            if current == start:
                issues.append(_issue("F03", f"{base}[{seen.get(start, 0)}].visible_when",
                                     _("字段“%(n)s”的显示条件形成了循环引用。") % {"n": start}))
                break
            if current not in visited:
                visited.add(current)
                stack.extend(graph.get(current, []))


def definition_check(raw: Any, *, materials: Collection[str] | None = None) -> list[Issue]:
    """Every problem of a definition as rule-like issues (F01–F06), each naming the field it concerns.

    ``materials``: the names of the item's materials; attachment slots must name one of them (unchecked when
    ``None``).
    """
    issues: list[Issue] = []
    if not isinstance(raw, Mapping):
        return [_issue("F02", "", _("表单定义的格式不正确。"))]
    sections = raw.get("sections") or []
    section_keys: set[str] = {DEFAULT_SECTION}
    for index, section in enumerate(sections if isinstance(sections, list) else []):
        key = _text(section.get("key")) if isinstance(section, Mapping) else ""
        title = _text(section.get("title")) if isinstance(section, Mapping) else ""
        if not NAME_RE.fullmatch(key) or key in section_keys - {DEFAULT_SECTION}:
            issues.append(_issue("F06", f"sections[{index}].key", _(
                "第%(n)d个分组的代码“%(k)s”无效或重复：只能使用小写英文字母、数字和下划线。") % {"n": index + 1, "k": key}))
        if not title:
            issues.append(_issue("F06", f"sections[{index}].title",
                                 _("第%(n)d个分组没有填写标题。") % {"n": index + 1}))
        section_keys.add(key)
    fields = raw.get("fields") or []
    if not isinstance(fields, list):
        return [*issues, _issue("F02", "fields", _("字段列表的格式不正确。"))]
    for index, field in enumerate(fields):
        if isinstance(field, Mapping) and _text(field.get("section")) not in ("", *section_keys):
            issues.append(_issue("F06", f"fields[{index}].section", _("第%(n)d个字段所在的分组“%(s)s”不存在。")
                                 % {"n": index + 1, "s": _text(field.get("section"))}))
    _check_fields(fields, "fields", in_rows=False, materials=materials, issues=issues)
    return issues


def definition_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Fields added, removed and changed (by name) between two definitions, with their labels."""
    before = {f["name"]: f for f in definition_normalize(old)["fields"]}
    after = {f["name"]: f for f in definition_normalize(new)["fields"]}
    return {
        "added": [f"{after[n]['label']}（{n}）" for n in after if n not in before],
        "removed": [f"{before[n]['label']}（{n}）" for n in before if n not in after],
        "changed": [f"{after[n]['label']}（{n}）" for n in after if n in before and before[n] != after[n]],
        "reordered": ([_("字段顺序或分组有调整")]
                      if [n for n in after if n in before] != [n for n in before if n in after]
                      or definition_normalize(old)["sections"] != definition_normalize(new)["sections"] else []),
    }
