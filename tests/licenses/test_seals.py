"""Electronic seals (电子印章): making a seal, its transitions with reasons and audit records, who may do what, and
the system's seal_ensure_for_department.

Helpers for other tests: :func:`seal_world` (departments and staff) and :func:`active_seal` (a department's
active seal, made through the services)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.factories import DepartmentFactory, make_staff
from tongban.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.licenses.models import Seal, SealKind, SealStatus
from tongban.licenses.selectors.seals import seal_get_for_staff, seal_list_for_staff
from tongban.licenses.services.seals import seal_create, seal_ensure_for_department, seal_transition

pytestmark = pytest.mark.django_db


def seal_world(regions: dict[str, Any]) -> SimpleNamespace:
    """A county department and a prefecture department with their administrators and a window clerk, and a
    platform administrator in a province-level department."""
    county = DepartmentFactory(region=regions["county"], name="石林彝族自治县市场监督管理局")
    other = DepartmentFactory(region=regions["qujing"], name="曲靖市市场监督管理局")
    platform = DepartmentFactory(region=regions["province"], name="云南省政务服务管理局")
    return SimpleNamespace(
        county=county, other=other, platform=platform,
        admin=make_staff(county, "department_admin"), other_admin=make_staff(other, "department_admin"),
        clerk=make_staff(county, "window_clerk"), platform_admin=make_staff(platform, "platform_admin"))


def active_seal(department: Any, *, kind: str = SealKind.OFFICIAL) -> Seal:
    """The department's active seal of ``kind`` (made and activated when missing)."""
    return Seal.objects.get(pk=seal_ensure_for_department(department_id=department.pk, kind=kind))


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    return seal_world(regions)


