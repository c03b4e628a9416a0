"""Sealed case documents (办件文书): each of 受理通知书, 补正告知书, 不予受理决定书 and 准予许可决定书 is made once per case
event (a re-delivered event does nothing), sealed with the department's seal and valid under pdf_verify; a department
without an active seal makes the outbox retry while the case goes on; the applicant and staff in scope download
them (audited), anyone else gets 404."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from tests.cases.conftest import decide, id_number, to_review
from tests.licenses.case_world import (
    accepted_and_approved,
    refused,
    run_outbox,
    submitted,
    supplement_requested,
    world_with_seal,
)
from tests.organizations.helpers import person
from tongban.cases import selectors as case_selectors
from tongban.core.errors import NotFound
from tongban.core.models import AuditEvent, OutboxConsumption, OutboxEvent
from tongban.core.outbox import outbox_event_get
from tongban.licenses import documents
from tongban.licenses.document_pdf import department_short, document_compose, document_number
from tongban.licenses.models import CaseDocument, CaseDocumentKind, SealKind, SealUsage
from tongban.licenses.services.documents import case_document_read
from tongban.licenses.services.seals import seal_ensure_for_department
from tongban.licenses.signing import pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> Any:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    return world_with_seal(regions)


def _kinds(case_id: int) -> list[str]:
    return list(CaseDocument.objects.filter(case_id=case_id).order_by("pk").values_list("kind", flat=True))


def _pdf(doc: CaseDocument) -> bytes:
    from tongban.files.services import file_read

    return file_read(file_id=doc.file_id)[1]


def test_each_event_makes_its_sealed_document_once(world: Any) -> None:
    approved = accepted_and_approved(world)
    supplement = supplement_requested(world)
    refusal = refused(world)
    run_outbox()
    assert _kinds(approved) == [CaseDocumentKind.ACCEPTANCE_NOTICE, CaseDocumentKind.APPROVAL_DECISION]
    assert _kinds(supplement) == [CaseDocumentKind.SUPPLEMENT_NOTICE]
    assert _kinds(refusal) == [CaseDocumentKind.REFUSAL_DECISION]
    for doc in CaseDocument.objects.all():
        data = _pdf(doc)
        result = pdf_verify(pdf=data)
        assert result.valid and result.intact and result.trusted, (doc.kind, result.problems)
        assert SealUsage.objects.filter(seal_id=doc.seal_id, purpose="document", document_sha256=doc.sha256).exists()
        assert doc.number.endswith("号") and "〔" in doc.number
    run_outbox()  # again: nothing twice
    assert CaseDocument.objects.count() == 4


def test_a_redelivered_event_does_nothing(world: Any) -> None:
    case_id = refused(world)
    run_outbox()
    doc = CaseDocument.objects.get(case_id=case_id)
    event = outbox_event_get(event_id=doc.event_id)
    assert event is not None and event.topic == "case.refused"
    documents.case_documents(event)  # delivered again (at least once delivery)
    documents.case_documents(event)
    assert CaseDocument.objects.filter(case_id=case_id).count() == 1
    assert AuditEvent.objects.filter(action="licenses.document.issue", object_id=str(case_id)).count() == 1


def test_a_denial_makes_no_approval_document(world: Any) -> None:
    case_id = submitted(world)
    to_review(world, case_id)
    decide(world, case_id, outcome="deny")
    run_outbox()
    assert _kinds(case_id) == [CaseDocumentKind.ACCEPTANCE_NOTICE]


def test_without_an_active_seal_the_outbox_retries_and_the_case_goes_on(regions: Any) -> None:
    w = world_with_seal(regions, seal=False)
    case_id = submitted(w)
    to_review(w, case_id)  # accepted: the case does not wait for its document
    run_outbox()
    assert _kinds(case_id) == []
    failed = OutboxConsumption.objects.get(consumer=documents.CONSUMER,
                                           event__topic="case.accepted")
    assert failed.status == "pending" and failed.attempts == 1
    assert failed.last_error.startswith("Conflict") and "无法签章" in failed.last_error
    seal_ensure_for_department(department_id=w.gongan.pk, kind=SealKind.OFFICIAL)
    from datetime import timedelta

    run_outbox(later=timedelta(minutes=5))
    assert _kinds(case_id) == [CaseDocumentKind.ACCEPTANCE_NOTICE]


def test_the_approval_seal_is_preferred_to_the_official_seal(world: Any) -> None:
    approval = seal_ensure_for_department(department_id=world.gongan.pk, kind=SealKind.APPROVAL)
    case_id = refused(world)
    run_outbox()
    assert CaseDocument.objects.get(case_id=case_id).seal_id == approval


def test_the_supplement_notice_lists_every_item_at_once(world: Any) -> None:
    case_id = supplement_requested(world)
    record = case_selectors.case_archive_record(case_id=case_id)
    event = next(e for e in record.events if e.transition == "request_supplement")
    from django.utils import timezone

    text = document_compose(kind=CaseDocumentKind.SUPPLEMENT_NOTICE, record=record, event=event,
                            issued_at=timezone.now())
    assert text.title == "补正告知书" and text.addressee == "王晓明"  # not masked: the applicant's own document
    assert any("居民身份证：复印件不清晰" in line for line in text.items)
    assert any(line.startswith("2. 表单“") and "申请理由请写明具体情况" in line for line in text.items)
    assert any("第三十二条" in p for p in text.paragraphs)
    refusal = document_compose(kind=CaseDocumentKind.REFUSAL_DECISION, record=record, event=None,
                               issued_at=timezone.now())
    assert any("行政复议" in line for line in refusal.closing)


def test_document_numbers() -> None:
    assert department_short("石林彝族自治县公安局") == "石林公"
    assert department_short("昆明市市场监督管理局") == "昆明市"
    from datetime import date

    number = document_number(kind=CaseDocumentKind.ACCEPTANCE_NOTICE, department_name="石林彝族自治县公安局",
                             case_number="1153012600000000000000000000000202605140001", issued_on=date(2026, 5, 14))
    assert number == "石林公受〔2026〕202605140001号"


# ------------------------------------------------------------------ reading


def test_the_applicant_and_staff_in_scope_read_the_documents_audited(world: Any) -> None:
    case_id = refused(world)
    run_outbox()
    doc = CaseDocument.objects.get(case_id=case_id)
    row, _info, data = case_document_read(user=world.citizen, case_id=case_id, document_id=doc.pk)
    assert data.startswith(b"%PDF") and row.kind_label == "不予受理决定书"
    row, _info, _data = case_document_read(user=world.admin, case_id=case_id, document_id=doc.pk)
    reads = AuditEvent.objects.filter(action="licenses.document.read", outcome="success")
    assert reads.count() == 2
    stranger = person(name="李四", id_number=id_number(7))
    for user in (stranger, world.outsider):
        with pytest.raises(NotFound):
            case_document_read(user=user, case_id=case_id, document_id=doc.pk)
    assert AuditEvent.objects.filter(action="licenses.document.read", outcome="denied").count() == 2
    other = refused(world)
    with pytest.raises(NotFound):  # a document of another case through this case's id
        case_document_read(user=world.citizen, case_id=other, document_id=doc.pk)


def test_the_case_pages_list_the_documents_with_download_links(world: Any) -> None:
    case_id = refused(world)
    run_outbox()
    doc = CaseDocument.objects.get(case_id=case_id)
    applicant = Client()
    applicant.force_login(world.citizen)
    page = applicant.get(f"/my/cases/{case_id}/").content.decode()
    link = f"/my/cases/{case_id}/sealed-documents/{doc.pk}/"
    assert "办件文书" in page and link in page and doc.number in page
    response = applicant.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    staff = Client()
    staff.force_login(world.clerk)
    page = staff.get(f"/workbench/cases/{case_id}/").content.decode()
    link = f"/workbench/cases/{case_id}/sealed-documents/{doc.pk}/"
    assert "办件文书" in page and link in page
    assert staff.get(link).status_code == 200

    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(link).status_code == 404
    stranger = Client()
    stranger.force_login(person(name="李四", id_number=id_number(7)))
    assert stranger.get(f"/my/cases/{case_id}/sealed-documents/{doc.pk}/").status_code == 404


def test_documents_have_no_events_of_their_own(world: Any) -> None:
    """Making a document changes nothing in the case: no case event, no outbox event besides the case's."""
    case_id = refused(world)
    before = OutboxEvent.objects.count()
    run_outbox()
    assert OutboxEvent.objects.count() == before
    assert CaseDocument.objects.filter(case_id=case_id).exists()
