"""Plain data objects the case engine hands to pages, the API and other apps (never ORM rows to mutate)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tongban.cases.models.codes import (
    AcceptanceMode,
    ApplicantKind,
    AttachmentSource,
    CaseKind,
    CaseStatus,
    DeliveryMethod,
    StepKind,
)
from tongban.core.audit import Actor
from tongban.directory.interface import StaffRole

# ------------------------------------------------------------------ labels


def status_label(status: str, *, acceptance_mode: str = "") -> str:
    """The Chinese label of a status; 已申请 says what it waits for (待预审 in pre-review mode, else 待受理)."""
    if status == CaseStatus.SUBMITTED:
        return "已申请（待预审）" if acceptance_mode == AcceptanceMode.PRE_REVIEW else "已申请（待受理）"
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


def choice_label(enum: Any, value: str) -> str:
    try:
        return str(enum(value).label)
    except ValueError:
        return value


# ------------------------------------------------------------------ processing configuration


@dataclass(frozen=True)
class StepSpec:
    """One step of the processing chain (办理环节).

    ``kind``: handle 承办 / review 审核 / approve 审批 / countersign 会签; ``role``: the staff role that handles it in
    the case's department (a countersign step: the reviewers of each of ``department_ids``, all must sign).
    """

    name: str
    kind: str
    role: str
    budget_days: int
    department_ids: tuple[int, ...] = ()

    @property
    def kind_label(self) -> str:
        return choice_label(StepKind, self.kind)

    @property
    def role_label(self) -> str:
        return choice_label(StaffRole, self.role)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "role": self.role, "budget_days": self.budget_days,
                "department_ids": list(self.department_ids)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> StepSpec:
        return cls(name=str(raw["name"]), kind=str(raw["kind"]), role=str(raw["role"]),
                   budget_days=int(raw.get("budget_days") or 0),
                   department_ids=tuple(int(d) for d in raw.get("department_ids") or ()))


@dataclass(frozen=True)
class ProcessingConfigData:
    """The processing configuration of one implementation; ``is_default`` when nobody has saved one yet."""

    implementation_id: int
    implementation_code: str
    item_name: str
    department_id: int
    department_name: str
    acceptance_mode: str
    steps: tuple[StepSpec, ...]
    handled_externally: bool
    fee_amount_fen: int | None
    fee_charged: bool
    promised_limit_working_days: int
    is_default: bool
    revision: int
    updated_at: datetime | None

    @property
    def acceptance_mode_label(self) -> str:
        return choice_label(AcceptanceMode, self.acceptance_mode)

    @property
    def budget_total(self) -> int:
        return sum(step.budget_days for step in self.steps)


# ------------------------------------------------------------------ drafts and materials


@dataclass(frozen=True)
class AttachmentRow:
    """One supplied material (a file, a reused file or a licence reference)."""

    id: int
    material_name: str
    source: str
    file_id: int | None
    display_name: str
    mime: str
    size: int
    license_label: str
    supplement_round: int
    created_at: datetime

    @property
    def source_label(self) -> str:
        return choice_label(AttachmentSource, self.source)


@dataclass(frozen=True)
class MaterialStatus:
    """A required material (申请材料) of the item and what has been supplied for it."""

    name: str
    required: bool
    note: str
    license_type: str
    original_count: int
    copy_count: int
    attachments: tuple[AttachmentRow, ...]

    @property
    def met(self) -> bool:
        return bool(self.attachments)


@dataclass(frozen=True)
class DraftMember:
    """A member item of a bundle draft, with the implementation that will handle it."""

    item_code: str
    item_name: str
    implementation_id: int
    implementation_code: str
    department_name: str


@dataclass(frozen=True)
class DraftView:
    """A draft as the application page shows it: the form (``form``: a FormSpec of tongban.catalog.forms), the
    saved values, the prefill suggestions and the materials."""

    id: int
    target_key: str
    title: str
    implementation_code: str
    bundle_code: str
    department_name: str
    organization_id: int | None
    form: Any
    data: dict[str, Any]
    prefill: dict[str, Any]
    materials: tuple[MaterialStatus, ...]
    members: tuple[DraftMember, ...]
    created_at: datetime
    updated_at: datetime
    blocked_reason: str = ""  # e.g. the item was suspended after the draft began: the draft is kept


@dataclass(frozen=True)
class ReusableFile:
    """An earlier accepted upload of the same applicant that may meet a material again (材料复用)."""

    file_id: int
    display_name: str
    mime: str
    size: int
    material_name: str
    case_number: str
    uploaded_at: datetime


# ------------------------------------------------------------------ submission


@dataclass(frozen=True)
class ReceiptChild:
    case_id: int
    case_number: str
    item_name: str
    department_name: str
    acceptance_due: date | None


@dataclass(frozen=True)
class CaseReceipt:
    """回执: what the applicant gets at submission (the web engineer renders it as a page and a PDF)."""

    case_id: int
    case_number: str
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
    acceptance_due_provisional: bool
    promised_limit_value: int
    promised_limit_unit: str
    consult_phone: str
    address: str
    materials: tuple[tuple[str, str], ...]  # (material name, how it was supplied)
    children: tuple[ReceiptChild, ...] = ()
    lookup_hint: str = "可凭办件编号和申请人名称在“办件查询”中查询进度。"

    @property
    def is_bundle(self) -> bool:
        return self.kind == CaseKind.BUNDLE_PARENT

    @property
    def applicant_kind_label(self) -> str:
        return choice_label(ApplicantKind, self.applicant_kind)


# ------------------------------------------------------------------ clock, timeline, views


@dataclass(frozen=True)
class CaseClock:
    """The case's clock as pages show it. ``kind`` is acceptance (受理), decision (办结) or "" when finished."""

    kind: str
    due: date | None
    provisional: bool
    colour: str  # green | yellow | red | "" (no running clock)
    running: bool
    stopped_since: datetime | None
    stopped_working_days: int
    extension_working_days: int
    overdue_marked_at: datetime | None

    @property
    def label(self) -> str:
        return {"acceptance": "受理期限", "decision": "办结期限"}.get(self.kind, "")


