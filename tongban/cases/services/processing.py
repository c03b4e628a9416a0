"""Handling a case after submission: acceptance, supplements, the step chain, countersigning, special procedures,
the extension, the decision, fees, completion, delivery, withdrawal and voiding.

Each public service is keyword-only and atomic, resolves who acts (a staff member from ``user``, the applicant
from ``user`` + ``org_id``, a department system from ``system``), checks the guard of the one transition table
(403 audited / 409), changes the case and records the transition (timeline, audit, outbox) in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import clock, workflow
from tongban.cases.actors import (
    PLATFORM,
    CaseActor,
    actor_tokens,
    applicant_actor,
    case_for_actor,
    department_system_actor,
    guard,
    open_steps,
    record,
    refusal,
    require_text,
    staff_actor,
)
from tongban.cases.materials import attachment_row, requirements_of_versions
from tongban.cases.models import (
    ActorKind,
    Attachment,
    AttachmentSource,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CaseStep,
    DecisionOutcome,
    DeliveryMethod,
    SpecialProcedure,
    SpecialProcedureKind,
    StepKind,
    StepOutcome,
    SupplementRequest,
)
from tongban.cases.records import (
    AttachmentRow,
    DecisionDocument,
    DepartmentSystemActor,
    StepSpec,
    SupplementItem,
)
from tongban.cases.registry import PaymentRequest, ResultRequest, payment_requesters, result_issuers
from tongban.cases.services.config import processing_config_for
from tongban.cases.services.drafts import confirm_license, file_attachment_create, reusable_file, store_upload
from tongban.core.audit import atomic_service
from tongban.core.calendar import deadline_add
from tongban.core.errors import Conflict, Issue, ValidationFailed
from tongban.files.services import file_info

OPINION_MAX = 4000
REASON_MAX = 500


# ------------------------------------------------------------------ helpers


def _load(actor: CaseActor, case_id: int, transition: str) -> tuple[Case, list[CaseStep], set[str]]:
    case = case_for_actor(actor=actor, case_id=case_id, action=f"cases.case.{transition}")
    steps = open_steps(case)
    return case, steps, actor_tokens(actor, case, steps)


def _opinion(text: str) -> str:
    text = (text or "").strip()
    if len(text) > OPINION_MAX:
        raise ValidationFailed(_("意见不能超过%(n)d个字。") % {"n": OPINION_MAX}, code="opinion_too_long",
                               issues=[Issue("opinion_too_long", _("意见过长。"), "opinion")])
    return text


def _attachment_ids(actor: CaseActor, attachments: Iterable[int | None]) -> list[int]:
    """File ids attached to a transition (or a decision document): stored files that the acting account uploaded
    itself (never a bare foreign id; department systems send document numbers, not files)."""
    ids = [int(a) for a in attachments if a is not None]
    for file_id in ids:
        info = file_info(file_id=file_id)
        if info is None or actor.user_id is None or info.owner_user_id != actor.user_id:
            raise ValidationFailed(_("附件无效。"), code="attachment_invalid",
                                   issues=[Issue("attachment_invalid", _("附件无效，请重新上传。"), "attachments")])
    return ids


def refresh_decision_due(case: Case, *, now: datetime | None = None) -> None:
    """Recompute the decision due date: promised limit from acceptance + stopped working days + extension."""
    if case.accepted_at is None:
        return
    deadline = clock.decision_deadline(
        accepted_at=case.accepted_at, promised_value=case.promised_limit_value,
        promised_unit=case.promised_limit_unit,
        extra_working_days=case.stopped_working_days + case.extension_working_days)
    case.decision_due, case.decision_due_provisional = deadline.due, deadline.provisional
    if case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW) and case.clock_stopped_since is None:
        case.clock_due = deadline.due
    if case.overdue_at is not None and deadline.due >= clock.local_date(now or timezone.now()):
        case.overdue_at = None  # a new due date in the future: a later overdue is marked (and told) again


def _chain(case: Case) -> list[StepSpec]:
    return [StepSpec.from_json(raw) for raw in case.steps_snapshot or []]


def open_step(case: Case, position: int, *, now: datetime) -> list[CaseStep]:
    """Open step ``position`` of the case's chain: one row, or one per countersigning department."""
    spec = _chain(case)[position]
    departments = list(spec.department_ids) if spec.kind == StepKind.COUNTERSIGN else [case.department_id or 0]
    earlier = case.steps.filter(position=position).values_list("round", flat=True)
    round_ = max(earlier, default=0) + 1
    due = deadline_add(start=now, working_days=spec.budget_days).due
    return [CaseStep.objects.create(
        case=case, position=position, round=round_, name=spec.name, kind=spec.kind, role=spec.role,
        department_id=department_id, budget_days=spec.budget_days, due=due, opened_at=now)
        for department_id in departments]


def _close(step: CaseStep, *, actor: CaseActor, outcome: str, opinion: str, attachments: Sequence[int],
           now: datetime) -> None:
    step.closed_at = now
    step.outcome = outcome
    step.opinion = opinion
    step.attachments = list(attachments)
    step.actor_user_id = actor.user_id
    step.actor_label = actor.label[:200]
    step.save(update_fields=["closed_at", "outcome", "opinion", "attachments", "actor_user", "actor_label"])


def _my_step(actor: CaseActor, steps: Sequence[CaseStep], *, countersign: bool) -> CaseStep | None:
    staff = actor.staff
    if staff is None:
        return None
    for step in steps:
        if (step.department_id == staff.department_id and step.role in staff.roles
                and (step.kind == StepKind.COUNTERSIGN) == countersign):
            return step
    return None


def _stop_clock(case: Case, now: datetime) -> None:
    case.clock_stopped_since = now
    case.clock_due = None


