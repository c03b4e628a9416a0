"""Licence types (证照类型, GB/T 36902): the seed loader and the look-ups other parts of the app use.

The seed (``data/license_types.yaml``) names each type's defining and issuing departments by department category
(gongan, minzheng …). The defining department is the province-level department of that category among the
registered departments; the type code is its unified social credit code plus the entry's 3-digit serial
(domain.md "Licences"). Every department of an issuing category, at any level, may issue the type.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from tongban.core.audit import SYSTEM, Actor, Target, audit_record
from tongban.directory import selectors as directory
from tongban.licenses.models import HolderKind, LicenseType
from tongban.licenses.records import LicenseField, LicenseTypeRow

log = logging.getLogger(__name__)

TYPES_FILE = Path(__file__).resolve().parent / "data" / "license_types.yaml"
PROVINCE_LEVEL = "2"  # ExerciseLevel.PROVINCE
VALIDITY_KINDS = ("none", "years", "months")


# ------------------------------------------------------------------ validity rules


def _add_months(start: date, months: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def validity_until(validity: dict[str, Any], valid_from: date) -> date | None:
    """The last day of validity for a licence valid from ``valid_from`` under the type's rule (None: 长期有效).
    ``{"kind": "years", "value": 10}`` from 2026-01-05 gives 2036-01-04 (the day before the anniversary)."""
    kind = (validity or {}).get("kind", "none")
    value = int((validity or {}).get("value") or 0)
    if kind == "years" and value > 0:
        return date.fromordinal(_add_months(valid_from, 12 * value).toordinal() - 1)
    if kind == "months" and value > 0:
        return date.fromordinal(_add_months(valid_from, value).toordinal() - 1)
    return None


# ------------------------------------------------------------------ rows


def type_row(license_type: LicenseType) -> LicenseTypeRow:
    issuers = tuple(sorted(d.pk for d in license_type.issuing_departments.all()))
    return LicenseTypeRow(
        id=license_type.pk, code=license_type.code, name=license_type.name, holder_kind=license_type.holder_kind,
        defining_department_id=license_type.defining_department_id,
        defining_department_name=license_type.defining_department.name,
        issuing_department_ids=issuers,
        fields=tuple(LicenseField(name=str(f["name"]), label=str(f.get("label") or f["name"]),
                                  required=bool(f.get("required")), public=bool(f.get("public")))
                     for f in license_type.fields or []),
        layout=dict(license_type.layout or {}), validity=dict(license_type.validity or {}),
        material_names=tuple(license_type.material_names or ()), result_names=tuple(license_type.result_names or ()),
        active=license_type.active)


def _types() -> Any:
    return LicenseType.objects.select_related("defining_department").prefetch_related("issuing_departments")


def license_type_list(*, active_only: bool = True) -> list[LicenseTypeRow]:
    qs = _types().order_by("code")
    if active_only:
        qs = qs.filter(active=True)
    return [type_row(t) for t in qs]


def license_type_get(*, code: str) -> LicenseTypeRow | None:
    row = _types().filter(code=(code or "").strip().upper()).first()
    return type_row(row) if row else None


def license_type_by_name(*, name: str) -> LicenseTypeRow | None:
    row = _types().filter(name=(name or "").strip()).first()
    return type_row(row) if row else None


def license_type_lookup(*, code_or_name: str) -> LicenseTypeRow | None:
    """By code (21 characters) or by name, as an import file may give either."""
    text = (code_or_name or "").strip()
    return license_type_get(code=text) or license_type_by_name(name=text)


def license_types_for_result(*, result_name: str) -> list[LicenseTypeRow]:
    """Active types issued as the result named ``result_name`` (an item's ``result.name``)."""
    name = (result_name or "").strip()
    if not name:
        return []
    return [row for row in license_type_list() if name in row.result_names]


def license_types_for_material(*, material_name: str) -> list[LicenseTypeRow]:
    """Active types that can stand for a material whose ``license_type`` is ``material_name`` (免交)."""
    name = (material_name or "").strip()
    if not name:
        return []
    return [row for row in license_type_list() if name in row.material_names or name == row.name]


def license_type_may_issue(*, license_type: LicenseTypeRow, department_id: int) -> bool:
    return department_id in license_type.issuing_department_ids


# ------------------------------------------------------------------ the seed


@dataclass(frozen=True)
class SeedResult:
    written: tuple[str, ...]
    skipped: tuple[str, ...]  # types whose defining department is not registered


def _check_entry(entry: dict[str, Any]) -> None:
    serial = str(entry.get("serial", ""))
    if not (len(serial) == 3 and serial.isdigit()):
        raise ValueError(f"licence type {entry.get('name')!r}: serial must be 3 digits")
    if entry.get("holder_kind") not in HolderKind.values:
        raise ValueError(f"licence type {entry.get('name')!r}: bad holder_kind")
    names = [f["name"] for f in entry.get("fields") or []]
    if len(set(names)) != len(names):
        raise ValueError(f"licence type {entry.get('name')!r}: duplicate field names")
    unknown = [n for n in (entry.get("layout") or {}).get("rows", []) if n not in names]
    if unknown:
        raise ValueError(f"licence type {entry.get('name')!r}: layout rows {unknown} are not fields")
    if (entry.get("validity") or {}).get("kind", "none") not in VALIDITY_KINDS:
        raise ValueError(f"licence type {entry.get('name')!r}: bad validity kind")


def _province_department(category: str) -> Any:
    departments = [d for d in directory.department_list(category=category) if d.level == PROVINCE_LEVEL]
    return departments[0] if departments else None


def license_types_load(entries: list[dict[str, Any]], *, actor: Actor = SYSTEM) -> SeedResult:
    """Create or update licence types from seed entries (idempotent: matched by name)."""
    written: list[str] = []
    skipped: list[str] = []
    with transaction.atomic():
        for entry in entries:
            _check_entry(entry)
            defining = _province_department(str(entry["defined_by"]))
            if defining is None:
                skipped.append(str(entry["name"]))
                continue
            issuers = [d for category in entry.get("issued_by") or [entry["defined_by"]]
                       for d in directory.department_list(category=str(category))]
            values = {
                "code": f"{defining.credit_code}{entry['serial']}", "defining_department": defining,
                "holder_kind": entry["holder_kind"],
                "fields": [{"name": str(f["name"]), "label": str(f.get("label") or f["name"]),
                            "required": bool(f.get("required", False)), "public": bool(f.get("public", False))}
                           for f in entry.get("fields") or []],
                "layout": dict(entry.get("layout") or {}), "validity": dict(entry.get("validity") or {"kind": "none"}),
                "material_names": list(entry.get("material_names") or []),
                "result_names": list(entry.get("result_names") or []), "active": bool(entry.get("active", True)),
            }
            license_type, _created = LicenseType.objects.update_or_create(name=str(entry["name"]), defaults=values)
            license_type.issuing_departments.set(issuers)
            written.append(license_type.name)
        audit_record(action="licenses.type.seed", actor=actor,
                     target=Target(type="licenses.license_type", id="", label="证照类型目录"),
                     detail={"written": written, "skipped": skipped})
    if skipped:
        log.warning("licence types skipped (defining department not registered): %s", ", ".join(skipped))
    return SeedResult(written=tuple(written), skipped=tuple(skipped))


def license_types_seed(*, path: Path | None = None, actor: Actor = SYSTEM) -> SeedResult:
    """Load ``data/license_types.yaml`` (or ``path``)."""
    with (path or TYPES_FILE).open(encoding="utf-8") as handle:
        entries = yaml.safe_load(handle) or []
    return license_types_load(entries, actor=actor)
