"""JSON Schema (draft 2020-12) and layout generated from a form's field list.

The schema describes the shape of the data (types, options, lengths, row counts, required fields and the
conditionally required ones as ``if``/``then``); checks that need more than a shape — ID number and credit code
check characters, regions that exist, dates relative to today — run in :mod:`tongban.catalog.forms.validation`
and are announced in the schema by ``x-kind``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from tongban.catalog.forms.spec import DEFAULT_SECTION, FormField, FormSection

DIALECT = "https://json-schema.org/draft/2020-12/schema"
PATTERNS = {
    "id_number": r"^\d{17}[\dX]$",
    "credit_code": r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]$",
    "phone": r"^1[3-9]\d{9}$",
    "region": r"^\d{12}$",
}
ADDRESS_DETAIL_DEFAULT = 200


def _region_schema(field: FormField) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "pattern": PATTERNS["region"], "x-kind": "region",
                              "x-region-level": field.region_level}
    if field.region_root:
        schema["x-region-root"] = field.region_root
    return schema


def field_schema(field: FormField, *, partial: bool = False) -> dict[str, Any]:
    """The schema of one field's value."""
    kind = field.kind
    schema: dict[str, Any]
    if kind in ("text", "textarea"):
        schema = {"type": "string", "maxLength": field.max_length}
        if field.required and not partial:
            schema["minLength"] = 1
    elif kind == "number":
        schema = {"type": "integer" if field.integer else "number"}
        if field.min_value is not None:
            schema["minimum"] = int(field.min_value) if field.integer else field.min_value
        if field.max_value is not None:
            schema["maximum"] = int(field.max_value) if field.integer else field.max_value
    elif kind == "date":
        schema = {"type": "string", "format": "date"}
        if field.min_date:
            schema["x-min-date"] = field.min_date
        if field.max_date:
            schema["x-max-date"] = field.max_date
    elif kind == "choice":
        schema = {"type": "string", "enum": [value for value, _label in field.options],
                  "x-enum-labels": [label for _value, label in field.options]}
    elif kind == "multichoice":
        schema = {"type": "array", "uniqueItems": True,
                  "items": {"type": "string", "enum": [value for value, _label in field.options]},
                  "x-enum-labels": [label for _value, label in field.options]}
        if field.required and not partial:
            schema["minItems"] = 1
    elif kind == "region":
        schema = _region_schema(field)
    elif kind == "address":
        schema = {"type": "object", "additionalProperties": False, "x-kind": "address",
                  "properties": {"region": _region_schema(field),
                                 "detail": {"type": "string", "maxLength": field.max_length or ADDRESS_DETAIL_DEFAULT}},
                  "required": [] if partial else ["region", "detail"]}
        if partial:
            del schema["required"]
    elif kind in ("id_number", "credit_code", "phone"):
        schema = {"type": "string", "pattern": PATTERNS[kind], "x-kind": kind}
    elif kind == "email":
        schema = {"type": "string", "format": "email", "maxLength": 254}
    elif kind == "rows":
        schema = {"type": "array", "maxItems": field.max_rows,
                  "items": object_schema(field.subfields, partial=partial)}
        if field.min_rows and not partial:
            schema["minItems"] = field.min_rows
    elif kind == "attachment":
        # the slot only declares the material; the case engine stores the uploads and may put references here
        schema = {"type": "array", "items": {"type": "string", "maxLength": 100}, "x-kind": "attachment",
                  "x-material": field.material}
    else:  # pragma: no cover - definitions are checked before they are used
        schema = {}
    schema["title"] = field.label
    if field.help:
        schema["description"] = field.help
    if kind not in ("address", "id_number", "credit_code", "phone", "region", "attachment"):
        schema["x-kind"] = kind
    return schema


def object_schema(fields: Sequence[FormField], *, partial: bool = False) -> dict[str, Any]:
    """An object of ``fields``: unknown properties refused, required ones listed, conditional ones as if/then."""
    schema: dict[str, Any] = {
        "type": "object", "additionalProperties": False,
        "properties": {field.name: field_schema(field, partial=partial) for field in fields},
    }
    if partial:
        return schema
    required = [f.name for f in fields if f.required and not f.visible_when and f.kind != "attachment"]
    if required:
        schema["required"] = required
    conditional = []
    for field in fields:
        if not field.required or not field.visible_when or field.kind == "attachment":
            continue
        condition = {
            "properties": {ref: ({"contains": {"enum": list(values)}} if _kind_of(fields, ref) == "multichoice"
                                 else {"enum": list(values)}) for ref, values in field.visible_when},
            "required": [ref for ref, _values in field.visible_when],
        }
        conditional.append({"if": condition, "then": {"required": [field.name]}})
    if conditional:
        schema["allOf"] = conditional
    return schema


def _kind_of(fields: Iterable[FormField], name: str) -> str:
    return next((f.kind for f in fields if f.name == name), "")


def form_schema(fields: Sequence[FormField], *, title: str, key: str, partial: bool = False) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"urn:tongban:form:{key}", "title": title,
            **object_schema(fields, partial=partial)}


def form_layout(fields: Sequence[FormField], sections: Sequence[FormSection]) -> dict[str, Any]:
    """Sections in order with their fields in order, and the help text of each field."""
    layout_sections = []
    for section in sections:
        names = [f.name for f in fields if f.section == section.key]
        if names:
            layout_sections.append({"key": section.key, "title": section.title, "help": section.help,
                                    "fields": names})
    placed = {name for s in layout_sections for name in s["fields"]}
    stray = [f.name for f in fields if f.name not in placed]
    if stray:  # a field whose section is unknown is shown after the others
        layout_sections.append({"key": DEFAULT_SECTION, "title": str(_("申请信息")), "help": "", "fields": stray})
    return {"sections": layout_sections, "help": {f.name: f.help for f in fields if f.help}}