def _resume_clock(case: Case, now: datetime) -> int:
    """Restart a stopped decision clock; returns the working days it stood still."""
    stopped = 0
    if case.clock_stopped_since is not None:
        stopped = clock.stopped_working_days(since=case.clock_stopped_since, until=now)
        case.stopped_working_days += stopped
        case.clock_stopped_since = None
    return stopped


def _sync_parent(case: Case, *, now: datetime) -> None:
    """A bundle's parent follows its children: when the last one closes, the parent completes (any result),
    is withdrawn (all withdrawn) or voided (nothing else left)."""
    if case.parent_id is None:
        return
    parent = Case.objects.select_for_update(of=("self",)).select_related("implementation").get(pk=case.parent_id)
    if parent.status != CaseStatus.SUBMITTED:
        return
    statuses = list(parent.children.values_list("status", flat=True))
    if not statuses or not all(status in workflow.CHILD_CLOSED for status in statuses):
        return
    if any(status in (CaseStatus.COMPLETED, CaseStatus.DELIVERED, CaseStatus.REFUSED) for status in statuses):
        transition = "complete"
    elif all(status == CaseStatus.WITHDRAWN for status in statuses):
        transition = "withdraw"
    else:
        transition = "void"
    old = parent.status
    parent.status = guard(case=parent, transition=transition, actor=PLATFORM, tokens={workflow.SYSTEM})
    if transition == "complete":
        parent.completed_at = now
    else:
        parent.closed_at = now
    record(case=parent, transition=transition, actor=PLATFORM, from_status=old, now=now,
           detail={"children": statuses})


# ------------------------------------------------------------------ acceptance


def accept_case(case: Case, *, actor: CaseActor, tokens: set[str], opinion: str = "",
                attachments: Sequence[int] = (), now: datetime | None = None) -> CaseEvent:
    """受理: start the decision clock and open the first step (used by the services below and by submission in
    收件即受理 mode, with the platform as the actor)."""
    if case.acceptance_mode == "instant" and actor.kind != ActorKind.SYSTEM:
        raise Conflict(_("即办件请直接受理并办结。"), code="instant_case")
    new = guard(case=case, transition="accept", actor=actor, tokens=tokens)
    now = now or timezone.now()
    old = case.status
    config = processing_config_for(implementation_id=case.implementation_id) if case.implementation_id else None
    case.status = new
    case.accepted_at = now
    if config is not None and not case.handled_externally:
        case.steps_snapshot = [step.as_json() for step in config.steps]
        case.countersign_department_ids = sorted({d for step in config.steps for d in step.department_ids})
    refresh_decision_due(case, now=now)
    event = record(case=case, transition="accept", actor=actor, from_status=old, opinion=opinion,
                   attachments=attachments, now=now,
                   detail={"decision_due": case.decision_due.isoformat() if case.decision_due else None,
                           "provisional": case.decision_due_provisional})
    if case.steps_snapshot:
        open_step(case, 0, now=now)
    return event


@atomic_service
def case_accept(*, user: Any, case_id: int, opinion: str = "", attachments: Sequence[int] = ()) -> None:
    """受理 by a window clerk (窗口受理人员) of the case's department."""
    actor = staff_actor(user=user, action="cases.case.accept")
    case, _steps, tokens = _load(actor, case_id, "accept")
    accept_case(case, actor=actor, tokens=tokens, opinion=_opinion(opinion),
                attachments=_attachment_ids(actor, attachments))


def _refuse(*, actor: CaseActor, case_id: int, reasons: Sequence[str], legal_basis: str, opinion: str,
            attachments: Sequence[int]) -> None:
    case, _steps, tokens = _load(actor, case_id, "refuse")
    new = guard(case=case, transition="refuse", actor=actor, tokens=tokens)
    cleaned = [r.strip() for r in reasons if r and r.strip()]
    issues = []
    if not cleaned:
        issues.append(Issue("reasons_required", _("请写明不予受理的理由。"), "reasons"))
    if not (legal_basis or "").strip():
        issues.append(Issue("legal_basis_required", _("请写明不予受理的法律依据。"), "legal_basis"))
    if issues:
        raise ValidationFailed(_("不予受理须写明理由和法律依据。"), code=issues[0].code, issues=issues)
    now = timezone.now()
    old = case.status
    case.status = new
    case.closed_at = now
    case.clock_due = None
    record(case=case, transition="refuse", actor=actor, from_status=old, opinion=_opinion(opinion),
           attachments=attachments, now=now,
           detail={"reasons": cleaned, "legal_basis": legal_basis.strip()})
    _sync_parent(case, now=now)


@atomic_service
def case_refuse(*, user: Any, case_id: int, reasons: Sequence[str], legal_basis: str, opinion: str = "",
                attachments: Sequence[int] = ()) -> None:
    """不予受理, with the reasons and the legal basis (both required)."""
    actor = staff_actor(user=user, action="cases.case.refuse")
    _refuse(actor=actor, case_id=case_id, reasons=reasons, legal_basis=legal_basis, opinion=opinion,
            attachments=_attachment_ids(actor, attachments))


# ------------------------------------------------------------------ 补齐补正


def case_requirements(case: Case) -> list[Any]:
    return requirements_of_versions([case.item_version] if case.item_version_id else [])


def _missing_materials(case: Case) -> list[str]:
    supplied = set(case.attachments.values_list("material_name", flat=True))
    return [r.name for r in case_requirements(case) if r.required and r.name not in supplied]


