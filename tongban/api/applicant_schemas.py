"""Schemas of the applicant's API (/api/v1/applicant/): drafts, attachments, submission and receipts, 我的办件,
supplementing, withdrawal and notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class DraftOpenIn(Schema):
    implementation_code: str = Field("", max_length=40, description="实施编码（31位）；与 bundle_code 二选一")
    bundle_code: str = Field("", max_length=40, description="一件事代码")
    region_code: str = Field("", max_length=12, description="一件事：按该区划（12位）就近选择各成员事项的实施清单")
    optional_item_codes: list[str] = Field(default_factory=list, description="一件事：要一并申请的可选成员事项基本编码")


class DraftSaveIn(Schema):
    data: dict[str, Any] = Field(..., description="部分或全部字段的值；值为 null 表示清空该字段。必填项在提交时检查")


class ReuseIn(Schema):
    material_name: str = Field(..., max_length=200)
    file_id: int = Field(..., description="GET /applicant/reusable-files 列出的文件")


class ResubmitIn(Schema):
    data: dict[str, Any] | None = Field(None, description="需要更正的字段的新值（按提交时的表单完整校验）；不更正表单时省略")
    note: str = Field("", max_length=500, description="补正说明")


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=500, description="撤回原因（必填）")


class FormOut(Schema):
    key: str
    version: int
    title: str
    field_schema: dict[str, Any] = Field(..., description="字段的 JSON Schema（2020-12）")
    layout: dict[str, Any] = Field(..., description="分组、顺序、说明；一件事为各成员事项的字段")


class PrefilledOut(Schema):
    value: Any
    source: str
    source_label: str
    locked: bool = Field(..., description="来自已核验来源，不能修改（修改后提交返回 prefill_locked）")


class AttachmentOut(Schema):
    id: int
    material_name: str
    source: str = Field(..., description="upload 新上传 · reuse 材料复用 · license 电子证照")
    source_label: str
    file_id: int | None
    display_name: str
    mime: str
    size: int
    license_label: str
    supplement_round: int = Field(..., description="0：申请时提交；n：第 n 次补正时提交")
    created_at: datetime


class MaterialStatusOut(Schema):
    name: str
    required: bool
    note: str
    license_type: str = Field(..., description="可用该类电子证照免交（证照接入后）")
    original_count: int
    copy_count: int
    met: bool
    attachments: list[AttachmentOut]


class DraftMemberOut(Schema):
    item_code: str
    item_name: str
    implementation_code: str
    department_name: str


class DraftOut(Schema):
    id: int
    title: str
    implementation_code: str
    bundle_code: str
    department_name: str
    organization_id: int | None
    created_at: datetime
    updated_at: datetime
    blocked_reason: str = Field(..., description="非空：事项在草稿开始后已暂停，草稿保留，暂不能提交")
    form: FormOut | None
    data: dict[str, Any]
    prefill: dict[str, PrefilledOut]
    materials: list[MaterialStatusOut]
    members: list[DraftMemberOut]


class DraftSummaryOut(Schema):
    id: int
    title: str
    target_key: str
    updated_at: datetime


class ReusableFileOut(Schema):
    file_id: int
    display_name: str
    mime: str
    size: int
    material_name: str
    case_number: str
    uploaded_at: datetime


class ReceiptChildOut(Schema):
    case_id: int
    case_number: str
    item_name: str
    department_name: str
    acceptance_due: date | None


class ReceiptMaterialOut(Schema):
    name: str
    supplied_as: str


class ReceiptOut(Schema):
    case_id: int
    case_number: str = Field(..., description="43位：实施编码+日期+4位序号；一件事主办件为 YJS-…")
    kind: str
    title: str
    department_name: str
    applicant_name_masked: str
    applicant_kind: str
    submitted_at: datetime
    status: str
    status_label: str
    acceptance_mode: str
    acceptance_mode_label: str
    acceptance_due: date | None
    acceptance_due_provisional: bool = Field(..., description="期限所在年份尚未公布节假日安排，按周末推算（暂定）")
    promised_limit_value: int
    promised_limit_unit: str
    consult_phone: str
    address: str
    materials: list[ReceiptMaterialOut]
    children: list[ReceiptChildOut]
    lookup_hint: str


class ClockOut(Schema):
    kind: str = Field(..., description="acceptance 受理期限 · decision 办结期限 · 空：不在计时")
    label: str
    due: date | None
    provisional: bool
    colour: str = Field(..., description="green · yellow（临近）· red（超期）· 空")
    running: bool
    stopped_since: datetime | None
    extension_working_days: int


class CaseRowOut(Schema):
    id: int
    case_number: str
    kind: str
    title: str
    department_name: str
    status: str
    status_label: str
    submitted_at: datetime | None
    due: date | None
    due_colour: str
    needs_action: bool = Field(..., description="等待申请人：补齐补正或缴费")


class TimelineOut(Schema):
    occurred_at: datetime
    transition: str
    title: str
    text: str
    actor_label: str


class DocumentOut(Schema):
    name: str
    kind: str = Field(..., description="decision 决定文书 · result 办理结果（证照等）")
    reference: str = Field(..., description="文号或证照标识")
    file_id: int | None = Field(None, description="决定文书的文件：GET /applicant/cases/{case_id}/documents/{file_id}")


class ChildOut(Schema):
    case_id: int
    case_number: str
    item_name: str
    department_name: str
    status: str
    status_label: str
    clock: ClockOut


class BundleProgressOut(Schema):
    status: str
    status_label: str
    total: int
    closed: int
    children: list[ChildOut]


class SupplementItemOut(Schema):
    material: str
    field: str
    reason: str


class CaseDetailOut(Schema):
    id: int
    case_number: str
    kind: str
    title: str
    department_name: str
    status: str
    status_label: str
    submitted_at: datetime | None
    clock: ClockOut
    next_action: str = Field(..., description="现在需要做什么（通俗说明）")
    can_withdraw: bool
    can_resubmit: bool
    supplement_items: list[SupplementItemOut] = Field(..., description="补齐补正：一次列出的全部内容")
    timeline: list[TimelineOut]
    materials: list[MaterialStatusOut]
    documents: list[DocumentOut]
    decision_outcome: str
    delivery_method: str
    fee_amount_fen: int | None
    bundle: BundleProgressOut | None


class NoticeOut(Schema):
    id: int
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


class NoticesOut(Schema):
    unread: int
    total: int
    items: list[NoticeOut]


class MarkedOut(Schema):
    marked: int
