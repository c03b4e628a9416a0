"""The server-side renderer of application forms and the parser of what its HTML form posts.

Usage in a view (the case pages, the editor preview)::

    rendered = form_render(spec, values=draft_values, prefilled=form_prefill(...), issues=error.issues)
    render(request, "...", {"rendered_form": rendered})

and in the template, inside the page's own ``<form method="post">`` (with its CSRF token and buttons)::

    {% include "catalog/forms/form.html" with form=rendered_form %}

On post, :func:`form_data_from_post` turns the request's fields back into the data :func:`form_validate` takes.
It works without JavaScript: every field is rendered, conditional ones say when they apply, the region picker is
grouped drop-downs and repeating rows always offer one blank row; ``catalog/forms.js`` only hides what does not
apply, narrows the region lists and adds or removes rows in place.
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.forms.spec import REGION_LEVELS, FormField, FormSpec, PrefilledValue
from tongban.core.errors import Issue
from tongban.directory import selectors as directory_selectors

DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
ROW_KEY_RE = re.compile(r"^(?P<index>\d+)-(?P<sub>[a-z][a-z0-9_]*)$")
# Kinds shown read-only (with a hidden input carrying the value) when their prefilled value is locked.
LOCKABLE_KINDS = ("text", "textarea", "id_number", "credit_code", "phone", "email", "date", "number", "choice")


@dataclass
class RegionChoices:
    """The grouped drop-downs of a region picker: counties (or prefectures) grouped by their parent, and
    townships grouped by county."""

    groups: list[tuple[str, str, list[tuple[str, str]]]]  # (parent code, parent name, [(code, name)])
    townships: list[tuple[str, str, list[tuple[str, str]]]]
    first_label: str


@dataclass
class RenderedField:
    field: FormField
    html_name: str
    html_id: str
    value: Any = ""
    display: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)
    prefilled: PrefilledValue | None = None
    locked: bool = False
    badge: str = ""
    condition_text: str = ""
    conditions_json: str = ""
    rows: list[list[RenderedField]] = dataclasses.field(default_factory=list)
    row_errors: list[str] = dataclasses.field(default_factory=list)
    region: RegionChoices | None = None
    region_value: str = ""
    township_value: str = ""
    detail_value: str = ""
    selected: list[str] = dataclasses.field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.field.kind

    @property
    def label(self) -> str:
        return self.field.label

    @property
    def required(self) -> bool:
        return self.field.required

    @property
    def described_by(self) -> str:
        ids = []
        if self.field.help:
            ids.append(f"{self.html_id}-help")
        if self.errors:
            ids.append(f"{self.html_id}-error")
        return " ".join(ids)


@dataclass
class RenderedSection:
    key: str
    title: str
    help: str
    fields: list[RenderedField]


@dataclass
class RenderedForm:
    spec: FormSpec
    prefix: str
    sections: list[RenderedSection]
    summary: list[tuple[str, str]]  # (anchor id, message)
    readonly: bool = False

    @property
    def error_count(self) -> int:
        return len(self.summary)


def _badge(prefilled: PrefilledValue) -> str:
    if prefilled.locked:
        return _("来自：%(s)s（已核验，不可修改）") % {"s": prefilled.source_label}
    return _("来自：%(s)s（可修改）") % {"s": prefilled.source_label}


def _condition_text(field: FormField, siblings: Sequence[FormField]) -> str:
    parts = []
    for ref, accepted in field.visible_when:
        target = next((f for f in siblings if f.name == ref), None)
        if target is None:
            continue
        labels = target.option_labels
        shown = "、".join(f"“{labels.get(v, v)}”" for v in accepted)
        parts.append(_("“%(f)s”选择%(v)s") % {"f": target.label, "v": shown})
    return _("（仅当%(c)s时填写）") % {"c": "，且".join(parts)} if parts else ""


def _region_choices(field: FormField) -> RegionChoices:
    needed = REGION_LEVELS.get(field.region_level, 3)
    rows = directory_selectors.region_rows(root_code=field.region_root or None, min_level=1, max_level=needed)
    names = {code: name for code, name, _level, _parent in rows}
    if needed == 2:
        prefectures = [(code, name) for code, name, level, _parent in rows if level == 2]
        return RegionChoices(groups=[("", _("州（市）"), prefectures)], townships=[],
                             first_label=_("请选择州（市）"))
    groups: dict[str, list[tuple[str, str]]] = {}
    townships: dict[str, list[tuple[str, str]]] = {}
    for code, name, level, parent in rows:
        if level == 3:
            groups.setdefault(parent, []).append((code, name))
        elif level == 4:
            townships.setdefault(parent, []).append((code, name))
    return RegionChoices(
        groups=[(parent, names.get(parent, ""), children) for parent, children in groups.items()],
        townships=[(parent, names.get(parent, ""), children) for parent, children in townships.items()],
        first_label=_("请选择县（市、区）"))


def _region_parts(value: str, choices: RegionChoices) -> tuple[str, str]:
    """(county or prefecture, township) codes of a chosen region."""
    township_codes = {code for _p, _n, children in choices.townships for code, _name in children}
    if value in township_codes:
        parent = next(p for p, _n, children in choices.townships if any(c == value for c, _x in children))
        return parent, value
    return value, ""


def _display(field: FormField, value: Any) -> str:
    if value in (None, ""):
        return ""
    if field.kind == "choice":
        return field.option_labels.get(str(value), str(value))
    if field.kind == "region":
        region = directory_selectors.region_get(code=str(value))
        return region.name if region else str(value)
    return str(value)


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if not isinstance(value, list | dict) else ""


def _render_field(field: FormField, *, name: str, html_id: str, value: Any, prefilled: PrefilledValue | None,
                  errors: Mapping[str, list[str]], path: str, siblings: Sequence[FormField],
                  readonly: bool) -> RenderedField:
    rendered = RenderedField(field=field, html_name=name, html_id=html_id, errors=list(errors.get(path, [])))
    if prefilled is not None:
        rendered.prefilled = prefilled
        rendered.badge = _badge(prefilled)
        rendered.locked = prefilled.locked and field.kind in LOCKABLE_KINDS
        if rendered.locked or value in (None, "", [], {}):
            value = prefilled.value
    rendered.locked = rendered.locked or readonly
    if field.visible_when:
        rendered.condition_text = _condition_text(field, siblings)
        rendered.conditions_json = json.dumps({ref: list(v) for ref, v in field.visible_when}, ensure_ascii=False)
    kind = field.kind
    if kind == "multichoice":
        rendered.selected = [str(v) for v in value] if isinstance(value, list) else []
        rendered.display = "、".join(field.option_labels.get(v, v) for v in rendered.selected)
    elif kind in ("region", "address"):
        rendered.region = _region_choices(field)
        code = value.get("region", "") if isinstance(value, Mapping) else _text_value(value)
        rendered.region_value, rendered.township_value = _region_parts(code, rendered.region)
        if isinstance(value, Mapping):
            rendered.detail_value = _text_value(value.get("detail"))
        rendered.display = " ".join(x for x in (_display(replace(field, kind="region"), code),
                                                rendered.detail_value) if x)
    elif kind == "rows":
        rows = [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []
        blank = max(field.min_rows - len(rows), 1 if len(rows) < field.max_rows and not readonly else 0)
        rows = [*rows, *({} for _ in range(blank))]
        for index, row in enumerate(rows):
            cells = []
            for sub in field.subfields:
                cells.append(_render_field(
                    sub, name=f"{name}-{index}-{sub.name}", html_id=f"{html_id}-{index}-{sub.name}",
                    value=row.get(sub.name), prefilled=None, errors=errors, path=f"{path}[{index}].{sub.name}",
                    siblings=field.subfields, readonly=readonly))
            rendered.rows.append(cells)
            rendered.row_errors += errors.get(f"{path}[{index}]", [])
    else:
        rendered.value = _text_value(value)
        rendered.display = _display(field, value)
    return rendered


def form_render(
    spec: FormSpec, *, values: Mapping[str, Any] | None = None, prefilled: Mapping[str, PrefilledValue] | None = None,
    issues: Sequence[Issue] = (), prefix: str = "form", readonly: bool = False,
) -> RenderedForm:
    """Everything ``catalog/forms/form.html`` shows: sections, fields with their values (else the prefilled
    ones, locked where the source is verified), prefill badges, conditions, and each issue next to its field."""
    values = values or {}
    prefilled = prefilled or {}
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.field, []).append(issue.message)
    by_name = {f.name: f for f in spec.fields}
    rendered: dict[str, RenderedField] = {}
    for field_ in spec.fields:
        rendered[field_.name] = _render_field(
            field_, name=f"{prefix}-{field_.name}", html_id=f"{prefix}-{field_.name}", value=values.get(field_.name),
            prefilled=prefilled.get(field_.name), errors=errors, path=field_.name, siblings=spec.fields,
            readonly=readonly)
    sections = []
    for section in spec.layout.get("sections", []):
        fields = [rendered[name] for name in section["fields"] if name in rendered]
        if fields:
            sections.append(RenderedSection(key=section["key"], title=section["title"], help=section.get("help", ""),
                                            fields=fields))
    summary = []
    for issue in issues:
        top = re.split(r"[.\[]", issue.field, maxsplit=1)[0]
        anchor = f"{prefix}-{top}" if top in by_name else f"{prefix}-summary"
        summary.append((anchor, issue.message))
    return RenderedForm(spec=spec, prefix=prefix, sections=sections, summary=summary, readonly=readonly)


# ------------------------------------------------------------------ reading the post back


def _clean_text(raw: str) -> str:
    return raw.strip()


def _number(raw: str, *, integer: bool) -> Any:
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace("，", "")
    if not NUMBER_RE.fullmatch(text):
        return text  # the validator reports it as not a number
    if integer or re.fullmatch(r"[+-]?\d+", text):
        try:
            return int(float(text)) if "." in text else int(text)
        except ValueError:
            return text
    return float(text)


def _date(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).strip()
    match = DATE_RE.fullmatch(text)
    if match:
        year, month, day = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _scalar(field: FormField, post: Any, name: str) -> Any:
    raw = post.get(name)
    if raw is None:
        return None
    if field.kind == "number":
        return _number(raw, integer=field.integer) if raw.strip() else None
    if field.kind == "date":
        return _date(raw) or None
    return _clean_text(raw) if field.kind != "textarea" else raw.strip()


def _region_value(post: Any, name: str) -> str:
    township = (post.get(f"{name}-township") or "").strip()
    county = (post.get(name) or "").strip()
    if township and (not county or township.startswith(county[:6])):
        return township
    return county


def _field_value(field: FormField, post: Any, name: str) -> Any:
    kind = field.kind
    if kind == "multichoice":
        return [v for v in post.getlist(name) if v.strip()] or None
    if kind == "region":
        return _region_value(post, name) or None
    if kind == "address":
        region, detail = _region_value(post, f"{name}-region"), (post.get(f"{name}-detail") or "").strip()
        if not region and not detail:
            return None
        return {k: v for k, v in (("region", region), ("detail", detail)) if v}
    if kind == "rows":
        indices = sorted({int(m["index"]) for key in post for m in [ROW_KEY_RE.match(key[len(name) + 1:])]
                          if key.startswith(f"{name}-") and m})
        rows = []
        for index in indices:
            row = {}
            for sub in field.subfields:
                value = _field_value(sub, post, f"{name}-{index}-{sub.name}")
                if value not in (None, "", [], {}):
                    row[sub.name] = value
            if row:
                rows.append(row)
        return rows or None
    if kind == "attachment":
        return None  # uploads are the case engine's
    return _scalar(field, post, name)


def form_data_from_post(spec: FormSpec, post: Any, *, prefix: str = "form") -> dict[str, Any]:
    """The data an HTML post of :func:`form_render`'s fields carries, shaped for :func:`form_validate`: empty
    fields and blank rows left out, numbers as numbers (full-width digits too), dates as ``YYYY-MM-DD``."""
    data: dict[str, Any] = {}
    for field_ in spec.fields:
        value = _field_value(field_, post, f"{prefix}-{field_.name}")
        if value not in (None, "", [], {}):
            data[field_.name] = value
    return data