@dataclass(frozen=True)
class TimelineEntry:
    occurred_at: datetime
    transition: str
    title: str
    text: str  # plain language for the applicant, or the working record for staff
    actor_label: str
    step_name: str
    opinion: str
    attachments: tuple[int, ...]


@dataclass(frozen=True)
class StepRow:
    position: int
    round: int
    name: str
    kind: str
    role: str
    department_id: int
    department_name: str
    budget_days: int
    due: date | None
    opened_at: datetime
    closed_at: datetime | None
    outcome: str
    opinion: str
    actor_label: str

    @property
    def kind_label(self) -> str:
        return choice_label(StepKind, self.kind)


@dataclass(frozen=True)
class ChildProgress:
    case_id: int
    case_number: str
    item_name: str
    department_name: str
    status: str
    status_label: str
    clock: CaseClock


@dataclass(frozen=True)
class BundleProgress:
    """一件事: the children's statuses and what the parent's status is derived from them."""

    status: str
    status_label: str
    total: int
    closed: int
    children: tuple[ChildProgress, ...]


@dataclass(frozen=True)
class ApplicantCaseRow:
    """One line of 我的办件."""

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
    needs_action: bool


@dataclass(frozen=True)
class DocumentRow:
    """A document the applicant can see: a decision document or a result (licence) reference."""

    name: str
    kind: str  # decision | result
    reference: str = ""
    file_id: int | None = None


@dataclass(frozen=True)
class ApplicantCaseView:
    """办件详情 for the applicant: plain-language timeline, what to do now, the due date and the documents."""

    id: int
    case_number: str
    kind: str
    title: str
    department_name: str
    status: str
    status_label: str
    submitted_at: datetime | None
    clock: CaseClock
    next_action: str
    can_withdraw: bool
    can_resubmit: bool
    supplement_items: tuple[dict[str, str], ...]
    timeline: tuple[TimelineEntry, ...]
    materials: tuple[MaterialStatus, ...]
    documents: tuple[DocumentRow, ...]
    decision_outcome: str
    delivery_method: str
    fee_amount_fen: int | None
    bundle: BundleProgress | None = None

    @property
    def delivery_method_label(self) -> str:
        return choice_label(DeliveryMethod, self.delivery_method) if self.delivery_method else ""


@dataclass(frozen=True)
class StaffCaseRow:
    """One line of a workbench queue; the applicant masked."""

    id: int
    case_number: str
    kind: str
    item_name: str
    department_id: int | None
    department_name: str
    applicant_kind: str
    applicant_name_masked: str
    applicant_id_masked: str
    status: str
    status_label: str
    submitted_at: datetime | None
    clock_due: date | None
    due_colour: str
    overdue_marked_at: datetime | None
    resubmitted_at: datetime | None


@dataclass(frozen=True)
class StaffCaseView:
    """办件详情 for staff: applicant masked (reveal through case_applicant_reveal, audited), form, materials,
    steps, timeline, clock, and only the transitions this staff member may make now."""

    id: int
    case_number: str
    kind: str
    item_name: str
    item_code: str
    implementation_code: str
    department_id: int | None
    department_name: str
    applicant_kind: str
    applicant_name_masked: str
    applicant_id_masked: str
    status: str
    status_label: str
    acceptance_mode: str
    handled_externally: bool
    submitted_at: datetime | None
    accepted_at: datetime | None
    clock: CaseClock
    form_key: str
    form_data: dict[str, Any]
    materials: tuple[MaterialStatus, ...]
    steps: tuple[StepRow, ...]
    timeline: tuple[TimelineEntry, ...]
    supplements: tuple[dict[str, Any], ...]
    special_procedures: tuple[dict[str, Any], ...]
    decision_outcome: str
    decision_documents: tuple[dict[str, Any], ...]
    delivery_method: str
    result_references: tuple[dict[str, Any], ...]
    fee_amount_fen: int | None
    extension_used: bool
    allowed_transitions: tuple[str, ...]
    children: tuple[ChildProgress, ...] = field(default=())
    # The form as it was at submission (tongban.catalog.forms.form_spec_restore renders it read-only).
    form_snapshot: dict[str, Any] = field(default_factory=dict)
    # How many steps the case's chain has (the last one is finished by the decision, not by step_complete).
    chain_length: int = 0

    @property
    def acceptance_mode_label(self) -> str:
        return choice_label(AcceptanceMode, self.acceptance_mode)


