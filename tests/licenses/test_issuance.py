"""Issuing licences: validation (every problem listed), serials, the rendered and sealed PDF, audit and outbox."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.licenses.issuing import LI_ID, STAFF_ACTOR, ZHANG_ID, issue_id_card, type_code, valid_id
from tongban.core.errors import Conflict, ValidationFailed
from tongban.core.models import AuditEvent, OutboxEvent
from tongban.identity.services import id_number_index
from tongban.licenses.identifiers import identifier_parse
from tongban.licenses.models import License, LicenseEvent, LicenseStatus, SealUsage
from tongban.licenses.services.issuance import license_issue, license_pdf
from tongban.licenses.signing import pdf_verify

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]


def test_issue_renders_seals_stores_and_records(lw: Any) -> None:
    started = time.monotonic()
    row = issue_id_card(lw, source="case")
    seconds = time.monotonic() - started
    assert seconds < 20  # render + seal + store; the import notes the real rate
    licence = License.objects.get(pk=row.id)
    assert licence.status == LicenseStatus.VALID and licence.version == 1
    assert licence.holder_index == id_number_index(ZHANG_ID)
    assert json.loads(licence.data)["name"] == "张三"  # holder fields filled from the holder
    assert json.loads(licence.data)["id_number"] == ZHANG_ID
    parsed = identifier_parse(row.identifier)
    assert parsed.issuer_code == lw.gongan.credit_code and parsed.serial == f"{licence.issued_on.year}000001"
    assert row.valid_until is not None and row.valid_until.year == licence.valid_from.year + 20
    assert row.holder_number_masked != ZHANG_ID and row.holder_number_masked.startswith("5301")
    pdf = license_pdf(license_id=row.id)
    assert pdf.startswith(b"%PDF") and licence.pdf_sha256
    result = pdf_verify(pdf=pdf)
    assert result.valid and result.intact and result.trusted, result.problems
    assert SealUsage.objects.filter(reference=row.identifier, purpose="license").count() == 1
    assert LicenseEvent.objects.filter(license=licence, action="issue", to_status=LicenseStatus.VALID).exists()
    assert AuditEvent.objects.filter(action="licenses.license.issue", object_id=str(licence.pk)).exists()
    event = OutboxEvent.objects.get(topic="license.issued", aggregate_id=str(licence.pk))
    assert event.payload["identifier"] == row.identifier and lw.gongan.pk in event.department_ids
    assert ZHANG_ID not in json.dumps(event.payload)


def test_one_changed_byte_fails_verification(lw: Any) -> None:
    pdf = license_pdf(license_id=issue_id_card(lw).id)
    position = pdf.index(b"/Title") + 8
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1:]
    assert not pdf_verify(pdf=tampered).intact


def test_serials_follow_each_other_per_type_and_issuer(lw: Any) -> None:
    first = issue_id_card(lw)
    second = issue_id_card(lw, number=LI_ID, name="李华")
    year = first.issued_on.year
    assert (first.serial, second.serial) == (f"{year}000001", f"{year}000002")
    imported = issue_id_card(lw, number=valid_id(13), name="王五", serial=f"{year}000003")
    assert imported.serial == f"{year}000003"
    fourth = issue_id_card(lw, number=valid_id(21), name="赵六")
    assert fourth.serial == f"{year}000004", "a serial taken by an import is passed over"
    with pytest.raises(Conflict) as info:
        issue_id_card(lw, number=valid_id(30), name="孙七", serial=f"{year}000003")
    assert info.value.code == "serial_taken"


def test_every_problem_is_listed(lw: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        license_issue(license_type_code=type_code("结婚证"), issuer_department_id=lw.minzheng.pk,
                      holder_kind="organization", holder_name="", holder_number="530126199001011233",
                      data={"spouse_name": "x" * 501}, actor=STAFF_ACTOR)
    codes = {issue.code for issue in info.value.issues}
    assert {"holder_kind_mismatch", "holder_name_required", "holder_number_invalid", "field_too_long",
            "field_required"} <= codes
    assert all(issue.message for issue in info.value.issues)
    with pytest.raises(ValidationFailed) as checksum:
        issue_id_card(lw, number="530126199001011233")  # wrong check character
    assert [i.code for i in checksum.value.issues] == ["id_number_check"]
    assert not License.objects.exists()


def test_unknown_type_other_issuer_and_missing_seal(lw: Any, regions: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as unknown:
        license_issue(license_type_code="X" * 21, issuer_department_id=lw.gongan.pk, holder_kind="person",
                      holder_name="张三", holder_number=ZHANG_ID, data={}, actor=STAFF_ACTOR)
    assert unknown.value.code == "license_type_unknown"
    with pytest.raises(Conflict) as not_issuer:
        license_issue(license_type_code=type_code("结婚证"), issuer_department_id=lw.gongan.pk, holder_kind="person",
                      holder_name="张三", holder_number=ZHANG_ID, data={}, actor=STAFF_ACTOR)
    assert not_issuer.value.code == "not_issuer"
    with pytest.raises(Conflict) as no_seal:  # the province 公安厅 may issue but has no active seal
        license_issue(license_type_code=type_code("居民身份证"), issuer_department_id=lw.gongan_province.pk,
                      holder_kind="person", holder_name="张三", holder_number=ZHANG_ID, data={}, actor=STAFF_ACTOR)
    assert no_seal.value.code == "seal_unavailable"
    assert not License.objects.exists()


def test_organisation_licence_is_indexed_by_credit_code(lw: Any) -> None:
    row = license_issue(license_type_code=type_code("营业执照"), issuer_department_id=lw.scjg.pk,
                        holder_kind="organization", holder_name="云南滇池示范科技有限公司",
                        holder_number="91530102ma6n7q8r2m", data={"company_type": "有限责任公司"}, actor=STAFF_ACTOR)
    licence = License.objects.get(pk=row.id)
    assert licence.holder_number == "91530102MA6N7Q8R2M"
    assert licence.holder_index == id_number_index("91530102MA6N7Q8R2M")
    assert row.valid_until is None and row.holder_number_masked == "91530102MA6N7Q8R2M"
