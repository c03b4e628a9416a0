"""The workbench's form editor (申请表单编辑): the field list as plain inputs, never raw JSON Schema.

The whole editor state travels in the post (``f-<n>-<setting>`` per field), so adding, removing and moving
fields works without JavaScript: each button posts the state with an ``op`` and the page comes back changed
(nothing is saved until 保存草稿). Structured settings are one entry per line, parts separated by “|”:
options ``取值|显示文字``; sections ``代码|标题|说明``; the sub-fields of repeating rows
``名称|标签|类型|必填(是/否)|选项(取值:文字;取值:文字)``. A condition is ``字段名=取值1,取值2`` (several joined by
“;”).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.forms import KIND_LABELS, definition_normalize, prefill_choices
from tongban.catalog.forms.spec import REGION_LEVEL_LABELS

SEP = "|"
INDEX_RE = re.compile(r"^f-(\d+)-")
YES = {"1", "是", "y", "yes", "true", "必填", "on"}
# Settings shown per kind (the editor hides the others with JavaScript; without it they are all shown, labelled).
KIND_SETTINGS = {
    "options": ("choice", "multichoice"),
    "widget": ("choice",),
    "max_length": ("text", "textarea", "address"),
    "placeholder": ("text", "textarea", "address"),
    "min": ("number", "date"),
    "max": ("number", "date"),
    "integer": ("number",),
    "unit": ("number",),
    "level": ("region", "address"),
    "root": ("region", "address"),
    "min_rows": ("rows",),
    "max_rows": ("rows",),
    "subfields": ("rows",),
    "material": ("attachment",),
}


def _split(line: str) -> list[str]:
    return [part.strip() for part in line.replace("｜", SEP).split(SEP)]


def _lines(text: str) -> list[list[str]]:
    return [_split(line) for line in (text or "").splitlines() if line.strip()]


def _options_from_text(text: str) -> list[list[str]]:
    return [[row[0], row[1] if len(row) > 1 and row[1] else row[0]] for row in _lines(text)]


def _options_to_text(options: Any) -> str:
    return "\n".join(f"{value}{SEP}{label}" for value, label in options or [])


def _conditions_from_text(text: str) -> dict[str, list[str]]:
    conditions: dict[str, list[str]] = {}
    for part in re.split(r"[;；]", text or ""):
        if "=" not in part.replace("＝", "="):
            continue
        name, _eq, values = part.replace("＝", "=").partition("=")
        conditions[name.strip()] = [v.strip() for v in re.split(r"[,，、]", values) if v.strip()]
    return conditions


def _conditions_to_text(conditions: Mapping[str, Any] | None) -> str:
    return "; ".join(f"{name}={','.join(values)}" for name, values in (conditions or {}).items())


def _subfields_from_text(text: str) -> list[dict[str, Any]]:
    subfields = []
    for row in _lines(text):
        row += [""] * (5 - len(row))
        sub: dict[str, Any] = {"name": row[0], "label": row[1], "kind": row[2] or "text",
                               "required": row[3].lower() in YES}
        if row[4]:
            sub["options"] = [[pair.partition(":")[0].strip(), pair.partition(":")[2].strip() or pair.strip()]
                              for pair in re.split(r"[;；]", row[4].replace("：", ":")) if pair.strip()]
        subfields.append(sub)
    return subfields


def _subfields_to_text(subfields: Any) -> str:
    lines = []
    for sub in subfields or []:
        options = ";".join(f"{v}:{label}" for v, label in sub.get("options") or [])
        parts = [sub.get("name", ""), sub.get("label", ""), sub.get("kind", "text"),
                 _("是") if sub.get("required") else _("否")]
        if options:
            parts.append(options)
        lines.append(SEP.join(parts))
    return "\n".join(lines)


def _number_or_text(text: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def definition_from_post(post: Any) -> dict[str, Any]:
    """The definition the editor's post describes (unchecked: :func:`definition_check` reports its problems)."""
    indices = sorted({int(m.group(1)) for key in post for m in [INDEX_RE.match(key)] if m})
    fields = []
    for index in indices:
        def get(name: str, i: int = index) -> str:
            return (post.get(f"f-{i}-{name}") or "").strip()

        kind = get("kind") or "text"
        raw: dict[str, Any] = {
            "name": get("name"), "label": get("label"), "kind": kind, "required": get("required") in YES,
            "section": get("section"), "help": get("help"), "prefill": get("prefill"),
            "visible_when": _conditions_from_text(get("visible_when")),
        }
        if kind in KIND_SETTINGS["options"]:
            raw["options"] = _options_from_text(post.get(f"f-{index}-options") or "")
            raw["widget"] = get("widget")
        if kind in KIND_SETTINGS["max_length"]:
            raw["max_length"] = _number_or_text(get("max_length"))
            raw["placeholder"] = get("placeholder")
        if kind in ("number", "date"):
            raw["min"] = get("min") if kind == "date" else _number_or_text(get("min"))
            raw["max"] = get("max") if kind == "date" else _number_or_text(get("max"))
        if kind == "number":
            raw["integer"] = get("integer") in YES
            raw["unit"] = get("unit")
        if kind in KIND_SETTINGS["level"]:
            raw["level"] = get("level")
            raw["root"] = get("root")
        if kind == "rows":
            raw["min_rows"] = _number_or_text(get("min_rows")) or 0
            raw["max_rows"] = _number_or_text(get("max_rows")) or 20
            raw["fields"] = _subfields_from_text(post.get(f"f-{index}-subfields") or "")
        if kind == "attachment":
            raw["material"] = get("material")
        fields.append({key: value for key, value in raw.items() if value not in (None, "", {}, [])
                       or key in ("name", "label", "kind")})
    sections = [{"key": row[0], "title": row[1] if len(row) > 1 else "", "help": row[2] if len(row) > 2 else ""}
                for row in _lines(post.get("sections") or "")]
    return {"title": (post.get("title") or "").strip(), "sections": sections, "fields": fields}


