"""Typed response schemas of the public API (/api/v1/)."""

from typing import Any

from ninja import Field, Schema


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
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")


class WindowOut(Schema):
    number: str
    name: str
    is_comprehensive: bool
    departments: list[str]

    @staticmethod
    def resolve_departments(obj: Any) -> list[str]:
        return [d.name for d in obj.departments.all()]


class HallOut(Schema):
    name: str
    kind: str
    region_code: str = Field(..., alias="region.code")
    address: str
    hours: str
    phone: str
    windows: list[WindowOut]

    @staticmethod
    def resolve_windows(obj: Any) -> list[Any]:
        return list(obj.windows.all())


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
    """Resolved from an Item with its version in force (querysets are paginated before they are read)."""

    code: str = Field(..., alias="basic_code")
    name: str = Field(..., alias="current_version.name")
    item_type: str = Field(..., alias="current_version.item_type")
    audience: str = Field(..., alias="current_version.audience")
    department_category: str
    promised_limit: LimitOut
    visit_count: int = Field(..., alias="current_version.visit_count")
    online_depth: int = Field(..., alias="current_version.online_depth")
    version: int = Field(..., alias="current_version.number")

    @staticmethod
    def resolve_promised_limit(obj: Any) -> dict[str, Any]:
        v = obj.current_version
        return {"value": v.promised_limit_value, "unit": v.promised_limit_unit, "note": v.promised_limit_note}


class ItemOut(Schema):
    code: str
    name: str
    item_type: str
    audience: str
    department_category: str
    promised_limit: LimitOut
    visit_count: int
    online_depth: int
    version: int
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
    """Resolved from an Implementation with its item and both versions in force."""

    code: str
    item_code: str = Field(..., alias="item.basic_code")
    item_name: str = Field(..., alias="item.current_version.name")
    department: str = Field(..., alias="department.name")
    department_credit_code: str = Field(..., alias="department.credit_code")
    region_code: str = Field(..., alias="region.code")
    level: str
    status: str
    version: int = Field(..., alias="current_version.number")
    promised_limit: LimitOut
    address: str = Field(..., alias="current_version.address")
    hours: str = Field(..., alias="current_version.hours")
    consult_phone: str = Field(..., alias="current_version.consult_phone")
    supervise_phone: str = Field(..., alias="current_version.supervise_phone")
    local_fee_note: str = Field(..., alias="current_version.local_fee_note")
    online_url: str = Field(..., alias="current_version.online_url")

    @staticmethod
    def resolve_promised_limit(obj: Any) -> dict[str, Any]:
        v = obj.current_version
        return {"value": v.promised_limit_value, "unit": v.promised_limit_unit, "note": v.promised_limit_note}


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
