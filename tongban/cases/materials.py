"""Materials (申请材料): what an application needs (the item version's materials, a bundle's union by name), what
was supplied (:class:`~tongban.cases.models.Attachment`), and which earlier uploads may be reused (材料复用).
Shared by the services and the selectors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tongban.cases.actors import MATERIAL_PURPOSE, CaseActor
from tongban.cases.models import Attachment, Case, CaseStatus
from tongban.cases.records import AttachmentRow, MaterialStatus
from tongban.files.services import file_list_reusable

ACCEPTED_OR_LATER = frozenset({
    CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SPECIAL_PROCEDURE, CaseStatus.AWAITING_PAYMENT,
    CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.COMPLETED, CaseStatus.DELIVERED})


@dataclass(frozen=True)
class Requirement:
    """A material the application needs (from the item version, or the union of a bundle's members by name)."""

    name: str
    required: bool
    note: str = ""
    license_type: str = ""
    original_count: int = 0
    copy_count: int = 0


def requirements_of_versions(versions: Sequence[Any]) -> list[Requirement]:
    """Materials of one or more item versions, merged by name (required if any member requires it)."""
    merged: dict[str, Requirement] = {}
    for version in versions:
        if version is None:
            continue
        for material in sorted(version.materials.all(), key=lambda m: m.position):
            known = merged.get(material.name)
            if known is None:
                merged[material.name] = Requirement(
                    name=material.name, required=material.required, note=material.note,
                    license_type=material.license_type, original_count=material.original_count,
                    copy_count=material.copy_count)
            elif material.required and not known.required:
                merged[material.name] = Requirement(**{**known.__dict__, "required": True})
    return list(merged.values())


def attachment_row(attachment: Attachment) -> AttachmentRow:
    reference = attachment.license_reference or {}
    return AttachmentRow(
        id=attachment.pk, material_name=attachment.material_name, source=attachment.source,
        file_id=attachment.file_id, display_name=attachment.display_name, mime=attachment.mime,
        size=attachment.size, license_label=str(reference.get("label", "")),
        supplement_round=attachment.supplement_round, created_at=attachment.created_at)


def material_statuses(requirements: Sequence[Requirement], attachments: Sequence[Attachment]) -> tuple[
        MaterialStatus, ...]:
    by_name: dict[str, list[AttachmentRow]] = {}
    for attachment in attachments:
        by_name.setdefault(attachment.material_name, []).append(attachment_row(attachment))
    return tuple(MaterialStatus(
        name=r.name, required=r.required, note=r.note, license_type=r.license_type,
        original_count=r.original_count, copy_count=r.copy_count, attachments=tuple(by_name.get(r.name, ())))
        for r in requirements)


def reusable_attachments(actor: CaseActor) -> QuerySet[Attachment]:
    cases = Case.objects.filter(status__in=ACCEPTED_OR_LATER)
    if actor.org is not None:
        cases = cases.filter(organization_id=actor.org.org_id)
    else:
        cases = cases.filter(applicant_user_id=actor.user_id, organization__isnull=True)
    return Attachment.objects.filter(case__in=cases, file_id__isnull=False).select_related("case")


def reusable_file_ids(*, actor: CaseActor) -> set[int]:
    """Files the applicant may reuse: uploads that were part of their accepted cases and that the files app still
    offers for reuse (safe, not deleted)."""
    attachments = reusable_attachments(actor)
    ids = set(attachments.values_list("file_id", flat=True))
    owners = set(attachments.values_list("added_by_id", flat=True))
    offered: set[int] = set()
    for owner in owners:
        offered |= {info.id for info in file_list_reusable(owner_user_id=owner, purpose=MATERIAL_PURPOSE)}
    return {file_id for file_id in ids if file_id in offered}