def _request_supplement(*, actor: CaseActor, case_id: int, items: Sequence[SupplementItem], opinion: str) -> None:
    case, _steps, tokens = _load(actor, case_id, "request_supplement")
    new = guard(case=case, transition="request_supplement", actor=actor, tokens=tokens)
    issues = []
    cleaned = []
    for index, item in enumerate(items):
        if not (item.reason or "").strip() or not ((item.material or "").strip() or (item.field or "").strip()):
            issues.append(Issue("supplement_item", _("第%(n)d项：请写明需补正的材料或表单项，以及原因。") % {
                "n": index + 1}, f"items.{index}"))
        cleaned.append(SupplementItem(reason=item.reason.strip(), material=(item.material or "").strip(),
                                      field=(item.field or "").strip()))
    listed = {item.material for item in cleaned}
    cleaned += [SupplementItem(material=name, reason=_("缺少该材料。")) for name in _missing_materials(case)
                if name not in listed]  # the list is complete: every missing required material is on it
    if not cleaned:
        issues.append(Issue("supplement_items_required", _("请一次性列出需要补齐补正的全部内容。"), "items"))
    if issues:
        raise ValidationFailed(_("补齐补正告知有%(n)d处需要完善。") % {"n": len(issues)}, code=issues[0].code,
                               issues=issues)
    now = timezone.now()
    old = case.status
    case.status = new
    case.supplement_from = old
    if old == CaseStatus.SUBMITTED:
        case.clock_due = None  # the acceptance period starts again from the resubmission
    else:
        _stop_clock(case, now)
    round_ = case.supplements.count() + 1
    SupplementRequest.objects.create(case=case, round=round_, items=[i.as_json() for i in cleaned],
                                     requested_at=now, requested_by_label=actor.label[:200])
    record(case=case, transition="request_supplement", actor=actor, from_status=old, opinion=_opinion(opinion),
           now=now, detail={"round": round_, "items": [i.as_json() for i in cleaned]})


@atomic_service
def case_request_supplement(*, user: Any, case_id: int, items: Sequence[SupplementItem], opinion: str = "") -> None:
    """补齐补正: tell the applicant *everything* to supplement or correct, at once (every missing required material
    is added to the list). Before acceptance by a window clerk; during review by the current step's handler
    (the decision clock stops until the applicant resubmits)."""
    _request_supplement(actor=staff_actor(user=user, action="cases.case.request_supplement"), case_id=case_id,
                        items=items, opinion=opinion)


def _applicant_case(*, user: Any, org_id: int | None, case_id: int, transition: str) -> tuple[
        CaseActor, Case, set[str]]:
    actor = applicant_actor(user=user, org_id=org_id)
    case, _steps, tokens = _load(actor, case_id, transition)
    return actor, case, tokens


def _supplement_target(*, user: Any, org_id: int | None, case_id: int, material_name: str) -> tuple[
        CaseActor, Case, int]:
    actor, case, tokens = _applicant_case(user=user, org_id=org_id, case_id=case_id, transition="resubmit")
    guard(case=case, transition="resubmit", actor=actor, tokens=tokens)  # 403 / 409 before touching anything
    if material_name not in {r.name for r in case_requirements(case)}:
        raise ValidationFailed(_("该事项没有“%(n)s”这项材料。") % {"n": material_name}, code="unknown_material")
    return actor, case, case.supplements.count()


@atomic_service
def case_attachment_upload(*, user: Any, org_id: int | None = None, case_id: int, material_name: str,
                           upload: UploadedFile) -> AttachmentRow:
    """Supply a material for a supplement request (待补齐补正) with a new upload."""
    actor, case, round_ = _supplement_target(user=user, org_id=org_id, case_id=case_id, material_name=material_name)
    info = store_upload(actor=actor, upload=upload)
    return attachment_row(file_attachment_create(actor=actor, info=info, material_name=material_name,
                                                 source=AttachmentSource.UPLOAD, case=case, supplement_round=round_))


@atomic_service
def case_attachment_reuse(*, user: Any, org_id: int | None = None, case_id: int, material_name: str,
                          file_id: int) -> AttachmentRow:
    """Supply a material for a supplement request with an earlier accepted upload (材料复用)."""
    actor, case, round_ = _supplement_target(user=user, org_id=org_id, case_id=case_id, material_name=material_name)
    info = reusable_file(actor=actor, file_id=file_id)
    return attachment_row(file_attachment_create(actor=actor, info=info, material_name=material_name,
                                                 source=AttachmentSource.REUSE, case=case, supplement_round=round_))


@atomic_service
def case_attachment_license(*, user: Any, org_id: int | None = None, case_id: int, material_name: str,
                            license_id: str) -> AttachmentRow:
    """Supply a material for a supplement request with a licence by reference (免交)."""
    actor, case, round_ = _supplement_target(user=user, org_id=org_id, case_id=case_id, material_name=material_name)
    requirement = next((r for r in case_requirements(case) if r.name == material_name), None)
    reference = confirm_license(actor=actor, license_id=license_id, material_name=material_name,
                                license_type=requirement.license_type if requirement else "")
    return attachment_row(Attachment.objects.create(
        case=case, material_name=material_name, source=AttachmentSource.LICENSE,
        license_reference=reference.as_json(), display_name=reference.label[:200], supplement_round=round_,
        added_by_id=actor.account_id))


