"""The licences app in the case engine: a case decided 准予 issues its licence; licences stand for materials (免交)
and are re-checked at submission."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from tests.cases.conftest import apply, configure, decide, key, make_world, pdf_upload, to_review
from tests.factories import DepartmentFactory, case_implementation, case_item, make_staff
from tests.organizations.helpers import WANG_ID, person
from tongban.cases import services as case_services
from tongban.cases.models import Case
from tongban.core.audit import SYSTEM
from tongban.core.errors import NotFound, ValidationFailed
from tongban.licenses.integration import LicenseResultIssuer
from tongban.licenses.models import License, LicenseStatus
from tongban.licenses.services.issuance import license_issue, license_transition
from tongban.licenses.services.seals import seal_ensure_for_department
from tongban.licenses.types import license_type_by_name, license_types_seed

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]


@pytest.fixture
def cw(regions: dict[str, Any]) -> SimpleNamespace:
    world = make_world(regions)
    DepartmentFactory(region=regions["province"], category="gongan", name="云南省公安厅")
    DepartmentFactory(region=regions["province"], category="scjg", name="云南省市场监督管理局")
    license_types_seed()
    seal_ensure_for_department(department_id=world.gongan.pk)
    world.license_admin = make_staff(world.gongan, "license_admin")
    return world


def _id_card(cw: SimpleNamespace) -> Any:
    id_type = license_type_by_name(name="居民身份证")
    assert id_type is not None
    return license_issue(license_type_code=id_type.code, issuer_department_id=cw.gongan.pk, holder_kind="person",
                         holder_name="王晓明", holder_number=WANG_ID, data={}, source="import",
                         actor=SYSTEM)


def test_a_case_decided_approve_issues_the_licence(cw: SimpleNamespace) -> None:
    configure(cw)
    receipt = apply(cw, data={"applicant_name": "王晓明", "reason": "首次申请"})
    to_review(cw, receipt.case_id)
    decide(cw, receipt.case_id)
    case = Case.objects.get(pk=receipt.case_id)
    licence = License.objects.get(case_id=case.pk)
    assert case.result_references == [{"kind": "license", "reference": licence.identifier, "label": "居民户口簿"}]
    assert licence.license_type.name == "居民户口簿" and licence.holder_user_id == cw.citizen.pk
    assert licence.holder_name == "王晓明" and licence.holder_number == WANG_ID and licence.source == "case"
    assert licence.issuer_department_id == cw.gongan.pk and licence.status == LicenseStatus.VALID


def test_no_licence_when_the_result_is_not_a_licence_type_or_the_department_cannot_issue(
        cw: SimpleNamespace) -> None:
    from tongban.cases.interface import ResultRequest

    issuer = LicenseResultIssuer()
    base = dict(case_id=1, case_number="X", implementation_code="", item_code="", item_name="", result_type="",
                applicant_kind="person", applicant_user_id=cw.citizen.pk, organization_id=None, delivery_method="",
                applicant_name="王晓明", applicant_number=WANG_ID)
    assert issuer.handles(ResultRequest(result_name="居民户口簿", department_id=cw.gongan.pk, **base))
    assert not issuer.handles(ResultRequest(result_name="准予注销登记通知书", department_id=cw.gongan.pk, **base))
    assert not issuer.handles(ResultRequest(result_name="居民户口簿", department_id=cw.minzheng.pk, **base))
    assert not issuer.handles(ResultRequest(result_name="居民户口簿", department_id=cw.gongan.pk,
                                            **{**base, "applicant_number": ""}))


def test_licence_stands_for_a_material_and_a_revoked_one_fails_at_submission(cw: SimpleNamespace) -> None:
    configure(cw)
    card = _id_card(cw)
    draft = case_services.draft_open(user=cw.citizen, implementation_code=cw.impl.code)
    case_services.draft_save(user=cw.citizen, draft_id=draft.id, data={"applicant_name": "王晓明", "reason": "免交"})
    attached = case_services.draft_attachment_license(user=cw.citizen, draft_id=draft.id, material_name="居民身份证",
                                                      license_id=card.identifier.lower())
    assert attached.source == "license" and attached.display_name == "居民身份证（电子证照）"
    case_services.draft_attachment_upload(user=cw.citizen, draft_id=draft.id, material_name="申请书",
                                          upload=pdf_upload("申请书.pdf"))
    license_transition(user=cw.license_admin, license_id=card.id, transition="revoke", reason="证件挂失")
    with pytest.raises(ValidationFailed) as info:
        case_services.case_submit(user=cw.citizen, draft_id=draft.id, idempotency_key=key())
    assert "license_invalid" in {issue.code for issue in info.value.issues}


def test_a_licence_of_someone_else_cannot_be_attached(cw: SimpleNamespace) -> None:
    configure(cw)
    card = _id_card(cw)
    other_item = case_item()
    other_impl = case_implementation(other_item, cw.gongan)
    configure(cw, impl=other_impl)
    agent = person(name="李华", id_number="530102198507152344")
    draft = case_services.draft_open(user=agent, implementation_code=other_impl.code)
    with pytest.raises(NotFound):
        case_services.draft_attachment_license(user=agent, draft_id=draft.id, material_name="居民身份证",
                                               license_id=card.identifier)


def test_a_licence_of_another_type_or_for_a_material_without_one_is_refused(cw: SimpleNamespace) -> None:
    configure(cw)
    household_type = license_type_by_name(name="居民户口簿")
    assert household_type is not None
    household = license_issue(license_type_code=household_type.code, issuer_department_id=cw.gongan.pk,
                              holder_kind="person", holder_name="王晓明", holder_number=WANG_ID,
                              data={"household_type": "家庭户"}, source="import", actor=SYSTEM)
    card = _id_card(cw)
    draft = case_services.draft_open(user=cw.citizen, implementation_code=cw.impl.code)
    with pytest.raises(NotFound) as wrong_type:  # the 户口簿 does not stand for the 居民身份证 material
        case_services.draft_attachment_license(user=cw.citizen, draft_id=draft.id, material_name="居民身份证",
                                               license_id=household.identifier)
    assert wrong_type.value.code == "license_not_found"
    with pytest.raises(ValidationFailed) as no_licence:  # 申请书 takes no licence at all
        case_services.draft_attachment_license(user=cw.citizen, draft_id=draft.id, material_name="申请书",
                                               license_id=card.identifier)
    assert no_licence.value.code == "license_not_accepted"


def test_the_demo_loader_seeds_types_seals_and_the_demo_holders_licences() -> None:
    from tongban.demo import loader
    from tongban.identity.services import account_find
    from tongban.licenses.integration import LicenseResolver
    from tongban.licenses.models import Seal

    assert loader.load(echo=lambda _: None) is True
    count = License.objects.count()
    assert count == len(loader.DEMO_LICENSES)
    jixiang = account_find(identifier="13800000004")
    offered = LicenseResolver().licenses_for(user_id=jixiang.pk, org_id=None, license_type="居民户口簿")
    assert [r.label for r in offered] == ["居民户口簿（电子证照）"]
    assert Seal.objects.filter(status="active").count() >= 15
    assert loader.load(force=True, echo=lambda _: None) is True
    assert License.objects.count() == count, "a reload adds no licence twice"
