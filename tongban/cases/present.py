"""Plain data built from case rows for the pages and the API: the clock, a bundle's derived progress, materials,
the staff case view and the receipt. Shared by the selectors and the services (which audit staff reads)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.utils.translation import gettext as _

from tongban.cases import clock, workflow
from tongban.cases.actors import CaseActor, implementation_code, transitions_now
from tongban.cases.materials import material_statuses, requirements_of_versions
from tongban.cases.models import (
    AcceptanceMode,
    ApplicantKind,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    DecisionOutcome,
    SpecialProcedureKind,
    StepOutcome,
)
from tongban.cases.records import (
    BundleProgress,
    CaseClock,
    CaseReceipt,
    ChildProgress,
    MaterialStatus,
    ReceiptChild,
    StaffCaseView,
    StepRow,
    TimelineEntry,
    choice_label,
    status_label,
)
from tongban.core.crypto import mask_id_number, mask_name

# ------------------------------------------------------------------ the clock


def case_clock(case: Case, *, today: date | None = None) -> CaseClock:
    """The clock of one case: which period runs (受理 / 办结), its due date and colour, stops and extension."""
    on = today or clock.today()
    if case.status == CaseStatus.SUBMITTED:
        kind, due, provisional = "acceptance", case.acceptance_due, case.acceptance_due_provisional
    elif case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SPECIAL_PROCEDURE,
                         CaseStatus.SUPPLEMENT_REQUESTED) and case.accepted_at is not None:
        kind, due, provisional = "decision", case.decision_due, case.decision_due_provisional
    elif case.status == CaseStatus.SUPPLEMENT_REQUESTED:
        kind, due, provisional = "acceptance", None, False
    else:
        kind, due, provisional = "", None, False
    running = case.clock_due is not None
    return CaseClock(
        kind=kind, due=due, provisional=provisional, colour=clock.due_colour(due=case.clock_due, on=on),
        running=running, stopped_since=case.clock_stopped_since, stopped_working_days=case.stopped_working_days,
        extension_working_days=case.extension_working_days, overdue_marked_at=case.overdue_at)


# ------------------------------------------------------------------ bundles


def derived_status(statuses: Sequence[str], own: str) -> str:
    """A bundle parent's status as the applicant sees it: its own once closed, else the least advanced child
    that still needs something (补正, 缴费), else 审查中 while any child is open."""
    if own != CaseStatus.SUBMITTED or not statuses:
        return own
    for waiting in (CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.AWAITING_PAYMENT):
        if waiting in statuses:
            return waiting
    if all(status == CaseStatus.SUBMITTED for status in statuses):
        return CaseStatus.SUBMITTED
    return CaseStatus.IN_REVIEW


def children_of(case: Case) -> list[Case]:
    cache = getattr(case, "_prefetched_objects_cache", {})
    if "children" in cache:
        return list(cache["children"])
    return list(case.children.select_related("department").order_by("pk"))


def bundle_progress(parent: Case, *, today: date | None = None) -> BundleProgress:
    """The children of a 一件事 and the parent's status derived from them."""
    children = children_of(parent)
    statuses = [c.status for c in children]
    derived = derived_status(statuses, parent.status)
    return BundleProgress(
        status=derived, status_label=status_label(derived), total=len(children),
        closed=sum(1 for s in statuses if s in workflow.CHILD_CLOSED),
        children=tuple(ChildProgress(
            case_id=c.pk, case_number=c.case_number, item_name=c.item_name,
            department_name=c.department.name if c.department_id and c.department else "",
            status=c.status, status_label=status_label(c.status, acceptance_mode=c.acceptance_mode),
            clock=case_clock(c, today=today)) for c in children))


def case_materials(case: Case, children: Sequence[Case] = ()) -> tuple[MaterialStatus, ...]:
    versions = [c.item_version for c in children] if case.kind == CaseKind.BUNDLE_PARENT else [case.item_version]
    attachments = list(case.attachments.order_by("material_name", "created_at", "pk"))
    return material_statuses(requirements_of_versions([v for v in versions if v is not None]), attachments)


def _staff_timeline(events: Sequence[CaseEvent]) -> tuple[TimelineEntry, ...]:
    entries = []
    for event in events:
        label = workflow.transition_label(event.transition) if event.transition != "overdue" else _("超期预警")
        outcome = (event.detail or {}).get("outcome", "")
        text = label
        if outcome:
            text += f"（{choice_label(StepOutcome, outcome) if outcome in StepOutcome.values else choice_label(DecisionOutcome, outcome)}）"
        actor = event.actor_label + (f"（代表 {event.on_behalf_of_label}）" if event.on_behalf_of_label else "")
        entries.append(TimelineEntry(
            occurred_at=event.occurred_at, transition=event.transition, title=label, text=text, actor_label=actor,
            step_name=event.step_name, opinion=event.opinion, attachments=tuple(event.attachments or ())))
    return tuple(entries)