@atomic_service
def case_resubmit(*, user: Any, org_id: int | None = None, case_id: int, data: dict[str, Any] | None = None,
                  note: str = "") -> None:
    """The applicant answers a supplement request: corrected form values (``data``, checked in full against the
    form the case was submitted with) and the materials supplied meanwhile. Every required material must now be
    present. Before acceptance the acceptance period starts again; during review the stopped days are added to
    the decision due date."""
    from tongban.catalog import forms

    actor, case, tokens = _applicant_case(user=user, org_id=org_id, case_id=case_id, transition="resubmit")
    new = guard(case=case, transition="resubmit", actor=actor, tokens=tokens)
    issues = [Issue("material_missing", _("请提交“%(n)s”。") % {"n": name}, f"materials.{name}")
              for name in _missing_materials(case)]
    if data is not None:
        merged = {**case.form_data, **data}
        try:
            spec = forms.form_spec_restore(case.form_snapshot)
            merged = forms.form_validate(spec=spec, data=merged)
        except ValidationFailed as error:
            issues = list(error.issues) + issues
        else:
            case.form_data = merged
    if issues:
        raise ValidationFailed(_("补正内容还有%(n)d处需要完善。") % {"n": len(issues)}, code=issues[0].code,
                               issues=issues)
    now = timezone.now()
    old = case.status
    case.status = new
    case.resubmitted_at = now
    stopped = 0
    if new == CaseStatus.SUBMITTED:
        deadline = clock.acceptance_deadline(mode=case.acceptance_mode, start=now)
        case.acceptance_due, case.acceptance_due_provisional = deadline.due, deadline.provisional
        case.clock_due = deadline.due
    else:
        stopped = _resume_clock(case, now)
        refresh_decision_due(case, now=now)
    case.supplement_from = ""
    request = case.supplements.order_by("-round").first()
    if request is not None:
        request.resubmitted_at = now
        request.stopped_working_days = stopped
        request.save(update_fields=["resubmitted_at", "stopped_working_days"])
    record(case=case, transition="resubmit", actor=actor, from_status=old, opinion=_opinion(note), now=now,
           detail={"stopped_working_days": stopped, "form_changed": data is not None})


# ------------------------------------------------------------------ the step chain


def _step_complete(*, actor: CaseActor, case_id: int, outcome: str, opinion: str, attachments: Sequence[int],
                   step_name: str = "") -> None:
    case, steps, tokens = _load(actor, case_id, "step_complete")
    new = guard(case=case, transition="step_complete", actor=actor, tokens=tokens)
    if outcome not in StepOutcome.values:
        raise ValidationFailed(_("请选择通过或退回。"), code="outcome_required",
                               issues=[Issue("outcome_required", _("请选择通过或退回。"), "outcome")])
    opinion = _opinion(opinion)
    if outcome == StepOutcome.RETURN and not opinion:
        raise ValidationFailed(_("退回须写明意见。"), code="opinion_required",
                               issues=[Issue("opinion_required", _("退回须写明意见。"), "opinion")])
    now = timezone.now()
    old = case.status
    if actor.kind == ActorKind.DEPARTMENT_SYSTEM:
        case.status = new
        record(case=case, transition="step_complete", actor=actor, from_status=old, outcome=outcome,
               opinion=opinion, attachments=attachments, step_name=step_name or _("部门系统办理环节"), now=now)
        return
    step = _my_step(actor, steps, countersign=False)
    if step is None:
        raise Conflict(_("当前没有由您办理的环节（会签环节请使用“会签”）。"), code="no_open_step")
    last = len(case.steps_snapshot) - 1
    if step.position == last and outcome == StepOutcome.PASS:
        raise Conflict(_("这是最后一个环节，请作出决定（或退回上一环节）。"), code="final_step")
    if outcome == StepOutcome.RETURN and step.position == 0:
        raise Conflict(_("第一个环节不能退回。"), code="first_step")
    _close(step, actor=actor, outcome=outcome, opinion=opinion, attachments=attachments, now=now)
    case.status = new
    record(case=case, transition="step_complete", actor=actor, from_status=old, outcome=outcome, opinion=opinion,
           attachments=attachments, step_name=step.name, now=now,
           detail={"position": step.position, "round": step.round})
    open_step(case, step.position + 1 if outcome == StepOutcome.PASS else step.position - 1, now=now)


@atomic_service
def case_step_complete(*, user: Any, case_id: int, outcome: str, opinion: str = "",
                       attachments: Sequence[int] = ()) -> None:
    """Finish the step the staff member holds (承办 / 审核 …): 通过 opens the next step, 退回 (with an opinion) opens
    the previous one again. The last step is finished by :func:`case_decide`."""
    actor = staff_actor(user=user, action="cases.case.step_complete")
    _step_complete(actor=actor, case_id=case_id, outcome=outcome, opinion=opinion,
                   attachments=_attachment_ids(actor, attachments))


@atomic_service
def case_countersign(*, user: Any, case_id: int, outcome: str, opinion: str, attachments: Sequence[int] = ()) -> None:
    """会签 by a reviewer of a countersigning department. When every department has signed, the chain moves on
    (to the step before if any department returned it)."""
    actor = staff_actor(user=user, action="cases.case.countersign")
    case, steps, tokens = _load(actor, case_id, "countersign")
    new = guard(case=case, transition="countersign", actor=actor, tokens=tokens)
    if outcome not in StepOutcome.values:
        raise ValidationFailed(_("请选择同意（通过）或退回。"), code="outcome_required",
                               issues=[Issue("outcome_required", _("请选择通过或退回。"), "outcome")])
    opinion = require_text(_opinion(opinion), message=_("会签须写明意见。"), code="opinion_required", field="opinion")
    step = _my_step(actor, steps, countersign=True)
    if step is None:
        raise Conflict(_("当前没有需要您所在部门会签的环节。"), code="no_countersign_step")
    now = timezone.now()
    attachments = _attachment_ids(actor, attachments)
    _close(step, actor=actor, outcome=outcome, opinion=opinion, attachments=attachments, now=now)
    old = case.status
    case.status = new
    record(case=case, transition="countersign", actor=actor, from_status=old, outcome=outcome, opinion=opinion,
           attachments=attachments, step_name=step.name, now=now,
           detail={"position": step.position, "department_id": step.department_id})
    siblings = list(case.steps.filter(position=step.position, round=step.round))
    if all(s.closed_at is not None for s in siblings):
        returned = any(s.outcome == StepOutcome.RETURN for s in siblings)
        target = step.position - 1 if returned else step.position + 1
        open_step(case, max(target, 0), now=now)