def _audits(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


def test_department_admin_makes_a_pending_seal_with_certificate_and_image(world: Any) -> None:
    row = seal_create(user=world.admin, department_id=world.county.pk, name="石林彝族自治县市场监督管理局证照专用章",
                      kind=SealKind.LICENSE)
    assert row.status == SealStatus.PENDING and row.kind_label == "证照专用章"
    seal = Seal.objects.get(pk=row.id)
    assert seal.credit_code == world.county.credit_code and seal.created_by_id == world.admin.pk
    assert bytes(seal.image_png).startswith(b"\x89PNG")
    cert = x509.load_pem_x509_certificate(seal.certificate_pem.encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == row.name
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == world.county.name
    assert (cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value
            == f"NTRCN-{world.county.credit_code}")
    assert format(cert.serial_number, "x") == seal.certificate_serial
    [event] = _audits("licenses.seal.create")
    assert event.object_id == str(row.id) and event.outcome == "success" and event.actor_type == "staff"


def test_platform_admin_makes_seals_for_any_department(world: Any) -> None:
    row = seal_create(user=world.platform_admin, department_id=world.other.pk, name="曲靖市市场监督管理局",
                      kind=SealKind.OFFICIAL)
    assert row.department_id == world.other.pk
    assert [s.id for s in seal_list_for_staff(staff=_ctx(world.platform_admin))] == [row.id]


def _ctx(user: Any) -> Any:
    from tongban.directory.scope import staff_context_for_user

    return staff_context_for_user(user)


def test_window_clerk_is_refused_with_403_and_audited(world: Any) -> None:
    with pytest.raises(NotPermitted):
        seal_create(user=world.clerk, department_id=world.county.pk, name="印章", kind=SealKind.OFFICIAL)
    assert not Seal.objects.exists()
    [event] = _audits("licenses.seal.create")
    assert event.outcome == "denied"


def test_another_departments_admin_gets_404_and_is_audited(world: Any) -> None:
    with pytest.raises(NotFound):
        seal_create(user=world.other_admin, department_id=world.county.pk, name="印章", kind=SealKind.OFFICIAL)
    seal = active_seal(world.county)
    for call in (lambda: seal_transition(user=world.other_admin, seal_id=seal.pk, transition="suspend", reason="x"),
                 lambda: seal_get_for_staff(user=world.other_admin, seal_id=seal.pk)):
        with pytest.raises(NotFound):
            call()
    assert Seal.objects.get(pk=seal.pk).status == SealStatus.ACTIVE
    assert {e.action for e in AuditEvent.objects.filter(outcome="denied")} == {
        "licenses.seal.create", "licenses.seal.suspend", "licenses.seal.view"}
    assert seal_list_for_staff(staff=_ctx(world.other_admin)) == []


@pytest.mark.parametrize(("name", "kind", "code"), [
    ("", SealKind.OFFICIAL, "name_required"), ("章" * 101, SealKind.OFFICIAL, "name_too_long"),
    ("印章", "round", "kind_invalid")])
def test_bad_input_is_refused_with_every_issue(world: Any, name: str, kind: str, code: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        seal_create(user=world.admin, department_id=world.county.pk, name=name, kind=kind)
    assert code in {i.code for i in info.value.issues}
    assert not Seal.objects.exists()


def test_duplicate_name_is_refused_until_the_old_seal_is_revoked(world: Any) -> None:
    first = seal_create(user=world.admin, department_id=world.county.pk, name="公章", kind=SealKind.OFFICIAL)
    with pytest.raises(ValidationFailed) as info:
        seal_create(user=world.admin, department_id=world.county.pk, name=" 公章 ", kind=SealKind.OFFICIAL)
    assert info.value.issues[0].code == "seal_name_taken"
    seal_transition(user=world.admin, seal_id=first.id, transition="revoke", reason="印章损毁，重新制作")
    second = seal_create(user=world.admin, department_id=world.county.pk, name="公章", kind=SealKind.OFFICIAL)
    old, new = Seal.objects.get(pk=first.id), Seal.objects.get(pk=second.id)
    assert old.certificate_serial != new.certificate_serial and old.certificate_pem != new.certificate_pem


def test_transitions_follow_the_table_with_reasons_and_audit(world: Any) -> None:
    row = seal_create(user=world.admin, department_id=world.county.pk, name="公章", kind=SealKind.OFFICIAL)
    assert seal_transition(user=world.admin, seal_id=row.id, transition="activate", reason="").status == "active"
    with pytest.raises(ValidationFailed) as info:
        seal_transition(user=world.admin, seal_id=row.id, transition="suspend", reason="  ")
    assert info.value.code == "reason_required"
    suspended = seal_transition(user=world.admin, seal_id=row.id, transition="suspend", reason="人员调整，暂停使用")
    assert suspended.status == SealStatus.SUSPENDED and suspended.status_reason == "人员调整，暂停使用"
    assert suspended.status_changed_at is not None
    with pytest.raises(Conflict) as conflict:
        seal_transition(user=world.admin, seal_id=row.id, transition="suspend", reason="再次停用")
    assert conflict.value.code == "transition_not_allowed"
    seal_transition(user=world.admin, seal_id=row.id, transition="activate", reason="恢复")
    seal_transition(user=world.admin, seal_id=row.id, transition="revoke", reason="机构撤并")
    with pytest.raises(Conflict):
        seal_transition(user=world.admin, seal_id=row.id, transition="activate", reason="想再用")
    assert Seal.objects.get(pk=row.id).status == SealStatus.REVOKED
    events = [(e.action, e.detail["from"], e.detail["to"]) for e in AuditEvent.objects.filter(
        action__in=["licenses.seal.activate", "licenses.seal.suspend", "licenses.seal.revoke"], outcome="success")
        .order_by("seq")]
    assert events == [("licenses.seal.activate", "pending", "active"), ("licenses.seal.suspend", "active", "suspended"),
                      ("licenses.seal.activate", "suspended", "active"), ("licenses.seal.revoke", "active", "revoked")]
    assert AuditEvent.objects.get(action="licenses.seal.revoke").detail["reason"] == "机构撤并"


def test_window_clerk_cannot_change_a_seal(world: Any) -> None:
    seal = active_seal(world.county)
    with pytest.raises(NotPermitted):
        seal_transition(user=world.clerk, seal_id=seal.pk, transition="revoke", reason="试试")
    assert Seal.objects.get(pk=seal.pk).status == SealStatus.ACTIVE


def test_seal_ensure_is_idempotent_per_kind(world: Any) -> None:
    first = seal_ensure_for_department(department_id=world.county.pk)
    assert seal_ensure_for_department(department_id=world.county.pk) == first
    licence = seal_ensure_for_department(department_id=world.county.pk, kind=SealKind.LICENSE)
    assert licence != first
    seals = {s.pk: s for s in Seal.objects.all()}
    assert seals[first].status == seals[licence].status == SealStatus.ACTIVE
    assert seals[first].name == world.county.name and seals[licence].name.endswith("证照专用章")
    assert seals[first].created_by_id is None
    assert AuditEvent.objects.filter(action="licenses.seal.activate", actor_type="system").count() == 2


def test_selector_lists_only_the_departments_seals(world: Any) -> None:
    mine = active_seal(world.county)
    theirs = active_seal(world.other)
    assert [s.id for s in seal_list_for_staff(staff=_ctx(world.admin))] == [mine.pk]
    assert {s.id for s in seal_list_for_staff(staff=_ctx(world.platform_admin))} == {mine.pk, theirs.pk}
    assert seal_list_for_staff(staff=_ctx(world.clerk)) == []
    detail = seal_get_for_staff(user=world.admin, seal_id=mine.pk)
    assert detail.certificate.serial_hex == mine.certificate_serial
    assert [t.name for t in detail.transitions] == ["suspend", "revoke"]
