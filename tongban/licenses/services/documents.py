"""Sealed case documents (办件文书): made from the case engine's events, read by the applicant and by staff.

:func:`case_document_issue` is called by the outbox consumer of :mod:`tongban.licenses.documents` once per event:
it renders the document (:mod:`tongban.licenses.document_pdf`), seals it with the case department's seal
(:func:`tongban.licenses.signing.pdf_seal`), stores it and records a :class:`CaseDocument`. The outbox event id is
unique on the row, so a re-delivered event does nothing. When the department has no active seal, ``pdf_seal``
raises and the whole handler rolls back: the outbox retries with back-off (30 s, 2 min, 10 min, 1 h, 6 h …) until a
seal is activated, and ``manage.py outbox_replay`` revives a consumption that gave up. The case itself never waits
for its documents.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import selectors as case_selectors
from tongban.core.audit import SYSTEM, Target, atomic_service, audit_record
from tongban.core.errors import NotFound
from tongban.files.services import StoredFileInfo, file_read, file_store_generated
from tongban.licenses.archive_records import CaseDocumentRow, case_document_row
from tongban.licenses.document_pdf import document_compose, document_pdf
from tongban.licenses.models import CaseDocument, CaseDocumentKind, SealKind
from tongban.licenses.signing import pdf_seal

__all__ = [
    "DOCUMENT_FILE_PURPOSE",
    "case_document_issue",
    "case_document_read",
]

DOCUMENT_FILE_PURPOSE = "licenses.document"
# Case documents carry the 行政审批专用章 where the department has one, else its 公章.
DOCUMENT_SEAL_KINDS = (SealKind.APPROVAL, SealKind.OFFICIAL)


def _case_target(case_id: int, case_number: str) -> Target:
    return Target(type="cases.case", id=str(case_id), label=case_number)


@atomic_service
def case_document_issue(*, event_id: int, case_id: int, kind: str, case_event_id: int | None = None,
                        now: datetime | None = None) -> int | None:
    """Make, seal and store document ``kind`` for the case, once per outbox event ``event_id``; returns the
    :class:`CaseDocument` id (the existing one for an event already handled), or None for a case without a
    department (a 一件事's parent: its children carry the documents).

    ``case_event_id`` is the case's timeline row of the transition (its opinion, reasons, supplement list). Raises
    ``Conflict(code="seal_unavailable")`` when the department has no active seal (the outbox retries).
    """
    if kind not in CaseDocumentKind.values:
        raise ValueError(f"unknown case document kind {kind!r}")
    existing = CaseDocument.objects.filter(event_id=event_id).values_list("pk", flat=True).first()
    if existing is not None:
        return int(existing)
    record = case_selectors.case_archive_record(case_id=case_id)
    if record.department_id is None:
        return None
    event = record.event(case_event_id) if case_event_id is not None else None
    text = document_compose(kind=kind, record=record, event=event, issued_at=now or timezone.now())
    rendered = document_pdf(text)
    sealed = pdf_seal(department_id=record.department_id, pdf=rendered.data,
                      reference=f"{record.case_number}:{kind}", purpose="document",
                      reason=f"{text.title} {text.number}", actor_label=record.department_name,
                      kinds=tuple(str(k) for k in DOCUMENT_SEAL_KINDS), box=rendered.box, page=rendered.page)
    stored = file_store_generated(owner_user_id=0, data=sealed.data, kind="pdf",
                                  display_name=f"{text.title}-{text.number}.pdf", purpose=DOCUMENT_FILE_PURPOSE)
    doc = CaseDocument.objects.create(case_id=record.id, kind=kind, event_id=event_id, number=text.number,
                                      seal_id=sealed.seal_id, file_id=stored.id, sha256=sealed.sha256)
    audit_record(action="licenses.document.issue", actor=SYSTEM, target=_case_target(record.id, record.case_number),
                 detail={"document_id": doc.pk, "kind": kind, "number": text.number, "seal_id": sealed.seal_id,
                         "file_id": stored.id, "sha256": sealed.sha256, "event_id": event_id})
    return int(doc.pk)


@atomic_service
def case_document_read(*, user: Any, case_id: int, document_id: int,
                       org_id: int | None = None) -> tuple[CaseDocumentRow, StoredFileInfo, bytes]:
    """A sealed document's PDF for the case's applicant (a person, or someone with the organisation's
    "view_cases" scope) or for staff whose scope covers the case; every read is audited. Anyone else, and a
    document of another case, answers 404 (the refusal audited)."""
    action = "licenses.document.read"
    access = case_selectors.case_reader_check(user=user, case_id=case_id, action=action, org_id=org_id)
    doc = CaseDocument.objects.select_related("seal").filter(pk=document_id, case_id=access.case_id).first()
    if doc is None:
        raise NotFound(_("没有找到这份文书。"), code="document_not_found")
    info, data = file_read(file_id=doc.file_id)
    audit_record(action=action, actor=access.audit_actor, on_behalf_of=access.on_behalf_of,
                 target=_case_target(access.case_id, access.case_number),
                 detail={"document_id": doc.pk, "kind": doc.kind, "number": doc.number})
    return case_document_row(doc), info, data