# ------------------------------------------------------------------ special procedures and the extension


def _special_start(*, actor: CaseActor, case_id: int, kind: str, reason: str, attachments: Sequence[int]) -> None:
    case, _steps, tokens = _load(actor, case_id, "special_procedure_start")
    new = guard(case=case, transition="special_procedure_start", actor=actor, tokens=tokens)
    issues = []
    if kind not in SpecialProcedureKind.values:
        issues.append(Issue("kind_required", _("请选择特别程序的种类。"), "kind"))
    if not (reason or "").strip():
        issues.append(Issue("reason_required", _("请写明启动特别程序的理由。"), "reason"))
    if issues:
        raise ValidationFailed(_("启动特别程序须选择种类并写明理由。"), code=issues[0].code, issues=issues)
    now = timezone.now()
    old = case.status
    case.status = new
    _stop_clock(case, now)
    procedure = SpecialProcedure.objects.create(case=case, kind=kind, reason=reason.strip(), started_at=now,
                                                started_by_label=actor.label[:200])
    record(case=case, transition="special_procedure_start", actor=actor, from_status=old, opinion=reason.strip(),
           attachments=attachments, now=now,
           detail={"kind": kind, "kind_label": str(SpecialProcedureKind(kind).label), "procedure_id": procedure.pk})


def _special_end(*, actor: CaseActor, case_id: int, result: str, attachments: Sequence[int]) -> None:
    case, _steps, tokens = _load(actor, case_id, "special_procedure_end")
    new = guard(case=case, transition="special_procedure_end", actor=actor, tokens=tokens)
    result = require_text(result, message=_("请写明特别程序的结果。"), code="result_required", field="result")
    procedure = case.special_procedures.filter(ended_at__isnull=True).order_by("-started_at").first()
    now = timezone.now()
    old = case.status
    case.status = new
    stopped = _resume_clock(case, now)
    refresh_decision_due(case, now=now)
    kind = ""
    if procedure is not None:
        procedure.ended_at = now
        procedure.ended_by_label = actor.label[:200]
        procedure.result = result
        procedure.stopped_working_days = stopped
        procedure.save(update_fields=["ended_at", "ended_by_label", "result", "stopped_working_days"])
        kind = procedure.kind
    record(case=case, transition="special_procedure_end", actor=actor, from_status=old, opinion=result,
           attachments=attachments, now=now,
           detail={"kind": kind, "kind_label": str(SpecialProcedureKind(kind).label) if kind else "",
                   "stopped_working_days": stopped,
                   "decision_due": case.decision_due.isoformat() if case.decision_due else None})


@atomic_service
def case_special_procedure_start(*, user: Any, case_id: int, kind: str, reason: str,
                                 attachments: Sequence[int] = ()) -> None:
    """特别程序 (听证, 检验检测, 专家评审, 现场勘验, 其他) started by the current step's handler: the clock stops and the
    applicant is told (《行政许可法》第四十五条: not counted in the time limit)."""
    actor = staff_actor(user=user, action="cases.case.special_procedure_start")
    _special_start(actor=actor, case_id=case_id, kind=kind, reason=reason,
                   attachments=_attachment_ids(actor, attachments))


@atomic_service
def case_special_procedure_end(*, user: Any, case_id: int, result: str, attachments: Sequence[int] = ()) -> None:
    """End the special procedure with its result; the clock runs again, the stopped working days added."""
    actor = staff_actor(user=user, action="cases.case.special_procedure_end")
    _special_end(actor=actor, case_id=case_id, result=result, attachments=_attachment_ids(actor, attachments))


@atomic_service
def case_extend(*, user: Any, case_id: int, working_days: int, reason: str) -> None:
    """延期, approved by an approver (审批人员) of the case's department: once per case, at most
    :data:`tongban.cases.clock.EXTENSION_MAX_WORKING_DAYS` working days (《行政许可法》第四十二条), with a reason."""
    actor = staff_actor(user=user, action="cases.case.extend")
    case, _steps, tokens = _load(actor, case_id, "extend")
    new = guard(case=case, transition="extend", actor=actor, tokens=tokens)
    if case.extension_working_days:
        raise Conflict(_("该办件已延期一次，不能再次延期。"), code="already_extended")
    issues = []
    if not 1 <= int(working_days) <= clock.EXTENSION_MAX_WORKING_DAYS:
        issues.append(Issue("extension_days", _("延长期限应为1至%(n)d个工作日（《行政许可法》第四十二条）。") % {
            "n": clock.EXTENSION_MAX_WORKING_DAYS}, "working_days"))
    reason = (reason or "").strip()
    if not reason:
        issues.append(Issue("reason_required", _("请写明延期理由。"), "reason"))
    if issues:
        raise ValidationFailed(issues[0].message, code=issues[0].code, issues=issues)
    now = timezone.now()
    old = case.status
    case.status = new
    case.extension_working_days = int(working_days)
    case.extension_reason = reason[:REASON_MAX]
    refresh_decision_due(case, now=now)
    record(case=case, transition="extend", actor=actor, from_status=old, opinion=reason, now=now,
           detail={"working_days": int(working_days),
                   "decision_due": case.decision_due.isoformat() if case.decision_due else None})


# ------------------------------------------------------------------ decision, fees, completion, delivery