@dataclass(frozen=True)
class RevealedApplicant:
    """The applicant unmasked, returned by the audited ``case_applicant_reveal``. Never cache it."""

    name: str
    id_number: str


@dataclass(frozen=True)
class CaseProgress:
    """办件查询 without login: the minimum (no names, no materials, no opinions)."""

    case_number: str
    item_name: str
    status_label: str
    updated_on: date


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class SupplementItem:
    """One thing to supplement or correct (补齐补正): a material or a form field, with the reason."""

    reason: str
    material: str = ""
    field: str = ""

    def as_json(self) -> dict[str, str]:
        return {"material": self.material, "field": self.field, "reason": self.reason}


@dataclass(frozen=True)
class DecisionDocument:
    """A document of the decision (决定文书): its name, optional document number and stored file."""

    name: str
    number: str = ""
    file_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "number": self.number, "file_id": self.file_id}


@dataclass(frozen=True)
class DepartmentSystemActor:
    """A department's own business system calling back (OAuth2 client credentials, checked by the API layer)."""

    client_id: str
    department_id: int
    name: str


# ------------------------------------------------------------------ archive (电子档案) and sealed documents


@dataclass(frozen=True)
class CaseAccess:
    """A case that someone may read (:func:`tongban.cases.selectors.case_reader_check`): enough to scope a
    follow-up read of another app's data about the case (its sealed documents)."""

    case_id: int
    case_number: str
    department_id: int | None
    reader_kind: str  # ActorKind: applicant | staff
    audit_actor: Actor  # who reads, as the audit log records them
    on_behalf_of: Actor | None = None


@dataclass(frozen=True)
class ArchiveAttachment:
    """A supplied material as the archive keeps it: a stored file (``file_id``) or a licence reference."""

    id: int
    material_name: str
    source: str
    file_id: int | None
    license_reference: dict[str, Any] | None
    display_name: str
    mime: str
    size: int
    sha256: str
    supplement_round: int
    created_at: datetime


@dataclass(frozen=True)
class ArchiveEvent:
    """One row of the case's timeline (办件时间线), unabridged."""

    id: int
    transition: str
    from_status: str
    to_status: str
    occurred_at: datetime
    actor_kind: str
    actor_label: str
    on_behalf_of_label: str
    department_id: int | None
    step_name: str
    opinion: str
    attachments: tuple[int, ...]
    detail: dict[str, Any]


@dataclass(frozen=True)
class CaseArchiveRecord:
    """Everything about one case, unmasked, for its archive package (电子档案) and its sealed documents (办件文书):
    metadata, the submitted form, the supplied materials, the decision documents and results, and the whole
    timeline (events, steps, supplement requests, special procedures). Only the platform's own consumers read it
    (:func:`tongban.cases.selectors.case_archive_record` checks nothing)."""

    id: int
    case_number: str
    kind: str
    parent_id: int | None
    item_code: str
    item_name: str
    implementation_code: str
    department_id: int | None
    department_name: str
    applicant_kind: str
    applicant_user_id: int
    organization_id: int | None
    applicant_name: str
    applicant_id_number: str
    status: str
    status_label: str
    acceptance_mode: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    delivered_at: datetime | None
    closed_at: datetime | None
    acceptance_due: date | None
    decision_due: date | None
    promised_limit_value: int
    promised_limit_unit: str
    decision_outcome: str
    delivery_method: str
    fee_amount_fen: int | None
    fee_paid_at: datetime | None
    payment_reference: str
    form_key: str
    form_data: dict[str, Any]
    form_snapshot: dict[str, Any]
    decision_documents: tuple[dict[str, Any], ...]
    result_references: tuple[dict[str, Any], ...]
    attachments: tuple[ArchiveAttachment, ...]
    events: tuple[ArchiveEvent, ...]
    steps: tuple[dict[str, Any], ...]
    supplements: tuple[dict[str, Any], ...]
    special_procedures: tuple[dict[str, Any], ...]

    @property
    def applicant_kind_label(self) -> str:
        return choice_label(ApplicantKind, self.applicant_kind)

    def event(self, event_id: int) -> ArchiveEvent | None:
        return next((e for e in self.events if e.id == event_id), None)
