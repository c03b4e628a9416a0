"""Reads of the case engine for the pages and the API: 我的办件 (persons, organisations), the applicant's case
page, the workbench queues and search (within the staff member's scope, applicants masked), the receipt, the
progress lookup without login, reusable materials and drafts.

Lists are lazy sequences of plain rows for Django's paginator (one count query, one query per page, one more for
a page's bundle children) — never an N+1. Staff reads of one case that must be audited (opening it, reading a
material, revealing the applicant) are services (:mod:`tongban.cases.services.access`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from tongban.cases import clock, workflow
from tongban.cases.actors import (
    CaseActor,
    actor_tokens,
    applicant_actor,
    case_for_actor,
    id_index,
    implementation_code,
    is_own_case,
    name_index,
    staff_actor,
)
from tongban.cases.materials import (
    requirements_of_versions,
    reusable_attachments,
    reusable_file_ids,
)
from tongban.cases.models import (
    AcceptanceMode,
    ApplicantKind,
    Attachment,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CaseStep,
    DecisionOutcome,
    DeliveryMethod,
    Draft,
    ProcessingConfig,
    StepOutcome,
)
from tongban.cases.present import (
    bundle_progress,
    case_clock,
    case_materials,
    children_of,
    derived_status,
    receipt_of,
)
from tongban.cases.records import (
    ApplicantCaseRow,
    ApplicantCaseView,
    ArchiveAttachment,
    ArchiveEvent,
    CaseAccess,
    CaseArchiveRecord,
    CaseClock,
    CaseProgress,
    CaseReceipt,
    DocumentRow,
    ReusableFile,
    StaffCaseRow,
    TimelineEntry,
    choice_label,
    status_label,
)
from tongban.cases.registry import LicenseReference, license_resolvers
from tongban.catalog import selectors as catalog_selectors
from tongban.core.calendar import deadline_add
from tongban.core.crypto import mask_id_number, mask_name
from tongban.core.errors import NotFound
from tongban.core.rows import COUNT_LIMIT, Rows
from tongban.directory.selectors import StaffContext
from tongban.organizations.interface import AgentScope

__all__ = [
    "BATCH_ACCEPT_MAX", "BATCH_ACCEPT_MODES", "QUEUES", "BatchAcceptRow", "CaseBrief", "CaseQueue",
    "ProcessingConfigSummary", "Rows", "attachment_reusable_list", "bundle_progress",
    "case_archive_record", "case_batch_accept_check_for_staff", "case_brief_for_department", "case_clock",
    "case_detail_for_applicant", "case_id_by_number", "case_list_for_organization", "case_list_for_person",
    "case_progress_lookup", "case_queue_counts_for_staff", "case_queue_for_staff", "case_reader_check",
    "case_receipt_for_applicant", "case_search_for_staff",
    "draft_list_for_applicant", "processing_config_summaries", "reusable_file_ids",
]

NEEDS_APPLICANT = frozenset({CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.AWAITING_PAYMENT})
STAFF_ROW_FIELDS = (
    "id", "case_number", "kind", "item_name", "department_id", "department__name", "applicant_kind",
    "applicant_name", "applicant_id_number", "status", "acceptance_mode", "submitted_at", "clock_due", "overdue_at",
    "resubmitted_at")


# ------------------------------------------------------------------ applicant: 我的办件


def _applicant_row(case: Case) -> ApplicantCaseRow:
    if case.kind == CaseKind.BUNDLE_PARENT:
        children = children_of(case)
        status = derived_status([c.status for c in children], case.status)
        dues = [c.clock_due for c in children if c.clock_due is not None]
        due = min(dues) if dues else None
        needs = any(c.status in NEEDS_APPLICANT for c in children)
        label = status_label(status)
    else:
        status, due, needs = case.status, case.clock_due, case.status in NEEDS_APPLICANT
        label = status_label(status, acceptance_mode=case.acceptance_mode)
    return ApplicantCaseRow(
        id=case.pk, case_number=case.case_number, kind=case.kind, title=case.item_name,
        department_name=case.department.name if case.department_id and case.department else "", status=status,
        status_label=label, submitted_at=case.submitted_at, due=due, due_colour=clock.due_colour(due=due),
        needs_action=needs)


STATUS_GROUPS: dict[str, frozenset[str]] = {
    "open": frozenset({CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.ACCEPTED,
                       CaseStatus.IN_REVIEW, CaseStatus.SPECIAL_PROCEDURE, CaseStatus.AWAITING_PAYMENT,
                       CaseStatus.APPROVED, CaseStatus.DENIED}),
    "action": NEEDS_APPLICANT,
    "closed": frozenset({CaseStatus.COMPLETED, CaseStatus.DELIVERED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN,
                         CaseStatus.VOIDED}),
}


def _applicant_queryset(base: QuerySet[Case], status_group: str | None) -> QuerySet[Case]:
    qs = base.exclude(kind=CaseKind.BUNDLE_CHILD).select_related("department").prefetch_related(
        Prefetch("children", queryset=Case.objects.select_related("department").order_by("pk")))
    if status_group:
        statuses = STATUS_GROUPS.get(status_group, frozenset())
        if status_group == "action":
            qs = qs.filter(Q(status__in=statuses) | Q(children__status__in=statuses)).distinct()
        else:
            qs = qs.filter(status__in=statuses)
    return qs.order_by("-submitted_at", "-pk")


def case_list_for_person(*, user: Any, status_group: str | None = None) -> Rows[ApplicantCaseRow]:
    """我的办件 of a person (their own cases, not those they filed for an organisation). ``status_group``: open,
    action (waiting for the applicant), closed."""
    base = Case.objects.filter(applicant_user_id=getattr(user, "pk", None), organization__isnull=True)
    return Rows(_applicant_queryset(base, status_group), _applicant_row)


def case_list_for_organization(*, user: Any, org_id: int, status_group: str | None = None) -> Rows[ApplicantCaseRow]:
    """The organisation's cases, whoever filed them, for its own account, its legal representative and agents
    with the "view_cases" scope (:class:`NotPermitted` otherwise)."""
    actor = applicant_actor(user=user, org_id=org_id)
    assert actor.org is not None
    actor.org.require(AgentScope.VIEW_CASES)
    return Rows(_applicant_queryset(Case.objects.filter(organization_id=org_id), status_group), _applicant_row)


def _reader(*, user: Any, org_id: int | None) -> CaseActor:
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.VIEW_CASES)
    return actor


def _own_case(actor: CaseActor, case_id: int) -> Case:
    case = (Case.objects.select_related("department", "implementation_version", "item_version")
            .filter(pk=case_id).first())
    if case is None or not is_own_case(actor, case):
        raise NotFound(_("没有找到这个办件。"))
    return case


def _applicant_text(event: CaseEvent, case: Case) -> tuple[str, str] | None:
    """(title, plain-language text) of a timeline row for the applicant, or None for internal rows."""
    t = event.transition
    d = event.detail or {}
    if t == "submit":
        return _("提交申请"), _("您提交了申请，办件编号%(n)s。") % {"n": case.case_number}
    if t == "accept":
        return _("已受理"), _("%(d)s受理了您的申请。") % {"d": case.department.name if case.department else _("办理部门")}
    if t == "refuse":
        return _("不予受理"), _("不予受理。理由：%(r)s；依据：%(b)s。") % {
            "r": "；".join(d.get("reasons", [])), "b": d.get("legal_basis", "")}
    if t == "request_supplement":
        things = "；".join(f"{i.get('material') or i.get('field')}：{i.get('reason')}" for i in d.get("items", []))
        return _("请补齐补正"), _("需要您补齐补正：%(t)s。办理时限暂停计算。") % {"t": things}
    if t == "resubmit":
        return _("已提交补正"), _("您提交了补正材料，我们将继续办理。")
    if t == "step_complete" and d.get("outcome") == StepOutcome.PASS:
        return _("审查中"), _("“%(s)s”已完成。") % {"s": event.step_name}
    if t == "countersign" and d.get("outcome") == StepOutcome.PASS:
        return _("会签"), _("相关部门已会签。")
    if t == "special_procedure_start":
        return _("特别程序"), _("进入%(k)s，期间不计入办理时限。原因：%(r)s") % {
            "k": d.get("kind_label", ""), "r": event.opinion}
    if t == "special_procedure_end":
        return _("特别程序结束"), _("%(k)s已结束，继续办理。") % {"k": d.get("kind_label", "")}
    if t == "extend":
        return _("延期"), _("经批准，办理时限延长%(n)s个工作日。理由：%(r)s") % {
            "n": d.get("working_days", ""), "r": event.opinion}
    if t in ("decide", "instant_decide"):
        if d.get("outcome") == DecisionOutcome.APPROVE:
            return _("准予"), _("已作出准予决定。")
        return _("不予许可"), _("作出不予许可决定。理由：%(r)s") % {"r": event.opinion}
    if t == "request_payment":
        return _("待缴费"), _("请缴纳费用%(y)s元。") % {"y": f"{(d.get('amount_fen') or 0) / 100:.2f}"}
    if t == "confirm_payment":
        return _("已缴费"), _("费用已缴纳。")
    if t == "complete":
        return _("办结"), _("已办结。")
    if t == "deliver":
        return _("已送达"), _("办理结果已送达（%(m)s）。") % {"m": choice_label(DeliveryMethod, case.delivery_method)}
    if t == "withdraw":
        return _("已撤回"), _("您撤回了申请。")
    if t == "void":
        return _("已作废"), _("办件已作废。原因：%(r)s") % {"r": event.opinion}
    return None


def _applicant_timeline(case: Case, children: Sequence[Case]) -> tuple[TimelineEntry, ...]:
    cases = {case.pk: case, **{c.pk: c for c in children}}
    events = CaseEvent.objects.filter(case_id__in=list(cases)).order_by("occurred_at", "pk")
    entries = []
    for event in events:
        owner = cases[event.case_id]
        if owner.kind == CaseKind.BUNDLE_CHILD and event.transition in ("submit", "withdraw"):
            continue
        text = _applicant_text(event, owner)
        if text is None:
            continue
        title, body = text
        if owner.pk != case.pk:
            title = f"{owner.item_name}：{title}"
        entries.append(TimelineEntry(
            occurred_at=event.occurred_at, transition=event.transition, title=title, text=body,
            actor_label=owner.department.name if event.actor_kind in ("staff", "department_system") and owner.department
            else "", step_name=event.step_name, opinion="", attachments=()))
    return tuple(entries)


def _next_action(case: Case, children: Sequence[Case], clock_: CaseClock) -> str:
    if case.kind == CaseKind.BUNDLE_PARENT and case.status == CaseStatus.SUBMITTED:
        waiting = [c for c in children if c.status in NEEDS_APPLICANT]
        if waiting:
            return _next_action(waiting[0], (), case_clock(waiting[0]))
        closed = sum(1 for c in children if c.status in workflow.CHILD_CLOSED)
        return _("共%(t)d个事项，已办结%(c)d个，请等待其余事项办理。") % {"t": len(children), "c": closed}
    status = case.status
    due = clock_.due.strftime("%Y年%m月%d日") if clock_.due else ""
    if status == CaseStatus.SUPPLEMENT_REQUESTED:
        request = case.supplements.order_by("-round").first()
        things = "；".join(f"{i.get('material') or i.get('field')}（{i.get('reason')}）"
                          for i in (request.items if request else []))
        return _("请补齐补正后重新提交：%(t)s。") % {"t": things}
    if status == CaseStatus.AWAITING_PAYMENT:
        return _("请缴纳费用%(y)s元。") % {"y": f"{(case.fee_amount_fen or 0) / 100:.2f}"}
    if status == CaseStatus.SUBMITTED:
        return _("等待受理，将在%(d)s前告知受理结果。") % {"d": due} if due else _("等待受理。")
    if status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW):
        return _("正在审查，预计%(d)s前办结。") % {"d": due} if due else _("正在审查。")
    if status == CaseStatus.SPECIAL_PROCEDURE:
        return _("正在进行特别程序，期间不计入办理时限。")
    if status in (CaseStatus.APPROVED, CaseStatus.DENIED):
        return _("已作出决定，等待办结。")
    if status == CaseStatus.COMPLETED:
        if case.kind == CaseKind.BUNDLE_PARENT:
            return _("各事项均已办结，结果将统一送达。")
        if case.delivery_method == DeliveryMethod.WINDOW:
            where = case.implementation_version.address if case.implementation_version else ""
            return _("请带好身份证件到%(w)s领取办理结果。") % {"w": where or _("办理窗口")}
        if case.delivery_method == DeliveryMethod.COURIER:
            return _("办理结果将邮寄给您。")
        return _("请在本页查看电子办理结果。")
    if status == CaseStatus.DELIVERED:
        return _("办理结果已送达，无需其他操作。")
    return _("本办件已终止，无需其他操作。")


def _documents(cases: Sequence[Case]) -> tuple[DocumentRow, ...]:
    rows: list[DocumentRow] = []
    for case in cases:
        for doc in case.decision_documents or []:
            rows.append(DocumentRow(name=str(doc.get("name", "")), kind="decision",
                                    reference=str(doc.get("number", "")), file_id=doc.get("file_id")))
        for ref in case.result_references or []:
            rows.append(DocumentRow(name=str(ref.get("label", "")), kind="result", reference=str(ref.get("reference", ""))))
    return tuple(rows)


def case_detail_for_applicant(*, user: Any, org_id: int | None = None, case_id: int,
                              today: date | None = None) -> ApplicantCaseView:
    """办件详情 for the applicant (a person, or someone with the organisation's "view_cases" scope): plain-language
    timeline (a 一件事 with its children's rows), what to do now, the due date and the documents. 404 for a case
    that is not theirs."""
    actor = _reader(user=user, org_id=org_id)
    case = _own_case(actor, case_id)
    children = children_of(case) if case.kind == CaseKind.BUNDLE_PARENT else []
    clock_ = case_clock(case, today=today)
    tokens = actor_tokens(actor, case, steps=[])
    can_withdraw = workflow.APPLICANT in tokens and (
        "withdraw" in workflow.allowed_transitions(current=case.status, actors=tokens)
        if case.kind != CaseKind.BUNDLE_PARENT else case.status == CaseStatus.SUBMITTED and all(
            c.status in workflow.CHILD_CLOSED
            or "withdraw" in workflow.allowed_transitions(current=c.status, actors={workflow.APPLICANT})
            for c in children))
    request = case.supplements.order_by("-round").first() if case.status == CaseStatus.SUPPLEMENT_REQUESTED else None
    bundle = bundle_progress(case, today=today) if case.kind == CaseKind.BUNDLE_PARENT else None
    status = bundle.status if bundle else case.status
    return ApplicantCaseView(
        id=case.pk, case_number=case.case_number, kind=case.kind, title=case.item_name,
        department_name=case.department.name if case.department else "", status=status,
        status_label=bundle.status_label if bundle else status_label(status, acceptance_mode=case.acceptance_mode),
        submitted_at=case.submitted_at, clock=clock_, next_action=_next_action(case, children, clock_),
        can_withdraw=can_withdraw,
        can_resubmit=workflow.APPLICANT in tokens and case.status == CaseStatus.SUPPLEMENT_REQUESTED,
        supplement_items=tuple(request.items) if request else (),
        timeline=_applicant_timeline(case, children), materials=case_materials(case, children),
        documents=_documents([case, *children]), decision_outcome=case.decision_outcome,
        delivery_method=case.delivery_method, fee_amount_fen=case.fee_amount_fen, bundle=bundle)


def case_receipt_for_applicant(*, user: Any, org_id: int | None = None, case_id: int) -> CaseReceipt:
    """The receipt (回执) again, for the page and the PDF."""
    actor = _reader(user=user, org_id=org_id)
    return receipt_of(_own_case(actor, case_id))


@dataclass(frozen=True)
class DraftSummary:
    id: int
    title: str
    target_key: str
    updated_at: datetime


def draft_list_for_applicant(*, user: Any, org_id: int | None = None) -> list[DraftSummary]:
    """The applicant's drafts (for the organisation: this account's drafts for it), newest first."""
    actor = applicant_actor(user=user, org_id=org_id)
    qs = Draft.objects.filter(applicant_user_id=actor.user_id).select_related("implementation__item__current_version")
    qs = qs.filter(organization_id=actor.org.org_id) if actor.org else qs.filter(organization__isnull=True)
    rows = []
    for draft in qs.order_by("-updated_at"):
        if draft.implementation_id:
            impl: Any = draft.implementation
            version = impl.item.current_version
            title = version.name if version else impl.code
        else:
            title = draft.bundle_code
        rows.append(DraftSummary(id=draft.pk, title=title, target_key=draft.target_key, updated_at=draft.updated_at))
    return rows


# ------------------------------------------------------------------ 材料复用


def attachment_reusable_list(*, user: Any, org_id: int | None = None, material_name: str = "") -> list[ReusableFile]:
    """Earlier accepted uploads of the same person (or organisation) that can meet a material again (材料复用),
    one per file, newest first; ``material_name`` keeps those supplied for that material first."""
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.APPLY)
    allowed = reusable_file_ids(actor=actor)
    seen: set[int] = set()
    rows: list[ReusableFile] = []
    for attachment in reusable_attachments(actor).order_by("-created_at", "-pk"):
        if attachment.file_id not in allowed or attachment.file_id in seen:
            continue
        seen.add(attachment.file_id)
        rows.append(ReusableFile(
            file_id=attachment.file_id, display_name=attachment.display_name, mime=attachment.mime,
            size=attachment.size, material_name=attachment.material_name, case_number=attachment.case.case_number if attachment.case else "",
            uploaded_at=attachment.created_at))
    if material_name:
        rows.sort(key=lambda r: r.material_name != material_name)
    return rows


def license_options_for_applicant(*, user: Any, org_id: int | None = None,
                                  license_type: str) -> list[LicenseReference]:
    """The applicant's valid licences that can stand for a material whose ``license_type`` this is (免交), from the
    registered licence resolvers; none without a resolver."""
    if not license_type:
        return []
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.APPLY)
    seen: set[str] = set()
    options: list[LicenseReference] = []
    for resolver in license_resolvers():
        for reference in resolver.licenses_for(user_id=actor.user_id or 0,
                                               org_id=actor.org.org_id if actor.org else None,
                                               license_type=license_type):
            if reference.license_id not in seen:
                seen.add(reference.license_id)
                options.append(reference)
    return options


# ------------------------------------------------------------------ staff: the workbench


class CaseQueue:
    TO_ACCEPT = "to_accept"  # 待受理
    MY_STEPS = "my_steps"  # 我的待办环节
    DUE_SOON = "due_soon"  # 临近到期
    OVERDUE = "overdue"  # 已超期
    SUPPLEMENTED = "supplemented"  # 已补正
    IN_SPECIAL_PROCEDURE = "in_special_procedure"  # 特别程序中


QUEUES = {
    CaseQueue.TO_ACCEPT: "待受理",
    CaseQueue.MY_STEPS: "我的待办",
    CaseQueue.DUE_SOON: "临近到期",
    CaseQueue.OVERDUE: "已超期",
    CaseQueue.SUPPLEMENTED: "已补正待处理",
    CaseQueue.IN_SPECIAL_PROCEDURE: "特别程序中",
}


def _staff_row(case: Case) -> StaffCaseRow:
    return StaffCaseRow(
        id=case.pk, case_number=case.case_number, kind=case.kind, item_name=case.item_name,
        department_id=case.department_id, department_name=case.department.name if case.department else "",
        applicant_kind=case.applicant_kind, applicant_name_masked=mask_name(case.applicant_name),
        applicant_id_masked=mask_id_number(case.applicant_id_number) if case.applicant_kind == ApplicantKind.PERSON
        else case.applicant_id_number,
        status=case.status, status_label=status_label(case.status, acceptance_mode=case.acceptance_mode),
        submitted_at=case.submitted_at, clock_due=case.clock_due, due_colour=clock.due_colour(due=case.clock_due),
        overdue_marked_at=case.overdue_at, resubmitted_at=case.resubmitted_at)


def _in_scope(staff: StaffContext) -> QuerySet[Case]:
    return (Case.objects.filter(staff.scope.department_filter("department_id"))
            .select_related("department").only(*STAFF_ROW_FIELDS))


def _queue_queryset(staff: StaffContext, queue: str, today: date) -> QuerySet[Case]:
    if queue == CaseQueue.MY_STEPS:
        mine = CaseStep.objects.filter(case=OuterRef("pk"), closed_at__isnull=True, department_id=staff.department_id,
                                       role__in=sorted(staff.roles))
        return (Case.objects.filter(Exists(mine), status__in=(CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW,
                                                               CaseStatus.SPECIAL_PROCEDURE))
                .select_related("department").only(*STAFF_ROW_FIELDS).order_by("clock_due", "submitted_at", "pk"))
    qs = _in_scope(staff)
    if queue == CaseQueue.TO_ACCEPT:
        return qs.filter(status=CaseStatus.SUBMITTED).exclude(kind=CaseKind.BUNDLE_PARENT).order_by(
            "clock_due", "submitted_at", "pk")
    if queue == CaseQueue.OVERDUE:
        return qs.filter(clock_due__lt=today).order_by("clock_due", "pk")
    if queue == CaseQueue.DUE_SOON:
        warn = deadline_add(start=today, working_days=max(int(settings.DUE_WARN_WORKING_DAYS), 0)).due
        return qs.filter(clock_due__gte=today, clock_due__lte=warn).order_by("clock_due", "pk")
    if queue == CaseQueue.SUPPLEMENTED:
        return qs.filter(status__in=(CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW),
                         resubmitted_at__isnull=False).order_by("-resubmitted_at", "pk")
    if queue == CaseQueue.IN_SPECIAL_PROCEDURE:
        return qs.filter(status=CaseStatus.SPECIAL_PROCEDURE).order_by("submitted_at", "pk")
    raise NotFound(_("没有这个工作队列。"))


def case_queue_for_staff(*, staff: StaffContext | None, queue: str, today: date | None = None) -> Rows[StaffCaseRow]:
    """A workbench queue within the staff member's scope (their department; platform-wide staff: all), applicants
    masked: ``to_accept`` (待受理), ``my_steps`` (open steps of their roles in their department — countersigning
    included), ``due_soon`` (running clock due within TONGBAN_DUE_WARN_WORKING_DAYS), ``overdue``, ``supplemented``
    (resubmitted after 补齐补正), ``in_special_procedure``."""
    if staff is None:
        return Rows(Case.objects.none(), _staff_row)
    return Rows(_queue_queryset(staff, queue, today or clock.today()), _staff_row)


def case_queue_counts_for_staff(*, staff: StaffContext | None, today: date | None = None) -> dict[str, int]:
    """How many cases each queue holds (for the workbench tabs)."""
    if staff is None:
        return dict.fromkeys(QUEUES, 0)
    on = today or clock.today()
    return {queue: _queue_queryset(staff, queue, on).count() for queue in QUEUES}


def case_search_for_staff(
    *, staff: StaffContext | None, case_number: str = "", item: str = "", submitted_from: date | None = None,
    submitted_to: date | None = None, applicant_name: str = "", applicant_id_number: str = "", status: str = "",
) -> Rows[StaffCaseRow]:
    """Search within scope by case number (prefix), item (basic code or name fragment), submission dates, the
    applicant's exact name or ID number / credit code (matched through blind indexes; shown masked), status.

    A name fragment is looked up in the catalogue (every version's name, and the 一件事 names) and the cases are
    then matched by code, through an index: a case's item name is a copy of its item version's name (a 一件事
    主办件's, of the 一件事's), and scanning millions of copies for a fragment would read the whole table."""
    if staff is None:
        return Rows(Case.objects.none(), _staff_row)
    qs = _in_scope(staff)
    if case_number.strip():
        qs = qs.filter(case_number__startswith=case_number.strip())
    if item.strip():
        text = item.strip()
        named = catalog_selectors.codes_named(text=text)
        match = Q(item_code__in=sorted({text, *named.item_codes}))
        if named.bundle_codes:
            match |= Q(kind=CaseKind.BUNDLE_PARENT, bundle_code__in=named.bundle_codes)
        qs = qs.filter(match)
    if submitted_from:
        qs = qs.filter(submitted_at__gte=datetime.combine(submitted_from, datetime.min.time(), tzinfo=clock.SHANGHAI))
    if submitted_to:
        qs = qs.filter(submitted_at__lt=datetime.combine(submitted_to, datetime.max.time(), tzinfo=clock.SHANGHAI))
    if applicant_name.strip():
        qs = qs.filter(applicant_name_index=name_index(applicant_name))
    if applicant_id_number.strip():
        qs = qs.filter(applicant_id_index=id_index(applicant_id_number))
    if status:
        qs = qs.filter(status=status)
    return Rows(qs.order_by("-submitted_at", "-pk"), _staff_row, count_limit=COUNT_LIMIT)


# Acceptance modes in which a window clerk may accept several complete cases at once (批量受理): receipt is
# acceptance (收件即受理 — cases back from a supplement request wait here), and pre-review with every required
# material supplied. Fully-online and complex items are examined one by one; instant items are decided at once.
BATCH_ACCEPT_MODES = frozenset({AcceptanceMode.RECEIPT, AcceptanceMode.PRE_REVIEW})
BATCH_ACCEPT_MAX = 100


@dataclass(frozen=True)
class BatchAcceptRow:
    """One case chosen for 批量受理, and whether it may be accepted with the others (else ``reason``)."""

    id: int
    case_number: str
    item_name: str
    applicant_name_masked: str
    acceptance_mode: str
    acceptable: bool
    reason: str


def case_batch_accept_check_for_staff(*, staff: StaffContext | None, case_ids: Sequence[int]) -> list[BatchAcceptRow]:
    """Which of ``case_ids`` (at most :data:`BATCH_ACCEPT_MAX`) a batch acceptance may accept: the staff member
    is a window clerk of the case's department, the case waits for acceptance (已申请) on the platform (not a
    department system's, not a 一件事 parent), its mode is in :data:`BATCH_ACCEPT_MODES` and every required material
    is supplied. Ids out of scope or unknown are left out; the order of ``case_ids`` is kept. Four queries."""
    if staff is None or not case_ids:
        return []
    wanted = list(dict.fromkeys(int(i) for i in case_ids))[:BATCH_ACCEPT_MAX]
    cases = {case.pk: case for case in Case.objects.filter(staff.scope.department_filter("department_id"),
                                                           pk__in=wanted)
             .select_related("item_version").prefetch_related("item_version__materials")}
    supplied: dict[int, set[str]] = {}
    for case_id, name in Attachment.objects.filter(case_id__in=list(cases)).values_list("case_id", "material_name"):
        supplied.setdefault(case_id, set()).add(name)
    clerk = workflow.WINDOW_CLERK in staff.roles
    rows = []
    for case_id in wanted:
        case = cases.get(case_id)
        if case is None:
            continue
        missing = [r.name for r in requirements_of_versions([case.item_version]) if r.required
                   and r.name not in supplied.get(case.pk, set())]
        if not clerk:
            reason = _("只有窗口受理人员可以受理。")
        elif case.status != CaseStatus.SUBMITTED:
            reason = _("办件当前状态为“%(s)s”，不在待受理状态。") % {"s": status_label(case.status)}
        elif case.kind == CaseKind.BUNDLE_PARENT:
            reason = _("一件事主办件不需要受理，请分别受理各子办件。")
        elif case.handled_externally:
            reason = _("该事项由部门业务系统受理。")
        elif case.acceptance_mode not in BATCH_ACCEPT_MODES:
            reason = _("%(m)s的办件须逐件审查后受理。") % {"m": choice_label(AcceptanceMode, case.acceptance_mode)}
        elif missing:
            reason = _("材料不全（缺少%(m)s），不能批量受理。") % {"m": "、".join(missing)}
        else:
            reason = ""
        rows.append(BatchAcceptRow(
            id=case.pk, case_number=case.case_number, item_name=case.item_name,
            applicant_name_masked=mask_name(case.applicant_name), acceptance_mode=case.acceptance_mode,
            acceptable=not reason, reason=reason))
    return rows


def case_id_by_number(*, case_number: str) -> int | None:
    """The id of the case with this number, or None. No permission check: the service called next with the id
    checks scope (and audits a refusal) — used by the department systems' callback API."""
    number = (case_number or "").strip()
    if not number or len(number) > 64:
        return None
    return Case.objects.filter(case_number=number).values_list("pk", flat=True).first()


@dataclass(frozen=True)
class CaseBrief:
    """Where a case stands, for the department system that reported on it (callback answers)."""

    case_number: str
    status: str
    status_label: str
    clock_due: date | None


def case_brief_for_department(*, case_id: int, department_id: int) -> CaseBrief | None:
    """The case's number and status if it belongs to ``department_id``, else None."""
    case = (Case.objects.filter(pk=case_id, department_id=department_id)
            .only("case_number", "status", "acceptance_mode", "clock_due").first())
    if case is None:
        return None
    return CaseBrief(case_number=case.case_number, status=case.status,
                     status_label=status_label(case.status, acceptance_mode=case.acceptance_mode),
                     clock_due=case.clock_due)


@dataclass(frozen=True)
class ProcessingConfigSummary:
    """A saved processing configuration at a glance (for the configuration list)."""

    implementation_id: int
    acceptance_mode: str
    step_count: int
    handled_externally: bool
    revision: int

    @property
    def acceptance_mode_label(self) -> str:
        return choice_label(AcceptanceMode, self.acceptance_mode)


def processing_config_summaries(*, implementation_ids: Sequence[int]) -> dict[int, ProcessingConfigSummary]:
    """Saved configurations of these implementations (absent: the default applies), in one query. The caller
    lists only implementations within the staff member's scope."""
    return {c.implementation_id: ProcessingConfigSummary(
        implementation_id=c.implementation_id, acceptance_mode=c.acceptance_mode, step_count=len(c.steps or []),
        handled_externally=c.handled_externally, revision=c.revision)
        for c in ProcessingConfig.objects.filter(implementation_id__in=list(implementation_ids))}


# ------------------------------------------------------------------ progress lookup without login (办件查询)


def case_progress_lookup(*, case_number: str, applicant_name: str) -> CaseProgress | None:
    """The minimum about a case for someone who knows its number and the applicant's exact name (person or
    organisation name): item, status and the day it last changed. None when either does not match — the caller
    (web layer) rate-limits and answers the same way for both."""
    number = (case_number or "").strip()
    name = (applicant_name or "").strip()
    if not number or not name or len(number) > 64:
        return None
    case = (Case.objects.filter(case_number=number, applicant_name_index=name_index(name))
            .only("case_number", "item_name", "status", "kind", "acceptance_mode", "status_changed_at", "updated_at")
            .first())
    if case is None:
        return None
    status = case.status
    if case.kind == CaseKind.BUNDLE_PARENT:
        status = derived_status(list(case.children.values_list("status", flat=True)), case.status)
    changed = case.status_changed_at or case.updated_at
    return CaseProgress(case_number=case.case_number, item_name=case.item_name,
                        status_label=status_label(status, acceptance_mode=case.acceptance_mode),
                        updated_on=clock.local_date(changed))



# ------------------------------------------------------------------ archive (电子档案) and sealed documents


def case_reader_check(*, user: Any, case_id: int, action: str, org_id: int | None = None) -> CaseAccess:
    """Whether ``user`` may read the case: its applicant (a person, or someone with the organisation ``org_id``'s
    "view_cases" scope) or, for a staff account without ``org_id``, staff whose scope covers it. Otherwise 404
    (``concealed_denial`` with ``action``: call it inside an ``atomic_service`` so that the refusal is audited)."""
    if org_id is None and getattr(user, "kind", "") == "staff":
        actor = staff_actor(user=user, action=action)
    else:
        actor = applicant_actor(user=user, org_id=org_id)
        if actor.org is not None:
            actor.org.require(AgentScope.VIEW_CASES)
    case = case_for_actor(actor=actor, case_id=case_id, action=action, lock=False)
    return CaseAccess(case_id=case.pk, case_number=case.case_number, department_id=case.department_id,
                      reader_kind=actor.kind, audit_actor=actor.audit_actor, on_behalf_of=actor.on_behalf_of)


def _archive_attachments(case: Case) -> tuple[ArchiveAttachment, ...]:
    owners = [case.pk] + ([case.parent_id] if case.kind == CaseKind.BUNDLE_CHILD and case.parent_id else [])
    return tuple(ArchiveAttachment(
        id=a.pk, material_name=a.material_name, source=a.source, file_id=a.file_id,
        license_reference=dict(a.license_reference) if a.license_reference else None, display_name=a.display_name,
        mime=a.mime, size=a.size, sha256=a.sha256, supplement_round=a.supplement_round, created_at=a.created_at)
        for a in Attachment.objects.filter(case_id__in=owners).order_by("material_name", "created_at", "pk"))


def case_archive_record(*, case_id: int) -> CaseArchiveRecord:
    """Everything about the case for its archive package and its sealed documents, unmasked (NotFound for an
    unknown id). No permission check: only the platform's own consumers call it, never for a request."""
    case = (Case.objects.select_related("department", "implementation").filter(pk=case_id).first())
    if case is None:
        raise NotFound(_("没有找到这个办件。"))
    events = tuple(ArchiveEvent(
        id=e.pk, transition=e.transition, from_status=e.from_status, to_status=e.to_status,
        occurred_at=e.occurred_at, actor_kind=e.actor_kind, actor_label=e.actor_label,
        on_behalf_of_label=e.on_behalf_of_label, department_id=e.department_id, step_name=e.step_name,
        opinion=e.opinion, attachments=tuple(int(i) for i in e.attachments or ()), detail=dict(e.detail or {}))
        for e in case.events.order_by("occurred_at", "pk"))
    steps = tuple({
        "position": s.position, "round": s.round, "name": s.name, "kind": s.kind, "role": s.role,
        "department_id": s.department_id, "department_name": s.department.name, "budget_days": s.budget_days,
        "due": s.due, "opened_at": s.opened_at, "closed_at": s.closed_at, "outcome": s.outcome,
        "opinion": s.opinion, "attachments": list(s.attachments or ()), "actor_label": s.actor_label}
        for s in case.steps.select_related("department").order_by("opened_at", "pk"))
    supplements = tuple({
        "round": r.round, "items": list(r.items or ()), "requested_at": r.requested_at,
        "requested_by_label": r.requested_by_label, "resubmitted_at": r.resubmitted_at,
        "stopped_working_days": r.stopped_working_days} for r in case.supplements.order_by("round"))
    procedures = tuple({
        "kind": p.kind, "reason": p.reason, "started_at": p.started_at, "started_by_label": p.started_by_label,
        "ended_at": p.ended_at, "ended_by_label": p.ended_by_label, "result": p.result,
        "stopped_working_days": p.stopped_working_days} for p in case.special_procedures.order_by("started_at"))
    return CaseArchiveRecord(
        id=case.pk, case_number=case.case_number, kind=case.kind, parent_id=case.parent_id,
        item_code=case.item_code, item_name=case.item_name, implementation_code=implementation_code(case),
        department_id=case.department_id, department_name=case.department.name if case.department else "",
        applicant_kind=case.applicant_kind, applicant_user_id=case.applicant_user_id,
        organization_id=case.organization_id, applicant_name=case.applicant_name,
        applicant_id_number=case.applicant_id_number, status=case.status,
        status_label=status_label(case.status, acceptance_mode=case.acceptance_mode),
        acceptance_mode=case.acceptance_mode, submitted_at=case.submitted_at, accepted_at=case.accepted_at,
        decided_at=case.decided_at, completed_at=case.completed_at, delivered_at=case.delivered_at,
        closed_at=case.closed_at, acceptance_due=case.acceptance_due, decision_due=case.decision_due,
        promised_limit_value=case.promised_limit_value, promised_limit_unit=case.promised_limit_unit,
        decision_outcome=case.decision_outcome, delivery_method=case.delivery_method,
        fee_amount_fen=case.fee_amount_fen, fee_paid_at=case.fee_paid_at, payment_reference=case.payment_reference,
        form_key=case.form_key, form_data=case.form_data, form_snapshot=dict(case.form_snapshot or {}),
        decision_documents=tuple(dict(d) for d in case.decision_documents or ()),
        result_references=tuple(dict(r) for r in case.result_references or ()),
        attachments=_archive_attachments(case), events=events, steps=steps, supplements=supplements,
        special_procedures=procedures)