def _check_decision(*, outcome: str, opinion: str, documents: Sequence[DecisionDocument | str],
                    delivery_method: str) -> list[dict[str, Any]]:
    issues = []
    if outcome not in DecisionOutcome.values:
        issues.append(Issue("outcome_required", _("请选择准予或不予。"), "outcome"))
    if outcome == DecisionOutcome.DENY and not opinion:
        issues.append(Issue("opinion_required", _("不予许可须写明理由。"), "opinion"))
    docs = [d if isinstance(d, DecisionDocument) else DecisionDocument(name=str(d)) for d in documents]
    docs = [d for d in docs if d.name.strip()]
    if not docs:
        issues.append(Issue("documents_required", _("请列出决定文书（如准予许可决定书）。"), "documents"))
    if delivery_method not in DeliveryMethod.values:
        issues.append(Issue("delivery_required", _("请选择送达方式：窗口领取、邮寄送达或电子送达。"), "delivery_method"))
    if issues:
        raise ValidationFailed(_("作出决定还有%(n)d处需要完善。") % {"n": len(issues)}, code=issues[0].code,
                               issues=issues)
    return [d.as_json() for d in docs]


def _issue_results(case: Case) -> None:
    implementation = case.implementation
    version = case.item_version
    request = ResultRequest(
        case_id=case.pk, case_number=case.case_number, implementation_code=implementation.code if implementation else "",
        item_code=case.item_code, item_name=case.item_name, result_name=version.result_name if version else "",
        result_type=version.result_type if version else "", department_id=case.department_id or 0,
        applicant_kind=case.applicant_kind, applicant_user_id=case.applicant_user_id,
        organization_id=case.organization_id, delivery_method=case.delivery_method,
        applicant_name=case.applicant_name or "", applicant_number=case.applicant_id_number or "",
        form_data=dict(case.form_data))
    references = []
    for issuer in result_issuers():
        if issuer.handles(request):
            references += [ref.as_json() for ref in issuer.issue(request)]
    case.result_references = references


def _after_decision(case: Case, *, fee_amount_fen: int | None, now: datetime) -> None:
    if case.decision_outcome != DecisionOutcome.APPROVE:
        return
    _issue_results(case)
    amount = fee_amount_fen if fee_amount_fen is not None else case.fee_amount_fen
    case.fee_amount_fen = amount
    case.save(update_fields=["result_references", "fee_amount_fen", "updated_at"])
    if amount and case.fee_paid_at is None:
        old = case.status
        case.status = guard(case=case, transition="request_payment", actor=PLATFORM, tokens={workflow.SYSTEM})
        record(case=case, transition="request_payment", actor=PLATFORM, from_status=old, now=now,
               detail={"amount_fen": amount})
        payment = PaymentRequest(case_id=case.pk, case_number=case.case_number, item_name=case.item_name,
                                 amount_fen=amount, department_id=case.department_id or 0,
                                 payer_user_id=case.applicant_user_id, organization_id=case.organization_id)
        for requester in payment_requesters():
            requester.request(payment)


def _decide(*, actor: CaseActor, case_id: int, outcome: str, opinion: str, documents: Sequence[DecisionDocument | str],
            delivery_method: str, fee_amount_fen: int | None, attachments: Sequence[int]) -> None:
    case, steps, tokens = _load(actor, case_id, "decide")
    new = guard(case=case, transition="decide", actor=actor, tokens=tokens, outcome=outcome)
    opinion = _opinion(opinion)
    docs = _check_decision(outcome=outcome, opinion=opinion, documents=documents, delivery_method=delivery_method)
    _attachment_ids(actor, [doc["file_id"] for doc in docs])
    now = timezone.now()
    step = None
    if actor.kind != ActorKind.DEPARTMENT_SYSTEM:
        last = len(case.steps_snapshot) - 1
        step = next((s for s in [_my_step(actor, steps, countersign=False)] if s is not None and s.position == last),
                    None)
        if step is None:
            raise Conflict(_("只有最后一个环节的办理人可以作出决定。"), code="not_final_step")
        _close(step, actor=actor, outcome=StepOutcome.PASS, opinion=opinion, attachments=attachments, now=now)
    old = case.status
    case.status = new
    case.decided_at = now
    case.decision_outcome = outcome
    case.decision_documents = docs
    case.delivery_method = delivery_method
    case.clock_due = None
    record(case=case, transition="decide", actor=actor, from_status=old, outcome=outcome, opinion=opinion,
           attachments=attachments, step_name=step.name if step else "", now=now,
           detail={"documents": docs, "delivery_method": delivery_method})
    _after_decision(case, fee_amount_fen=fee_amount_fen, now=now)


@atomic_service
def case_decide(*, user: Any, case_id: int, outcome: str, opinion: str = "",
                documents: Sequence[DecisionDocument | str] = (), delivery_method: str = DeliveryMethod.ELECTRONIC,
                fee_amount_fen: int | None = None, attachments: Sequence[int] = ()) -> None:
    """决定 (准予 / 不予) by the handler of the chain's last step (usually an approver), with the decision documents
    and the delivery choice. 准予 calls the registered result issuers (licences: the licence issue) and, when a fee
    is due (``fee_amount_fen``, else the configured fee), moves the case on to 待缴费."""
    actor = staff_actor(user=user, action="cases.case.decide")
    _decide(actor=actor, case_id=case_id, outcome=outcome, opinion=opinion, documents=documents,
            delivery_method=delivery_method, fee_amount_fen=fee_amount_fen,
            attachments=_attachment_ids(actor, attachments))


