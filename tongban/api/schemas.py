"""Typed response schemas of the public API (/api/v1/)."""

from __future__ import annotations

from ninja import Schema


class ErrorIssue(Schema):
    code: str
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    issues: list[ErrorIssue] = []


class ErrorOut(Schema):
    error: ErrorBody


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None


class DepartmentOut(Schema):
    id: int
    name: str
    credit_code: str
    category: str
    level: str
    region_code: str
    region_name: str


class ThemeOut(Schema):
    code: str
    name: str
    audience: str


class LegalBasisOut(Schema):
    law: str
    article: str
    text: str = ""


class StepOut(Schema):
    name: str
    days: int


class FeeItemOut(Schema):
    name: str
    standard: str


class FaqOut(Schema):
    q: str
    a: str


class MaterialOut(Schema):
    name: str
    issuer: str
    original_count: int
    copy_count: int
    required: bool
    note: str
    license_type: str


class LimitOut(Schema):
    value: int
    unit: str
    note: str


class ItemSummaryOut(Schema):
    code: str
    name: str
    item_type: str
    audience: str
    department_category: str
    promised_limit: LimitOut
    visit_count: int
    online_depth: int
    version: int


class ItemOut(ItemSummaryOut):
    status: str
    service_objects: list[str]
    exercise_levels: list[str]
    legal_basis: list[LegalBasisOut]
    acceptance_conditions: str
    process: list[StepOut]
    case_type: str
    legal_limit: LimitOut
    joint_agencies: str
    intermediary: str
    quantity_limit: str
    result_name: str
    result_type: str
    result_sample: str
    fee_charged: bool
    fee_basis: str
    fee_items: list[FeeItemOut]
    scope: str
    handling_forms: list[str]
    special_procedures: str
    supports_appointment: bool
    supports_online_payment: bool
    supports_express: bool
    supports_online: bool
    visit_reason: str
    min_assurance: str
    faqs: list[FaqOut]
    themes: list[str]
    life_events: list[str]
    materials: list[MaterialOut]


class ImplementationOut(Schema):
    code: str
    item_code: str
    item_name: str
    department: str
    department_credit_code: str
    region_code: str
    level: str
    status: str
    version: int
    promised_limit: LimitOut
    address: str
    hours: str
    consult_phone: str
    supervise_phone: str
    local_fee_note: str
    online_url: str


class BundleOut(Schema):
    code: str
    name: str
    audience: str
    summary: str
    guide: str
    items: list[str]


class SearchHitOut(Schema):
    code: str
    name: str
    score: float


class SearchOut(Schema):
    query: str
    normalized: str
    total: int
    items: list[SearchHitOut]
    suggestions: list[str]