def definition_apply_op(definition: dict[str, Any], op: str) -> dict[str, Any]:
    """``add``, ``up:<n>``, ``down:<n>``, ``remove:<n>`` on the field list (anything else: unchanged)."""
    fields = list(definition.get("fields") or [])
    action, _colon, number = op.partition(":")
    if action == "add":
        fields.append({"name": f"field_{len(fields) + 1}", "label": "", "kind": "text"})
    elif number.isdigit() and int(number) < len(fields):
        index = int(number)
        if action == "remove":
            fields.pop(index)
        elif action == "up" and index > 0:
            fields[index - 1], fields[index] = fields[index], fields[index - 1]
        elif action == "down" and index < len(fields) - 1:
            fields[index + 1], fields[index] = fields[index], fields[index + 1]
    return {**definition, "fields": fields}


def editor_rows(definition: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the editor template shows: the title, the sections as text and one row of inputs per field."""
    normalized = definition_normalize(definition) if definition else {"sections": [], "fields": []}
    raw_fields = (definition or {}).get("fields") or []
    rows = []
    for index, field in enumerate(normalized["fields"]):
        raw = raw_fields[index] if index < len(raw_fields) and isinstance(raw_fields[index], Mapping) else field
        rows.append({
            "index": index, "name": field["name"], "label": field["label"], "kind": field["kind"],
            "required": field.get("required", False), "section": field.get("section", ""),
            "help": field.get("help", ""), "prefill": field.get("prefill", ""),
            "visible_when": _conditions_to_text(field.get("visible_when")),
            "options": _options_to_text(field.get("options")), "widget": field.get("widget", ""),
            "max_length": field.get("max_length", ""), "placeholder": field.get("placeholder", ""),
            "min": raw.get("min", "") if raw.get("min") is not None else "",
            "max": raw.get("max", "") if raw.get("max") is not None else "",
            "integer": field.get("integer", False), "unit": field.get("unit", ""),
            "level": field.get("level", "county"), "root": field.get("root", ""),
            "min_rows": field.get("min_rows", 0), "max_rows": field.get("max_rows", 20),
            "subfields": _subfields_to_text(field.get("fields")), "material": field.get("material", ""),
        })
    known = {value for value, _label in prefill_choices()}
    for row in rows:
        row["prefill_extra"] = row["prefill"] if row["prefill"] and row["prefill"] not in known else ""
    sections = "\n".join(SEP.join([s["key"], s["title"], s.get("help", "")]).rstrip(SEP)
                         for s in normalized["sections"])
    return {"title": normalized.get("title", ""), "sections": sections, "fields": rows}


def editor_choices(materials: list[str]) -> dict[str, Any]:
    return {
        "kinds": [(key, str(label)) for key, label in KIND_LABELS.items()],
        "prefills": prefill_choices(),
        "levels": [(key, str(label)) for key, label in REGION_LEVEL_LABELS.items()],
        "widgets": [("", _("自动")), ("radio", _("单选按钮")), ("select", _("下拉列表"))],
        "materials": materials,
        "kind_settings": {key: " ".join(kinds) for key, kinds in KIND_SETTINGS.items()},
    }