@atomic_service
def case_instant_decide(*, user: Any, case_id: int, outcome: str, opinion: str = "",
                        documents: Sequence[DecisionDocument | str] = (),
                        delivery_method: str = DeliveryMethod.WINDOW, fee_amount_fen: int | None = None,
                        attachments: Sequence[int] = ()) -> None:
    """即办: a window clerk accepts and decides at once (implementations in instant mode only)."""
    actor = staff_actor(user=user, action="cases.case.instant_decide")
    case, _steps, tokens = _load(actor, case_id, "instant_decide")
    new = guard(case=case, transition="instant_decide", actor=actor, tokens=tokens, outcome=outcome)
    if case.acceptance_mode != "instant":
        raise Conflict(_("该事项不是即办件，请先受理再按环节办理。"), code="not_instant")
    opinion = _opinion(opinion)
    docs = _check_decision(outcome=outcome, opinion=opinion, documents=documents, delivery_method=delivery_method)
    attachments = _attachment_ids(actor, attachments)
    _attachment_ids(actor, [doc["file_id"] for doc in docs])
    now = timezone.now()
    old = case.status
    case.status = new
    case.accepted_at = now
    case.decided_at = now
    case.decision_outcome = outcome
    case.decision_documents = docs
    case.delivery_method = delivery_method
    case.clock_due = None
    refresh_decision_due(case, now=now)
    record(case=case, transition="instant_decide", actor=actor, from_status=old, outcome=outcome, opinion=opinion,
           attachments=attachments, now=now, detail={"documents": docs, "delivery_method": delivery_method})
    _after_decision(case, fee_amount_fen=fee_amount_fen, now=now)


@atomic_service
def case_payment_confirm(*, case_id: int, payment_reference: str) -> None:
    """待缴费 → paid (准予许可), called by the payment issue's plugin when the payment has settled. Idempotent for the
    same reference; nothing here takes or fakes a payment."""
    case = case_for_actor(actor=PLATFORM, case_id=case_id, action="cases.case.confirm_payment")
    reference = require_text(payment_reference, message=_("缺少缴费凭证。"), code="payment_reference_required",
                             field="payment_reference")
    if case.fee_paid_at is not None and case.payment_reference == reference:
        return
    new = guard(case=case, transition="confirm_payment", actor=PLATFORM, tokens={workflow.SYSTEM})
    now = timezone.now()
    old = case.status
    case.status = new
    case.fee_paid_at = now
    case.payment_reference = reference[:100]
    record(case=case, transition="confirm_payment", actor=PLATFORM, from_status=old, now=now,
           detail={"payment_reference": reference[:100], "amount_fen": case.fee_amount_fen})


def _complete(*, actor: CaseActor, case_id: int, opinion: str) -> None:
    case, _steps, tokens = _load(actor, case_id, "complete")
    if case.kind == CaseKind.BUNDLE_PARENT:
        raise Conflict(_("一件事在各子办件办结后自动办结。"), code="bundle_parent")
    new = guard(case=case, transition="complete", actor=actor, tokens=tokens)
    now = timezone.now()
    old = case.status
    case.status = new
    case.completed_at = now
    record(case=case, transition="complete", actor=actor, from_status=old, opinion=_opinion(opinion), now=now,
           detail={"outcome": case.decision_outcome})
    _sync_parent(case, now=now)


@atomic_service
def case_complete(*, user: Any, case_id: int, opinion: str = "") -> None:
    """办结 after the decision (and payment, when a fee is due) by a window clerk or an approver."""
    _complete(actor=staff_actor(user=user, action="cases.case.complete"), case_id=case_id, opinion=opinion)


def _deliver_one(case: Case, *, actor: CaseActor, tokens: set[str], opinion: str, detail: dict[str, Any],
                 now: datetime) -> None:
    new = guard(case=case, transition="deliver", actor=actor, tokens=tokens)
    old = case.status
    case.status = new
    case.delivered_at = now
    record(case=case, transition="deliver", actor=actor, from_status=old, opinion=opinion, now=now,
           detail={"delivery_method": case.delivery_method, **detail})


def _deliver(*, actor: CaseActor, case_id: int, opinion: str, tracking_number: str) -> None:
    case, _steps, tokens = _load(actor, case_id, "deliver")
    opinion = _opinion(opinion)
    now = timezone.now()
    detail = {"tracking_number": tracking_number.strip()} if tracking_number.strip() else {}
    if case.kind == CaseKind.BUNDLE_CHILD:
        raise Conflict(_("一件事的办理结果统一送达，请在一件事主办件中送达。"), code="bundle_delivers_together")
    if case.kind == CaseKind.BUNDLE_PARENT:
        guard(case=case, transition="deliver", actor=actor, tokens=tokens)  # 403 / 409 first
        children = Case.objects.select_for_update(of=("self",)).select_related("implementation").filter(
            parent=case, status=CaseStatus.COMPLETED).order_by("pk")
        for child in children:
            _deliver_one(child, actor=PLATFORM, tokens={workflow.SYSTEM}, opinion=_("随一件事统一送达"),
                         detail={**detail, "with_parent": case.case_number}, now=now)
    _deliver_one(case, actor=actor, tokens=tokens, opinion=opinion, detail=detail, now=now)


@atomic_service
def case_deliver(*, user: Any, case_id: int, opinion: str = "", tracking_number: str = "") -> None:
    """送达 the result (window pickup recorded by the clerk, courier with its tracking number, electronic). A
    bundle's results are delivered together, through the parent case."""
    _deliver(actor=staff_actor(user=user, action="cases.case.deliver"), case_id=case_id, opinion=opinion,
             tracking_number=tracking_number)


# ------------------------------------------------------------------ withdrawal and voiding


def _withdraw_one(case: Case, *, actor: CaseActor, tokens: set[str], reason: str, now: datetime) -> None:
    new = guard(case=case, transition="withdraw", actor=actor, tokens=tokens)
    old = case.status
    case.status = new
    case.closed_at = now
    case.clock_due = None
    case.clock_stopped_since = None
    record(case=case, transition="withdraw", actor=actor, from_status=old, opinion=reason, now=now)
    for step in case.steps.filter(closed_at__isnull=True):
        step.closed_at = now
        step.save(update_fields=["closed_at"])


