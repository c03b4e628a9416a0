"""Filled-in application forms for generated cases: one checked template per implementation (every field given a
plausible value of its kind, then cleaned by :func:`tongban.catalog.forms.form_validate`), into which each case
puts its applicant's own name, ID number or credit code and phone where the form prefills them."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from tongban.catalog import forms
from tongban.catalog.forms import FormField, FormSpec
from tongban.core.errors import ValidationFailed
from tongban.directory.selectors import region_rows
from tongban.loadgen.people import Applicant

LEVELS = {"prefecture": 2, "county": 3, "township": 4}
TEXTS = ("详见申请材料", "按实际情况填写", "已核对无误", "本人申请", "正常办理")
STREETS = ("人民中路", "北京路", "滇池路", "青年路", "环城南路", "东风西路", "白塔路", "盘龙路")


@dataclass(frozen=True)
class FormTemplate:
    """Cleaned values of one implementation's form and where each case's applicant goes in them."""

    values: dict[str, Any]
    applicant_fields: tuple[tuple[str, str], ...]  # (field name, what: name / id / phone / org_name / rep_name)
    valid: bool

    @cached_property
    def _skeleton(self) -> tuple[str, tuple[tuple[str, str, Any], ...]]:
        """The values as sorted JSON with a marker in place of each applicant field (filled in per case)."""
        values = dict(self.values)
        marked = []
        for index, (name, slot) in enumerate(self.applicant_fields):
            if name in values and isinstance(values[name], str):
                marker = f"\ue000{index}\ue001"
                marked.append((json.dumps(marker, ensure_ascii=False), slot, values[name]))
                values[name] = marker
        return json.dumps(values, ensure_ascii=False, sort_keys=True, default=str), tuple(marked)

    def render(self, applicant: Applicant) -> str:
        """``json.dumps(filled(self, applicant), sort_keys=True)``, without building the dict again."""
        text, marked = self._skeleton
        for marker, slot, default in marked:
            text = text.replace(marker, json.dumps(_slot_value(slot, applicant, default), ensure_ascii=False))
        return text


def _applicant_slot(field: FormField) -> str:
    return {"identity.name": "name", "identity.id_number": "id", "profile.phone": "phone",
            "organization.name": "org_name", "organization.credit_code": "org_code",
            "organization.legal_rep_name": "rep_name"}.get(field.prefill or "", "")


class FormFiller:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self._regions: dict[tuple[str, int], list[str]] = {}

    def _region(self, field: FormField) -> str:
        needed = LEVELS.get(field.region_level, 3)
        key = (field.region_root, needed)
        if key not in self._regions:
            rows = region_rows(root_code=field.region_root or None, min_level=needed, max_level=needed)
            self._regions[key] = [code for code, *_ in rows] or [
                code for code, *_ in region_rows(root_code=field.region_root or None, min_level=2, max_level=4)]
        return self.rng.choice(self._regions[key]) if self._regions[key] else ""

    def _text(self, field: FormField, sample: Applicant) -> str:
        label = field.label
        if "姓名" in label or label in ("法定代表人", "负责人"):
            text = sample.legal_rep_name or sample.name if sample.kind == "organization" else sample.name
        elif "名称" in label:
            text = f"{sample.name[:10]}示例"
        elif "号" in label:
            text = f"A{self.rng.randrange(10**8, 10**9)}"
        elif "地" in label:
            text = f"{self.rng.choice(STREETS)}{self.rng.randrange(1, 300)}号"
        else:
            text = self.rng.choice(TEXTS)
        return text[: field.max_length] if field.max_length else text

    def value(self, field: FormField, sample: Applicant) -> Any:
        kind, rng = field.kind, self.rng
        slot = _applicant_slot(field)
        if kind in ("text", "textarea"):
            if slot in ("name", "rep_name"):
                return sample.legal_rep_name if sample.kind == "organization" and sample.legal_rep_name else sample.name
            if slot == "org_name":
                return sample.name
            return self._text(field, sample)
        if kind == "number":
            low = field.min_value if field.min_value is not None else 1
            high = field.max_value if field.max_value is not None else low + 500
            number = low + (high - low) * rng.random() * 0.2
            return int(max(low, min(high, round(number)))) if field.integer else round(max(low, number), 2)
        if kind == "date":
            if field.min_date:
                return (self.today + timedelta(days=rng.randrange(1, 30))).isoformat()
            return (self.today - timedelta(days=rng.randrange(1, 300))).isoformat()
        if kind == "choice":
            return rng.choice(field.options)[0] if field.options else ""
        if kind == "multichoice":
            return [field.options[0][0]] if field.options else []
        if kind == "region":
            return self._region(field)
        if kind == "address":
            return {"region": self._region(field), "detail": f"{rng.choice(STREETS)}{rng.randrange(1, 300)}号"}
        if kind == "id_number":
            return sample.id_number if sample.kind == "person" else "530102198805051234"
        if kind == "credit_code":
            return sample.id_number if sample.kind == "organization" else "91530102MA6N7Q8R2M"
        if kind == "phone":
            return sample.phone
        if kind == "email":
            return "applicant@example.cn"
        if kind == "rows":
            return [{sub.name: self.value(sub, sample) for sub in field.subfields if sub.kind != "attachment"}
                    for _ in range(max(field.min_rows, 1))]
        return None

    def template(self, spec: FormSpec, sample: Applicant) -> FormTemplate:
        """A cleaned template for ``spec`` (a few tries with other choices); ``valid`` False when none passed."""
        slots = tuple((f.name, _applicant_slot(f)) for f in spec.fields if _applicant_slot(f))
        last: dict[str, Any] = {}
        for _attempt in range(6):
            raw = {f.name: self.value(f, sample) for f in spec.fields if f.kind != "attachment"}
            raw = {name: value for name, value in raw.items() if value is not None}
            try:
                cleaned = forms.form_validate(spec=spec, data=raw)
            except ValidationFailed:
                last = raw
                continue
            return FormTemplate(values=cleaned, applicant_fields=slots, valid=True)
        return FormTemplate(values=last, applicant_fields=slots, valid=False)


def _slot_value(slot: str, applicant: Applicant, default: Any) -> Any:
    person = applicant.kind == "person"
    if slot in ("name", "rep_name"):
        return applicant.name if person else (applicant.legal_rep_name or applicant.name)
    if slot == "id" and person:
        return applicant.id_number
    if slot == "phone":
        return applicant.phone
    if slot == "org_name" and not person:
        return applicant.name
    if slot == "org_code" and not person:
        return applicant.id_number
    return default


def filled(template: FormTemplate, applicant: Applicant) -> dict[str, Any]:
    """The template with ``applicant``'s own values where the form prefills them."""
    values = dict(template.values)
    for name, slot in template.applicant_fields:
        if name in values:
            values[name] = _slot_value(slot, applicant, values[name])
    return values
