"""Staff reads that are audited or refused with an audit record: opening a case, reading a material, revealing
the applicant. Applicants read their own materials through the same permission check (not audited)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from tongban.cases.actors import (
    CaseActor,
    applicant_actor,
    case_for_actor,
    case_target,
    require_text,
    staff_actor,
)
from tongban.cases.models import ActorKind, Attachment, AttachmentSource, CaseKind
from tongban.cases.present import case_view_for_staff
from tongban.cases.records import RevealedApplicant, StaffCaseView
from tongban.core.audit import atomic_service, audit_record
from tongban.core.errors import NotFound
from tongban.files.services import StoredFileInfo, file_read
from tongban.organizations.interface import AgentScope


@atomic_service
def case_open_for_staff(*, user: Any, case_id: int, today: date | None = None) -> StaffCaseView:
    """The staff case page: the case if it is in the staff member's scope (its department, a countersigning
    department, platform-wide staff), with only the transitions they may make now. Out of scope: 404, audited."""
    actor = staff_actor(user=user, action="cases.case.view")
    case = case_for_actor(actor=actor, case_id=case_id, action="cases.case.view", lock=False)
    return case_view_for_staff(case, actor=actor, today=today)


def _material_actor(*, user: Any, org_id: int | None) -> CaseActor:
    if org_id is None and getattr(user, "kind", "") == "staff":
        return staff_actor(user=user, action="cases.material.read")
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.VIEW_CASES)
    return actor


@atomic_service
def case_material_read(*, user: Any, org_id: int | None = None, case_id: int,
                       material_id: int) -> tuple[StoredFileInfo, bytes]:
    """A supplied material's file, for the applicant (a person, or someone with the organisation's "view_cases"
    scope) or for staff in scope (audited). A bundle child's materials are those of its parent's set. Anything
    else, and a licence reference (no file), answers 404."""
    actor = _material_actor(user=user, org_id=org_id)
    case = case_for_actor(actor=actor, case_id=case_id, action="cases.material.read", lock=False)
    owners = [case.pk] + ([case.parent_id] if case.kind == CaseKind.BUNDLE_CHILD and case.parent_id else [])
    attachment = Attachment.objects.filter(pk=material_id, case_id__in=owners).first()
    if attachment is None or attachment.source == AttachmentSource.LICENSE or attachment.file_id is None:
        raise NotFound(_("没有找到这份材料。"), code="material_not_found")
    info, data = file_read(file_id=attachment.file_id)
    if actor.kind == ActorKind.STAFF:
        audit_record(action="cases.material.read", actor=actor.audit_actor, target=case_target(case),
                     detail={"material_id": attachment.pk, "material_name": attachment.material_name,
                             "file_id": attachment.file_id})
    return info, data


@atomic_service
def case_document_read(*, user: Any, org_id: int | None = None, case_id: int,
                       file_id: int) -> tuple[StoredFileInfo, bytes]:
    """A decision document's file (决定文书) for the applicant (a person, or someone with the organisation's
    "view_cases" scope). Staff read the case record's files with :func:`case_record_file_read`. Anything else
    answers 404."""
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.VIEW_CASES)
    case = case_for_actor(actor=actor, case_id=case_id, action="cases.document.read", lock=False)
    if int(file_id) not in {int(d["file_id"]) for d in case.decision_documents or () if d.get("file_id")}:
        raise NotFound(_("没有找到这份文件。"), code="document_not_found")
    return file_read(file_id=int(file_id))


@atomic_service
def case_applicant_reveal(*, user: Any, case_id: int, reason: str) -> RevealedApplicant:
    """The applicant's full name and ID number (or credit code) for staff in scope, with a reason; audited."""
    actor = staff_actor(user=user, action="cases.applicant.reveal")
    case = case_for_actor(actor=actor, case_id=case_id, action="cases.applicant.reveal", lock=False)
    reason = require_text(reason, message=_("请写明查看申请人完整信息的理由。"), code="reason_required", field="reason")
    audit_record(action="cases.applicant.reveal", actor=actor.audit_actor, target=case_target(case),
                 detail={"reason": reason[:300]})
    return RevealedApplicant(name=case.applicant_name, id_number=case.applicant_id_number)


def _record_file_ids(case: Any) -> set[int]:
    ids = {int(i) for ids in case.events.exclude(attachments=[]).values_list("attachments", flat=True) for i in ids or ()}
    ids |= {int(i) for ids in case.steps.exclude(attachments=[]).values_list("attachments", flat=True) for i in ids or ()}
    ids |= {int(d["file_id"]) for d in case.decision_documents or () if d.get("file_id")}
    return ids


@atomic_service
def case_record_file_read(*, user: Any, case_id: int, file_id: int) -> tuple[StoredFileInfo, bytes]:
    """A file attached to the case's record — an opinion's or a step's attachment, a decision document — for
    staff in scope (audited). Any other file answers 404."""
    action = "cases.record_file.read"
    actor = staff_actor(user=user, action=action)
    case = case_for_actor(actor=actor, case_id=case_id, action=action, lock=False)
    if int(file_id) not in _record_file_ids(case):
        raise NotFound(_("没有找到这个附件。"), code="file_not_found")
    info, data = file_read(file_id=int(file_id))
    audit_record(action=action, actor=actor.audit_actor, target=case_target(case), detail={"file_id": int(file_id)})
    return info, data