@atomic_service
def case_withdraw(*, user: Any, org_id: int | None = None, case_id: int, reason: str) -> None:
    """撤回 by the applicant before the decision (after it: 409). A bundle is withdrawn as a whole: every child
    must still be withdrawable."""
    actor, case, tokens = _applicant_case(user=user, org_id=org_id, case_id=case_id, transition="withdraw")
    reason = require_text(reason, message=_("请写明撤回原因。"), code="reason_required", field="reason")[:REASON_MAX]
    now = timezone.now()
    if case.kind != CaseKind.BUNDLE_PARENT:
        _withdraw_one(case, actor=actor, tokens=tokens, reason=reason, now=now)
        _sync_parent(case, now=now)
        return
    if workflow.APPLICANT not in tokens:
        raise refusal(case=case, transition="withdraw", actor=actor)
    if case.status != CaseStatus.SUBMITTED:
        raise Conflict(_("该“一件事”已办结，不能撤回。"), code="invalid_transition")
    children = list(Case.objects.select_for_update(of=("self",)).select_related("implementation")
                    .filter(parent=case).order_by("pk"))
    blocked = [child.item_name for child in children
               if child.status not in workflow.CHILD_CLOSED
               and ("withdraw" not in workflow.allowed_transitions(current=child.status, actors={workflow.APPLICANT}))]
    if blocked:
        raise Conflict(_("以下事项已作出决定，不能撤回：%(n)s。") % {"n": "、".join(blocked)}, code="bundle_not_withdrawable")
    for child in children:
        if child.status not in workflow.CHILD_CLOSED:
            _withdraw_one(child, actor=actor, tokens={workflow.APPLICANT}, reason=reason, now=now)
    if children:
        _sync_parent(children[0], now=now)


@atomic_service
def case_void(*, user: Any, case_id: int, reason: str) -> None:
    """作废 by a department administrator (部门管理员) of the case's department, with a reason."""
    actor = staff_actor(user=user, action="cases.case.void")
    case, _steps, tokens = _load(actor, case_id, "void")
    if case.kind == CaseKind.BUNDLE_PARENT:
        raise Conflict(_("请分别作废一件事的各子办件。"), code="bundle_parent")
    new = guard(case=case, transition="void", actor=actor, tokens=tokens)
    reason = require_text(reason, message=_("请写明作废理由。"), code="reason_required", field="reason")[:REASON_MAX]
    now = timezone.now()
    old = case.status
    case.status = new
    case.closed_at = now
    case.clock_due = None
    case.clock_stopped_since = None
    record(case=case, transition="void", actor=actor, from_status=old, opinion=reason, now=now)
    for step in case.steps.filter(closed_at__isnull=True):
        step.closed_at = now
        step.save(update_fields=["closed_at"])
    _sync_parent(case, now=now)


# ------------------------------------------------------------------ department business systems (callbacks)


@atomic_service
def case_external_accept(*, system: DepartmentSystemActor, case_id: int, opinion: str = "") -> None:
    """受理 reported by the department's own business system (implementations handled externally)."""
    actor = department_system_actor(system)
    case, _steps, tokens = _load(actor, case_id, "accept")
    accept_case(case, actor=actor, tokens=tokens, opinion=_opinion(opinion))


@atomic_service
def case_external_refuse(*, system: DepartmentSystemActor, case_id: int, reasons: Sequence[str], legal_basis: str,
                         opinion: str = "") -> None:
    """不予受理 reported by the department's business system (reasons and legal basis required)."""
    _refuse(actor=department_system_actor(system), case_id=case_id, reasons=reasons, legal_basis=legal_basis,
            opinion=opinion, attachments=())


@atomic_service
def case_external_step(*, system: DepartmentSystemActor, case_id: int, step_name: str, outcome: str = StepOutcome.PASS,
                       opinion: str = "") -> None:
    """A step finished in the department's business system (recorded on the timeline; the case is in review)."""
    step_name = require_text(step_name, message=_("缺少环节名称。"), code="step_name_required", field="step_name")
    _step_complete(actor=department_system_actor(system), case_id=case_id, outcome=outcome, opinion=opinion,
                   attachments=(), step_name=step_name[:100])


@atomic_service
def case_external_decide(*, system: DepartmentSystemActor, case_id: int, outcome: str, opinion: str = "",
                         documents: Sequence[DecisionDocument | str] = (),
                         delivery_method: str = DeliveryMethod.ELECTRONIC, fee_amount_fen: int | None = None) -> None:
    """决定 reported by the department's business system; then the platform completes it as for any case."""
    _decide(actor=department_system_actor(system), case_id=case_id, outcome=outcome, opinion=opinion,
            documents=documents, delivery_method=delivery_method, fee_amount_fen=fee_amount_fen, attachments=())


@atomic_service
def case_external_complete(*, system: DepartmentSystemActor, case_id: int, opinion: str = "") -> None:
    """办结 reported by the department's business system."""
    _complete(actor=department_system_actor(system), case_id=case_id, opinion=opinion)


@atomic_service
def case_external_deliver(*, system: DepartmentSystemActor, case_id: int, opinion: str = "",
                          tracking_number: str = "") -> None:
    """送达 reported by the department's business system (window pickup, courier with its tracking number,
    electronic)."""
    _deliver(actor=department_system_actor(system), case_id=case_id, opinion=opinion,
             tracking_number=tracking_number)


@atomic_service
def case_external_supplement(*, system: DepartmentSystemActor, case_id: int, items: Sequence[SupplementItem],
                             opinion: str = "") -> None:
    """补齐补正 requested by the department's business system."""
    _request_supplement(actor=department_system_actor(system), case_id=case_id, items=items, opinion=opinion)


def case_missing_materials(case: Case) -> list[str]:
    """Required materials with nothing supplied (for views)."""
    return _missing_materials(case)