def case_view_for_staff(case: Case, *, actor: CaseActor, today: date | None = None) -> StaffCaseView:
    """The staff case page's data (callers — :func:`tongban.cases.services.case_open_for_staff` — check scope)."""
    steps = list(case.steps.select_related("department").order_by("opened_at", "pk"))
    open_ = [s for s in steps if s.closed_at is None]
    children = children_of(case) if case.kind == CaseKind.BUNDLE_PARENT else []
    allowed = tuple(transitions_now(actor=actor, case=case, steps=open_))
    events = list(case.events.order_by("occurred_at", "pk"))
    progress = bundle_progress(case, today=today) if children else None
    return StaffCaseView(
        id=case.pk, case_number=case.case_number, kind=case.kind, item_name=case.item_name, item_code=case.item_code,
        implementation_code=implementation_code(case),
        department_id=case.department_id, department_name=case.department.name if case.department else "",
        applicant_kind=case.applicant_kind, applicant_name_masked=mask_name(case.applicant_name),
        applicant_id_masked=mask_id_number(case.applicant_id_number) if case.applicant_kind == ApplicantKind.PERSON
        else case.applicant_id_number,
        status=case.status, status_label=status_label(case.status, acceptance_mode=case.acceptance_mode),
        acceptance_mode=case.acceptance_mode, handled_externally=case.handled_externally,
        submitted_at=case.submitted_at, accepted_at=case.accepted_at, clock=case_clock(case, today=today),
        form_key=case.form_key, form_data=case.form_data, materials=case_materials(case, children),
        steps=tuple(StepRow(
            position=s.position, round=s.round, name=s.name, kind=s.kind, role=s.role, department_id=s.department_id,
            department_name=s.department.name, budget_days=s.budget_days, due=s.due, opened_at=s.opened_at,
            closed_at=s.closed_at, outcome=s.outcome, opinion=s.opinion, actor_label=s.actor_label) for s in steps),
        timeline=_staff_timeline(events),
        supplements=tuple({"round": r.round, "items": r.items, "requested_at": r.requested_at,
                           "resubmitted_at": r.resubmitted_at, "stopped_working_days": r.stopped_working_days}
                          for r in case.supplements.order_by("round")),
        special_procedures=tuple({"kind": p.kind, "kind_label": choice_label(SpecialProcedureKind, p.kind),
                                  "reason": p.reason, "started_at": p.started_at, "ended_at": p.ended_at,
                                  "result": p.result, "stopped_working_days": p.stopped_working_days}
                                 for p in case.special_procedures.order_by("started_at")),
        decision_outcome=case.decision_outcome, decision_documents=tuple(case.decision_documents or ()),
        delivery_method=case.delivery_method, result_references=tuple(case.result_references or ()),
        fee_amount_fen=case.fee_amount_fen, extension_used=bool(case.extension_working_days),
        allowed_transitions=allowed, children=progress.children if progress else (),
        form_snapshot=dict(case.form_snapshot or {}), chain_length=len(case.steps_snapshot or []))


def receipt_of(case: Case) -> CaseReceipt:
    """The receipt (回执) of a submitted case (a bundle parent lists its children)."""
    children: tuple[ReceiptChild, ...] = ()
    if case.kind == CaseKind.BUNDLE_PARENT:
        children = tuple(ReceiptChild(case_id=c.pk, case_number=c.case_number, item_name=c.item_name,
                                      department_name=c.department.name if c.department else "",
                                      acceptance_due=c.acceptance_due)
                         for c in case.children.select_related("department").order_by("pk"))
    impl_version = case.implementation_version
    materials = tuple((a.material_name, a.get_source_display())
                      for a in case.attachments.order_by("material_name", "pk"))
    return CaseReceipt(
        case_id=case.pk, case_number=case.case_number, kind=case.kind, title=case.item_name,
        department_name=case.department.name if case.department else "",
        applicant_name_masked=mask_name(case.applicant_name), applicant_kind=case.applicant_kind,
        submitted_at=case.submitted_at or case.created_at, status=case.status,
        status_label=status_label(case.status, acceptance_mode=case.acceptance_mode),
        acceptance_mode=case.acceptance_mode, acceptance_mode_label=str(AcceptanceMode(case.acceptance_mode).label),
        acceptance_due=case.acceptance_due, acceptance_due_provisional=case.acceptance_due_provisional,
        promised_limit_value=case.promised_limit_value, promised_limit_unit=case.promised_limit_unit,
        consult_phone=impl_version.consult_phone if impl_version else "",
        address=impl_version.address if impl_version else "", materials=materials, children=children)
