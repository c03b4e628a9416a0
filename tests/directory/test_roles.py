"""Role administration (角色管理): who grants and revokes which roles of whom; every change and refusal audited."""

from __future__ import annotations

import pytest

from tests.factories import DepartmentFactory, make_staff
from tongban.core.audit import SYSTEM, audit_verify
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.directory import services
from tongban.directory.models import StaffRole
from tongban.directory.selectors import (
    roles_manageable_by,
    staff_context_for_user,
    staff_get_for_admin,
    staff_list_for_admin,
)

pytestmark = pytest.mark.django_db
R = StaffRole


@pytest.fixture
def org(regions):
    platform_dept = DepartmentFactory(region=regions["province"], category="zwfw")
    county_police = DepartmentFactory(region=regions["county"], category="gongan")
    county_civil = DepartmentFactory(region=regions["county"], category="minzheng")
    return {
        "platform": make_staff(platform_dept, R.PLATFORM_ADMIN),
        "security": make_staff(platform_dept, R.SECURITY_ADMIN),
        "province_clerk": make_staff(platform_dept),
        "police_admin": make_staff(county_police, R.DEPARTMENT_ADMIN),
        "police_clerk": make_staff(county_police, R.WINDOW_CLERK),
        "civil_clerk": make_staff(county_civil),
    }


def roles_of(user) -> set[str]:
    return set(user.staff.roles.values_list("role", flat=True))


def grant(actor, user, role, reason="岗位调整"):
    services.staff_role_grant(actor=actor, staff_id=user.staff.pk, role=role, reason=reason)


def revoke(actor, user, role, reason="岗位调整"):
    services.staff_role_revoke(actor=actor, staff_id=user.staff.pk, role=role, reason=reason)


def denied(action: str) -> int:
    return AuditEvent.objects.filter(action=action, outcome="denied").count()


def test_platform_admin_grants_and_revokes_business_and_platform_roles(org):
    grant(org["platform"], org["civil_clerk"], R.REVIEWER)
    grant(org["platform"], org["province_clerk"], R.PLATFORM_CATALOG_ADMIN)
    grant(org["platform"], org["civil_clerk"], R.DEPARTMENT_ADMIN)
    assert roles_of(org["civil_clerk"]) == {R.REVIEWER, R.DEPARTMENT_ADMIN}
    revoke(org["platform"], org["civil_clerk"], R.REVIEWER, reason="调离审核岗位")
    assert roles_of(org["civil_clerk"]) == {R.DEPARTMENT_ADMIN}
    context = staff_context_for_user(org["civil_clerk"])
    assert context is not None and R.REVIEWER not in context.roles, "effective at the next request"
    event = AuditEvent.objects.get(action="directory.staff.role_revoke")
    assert event.detail == {"role": R.REVIEWER, "reason": "调离审核岗位"} and event.actor_type == "staff"
    assert event.object_id == str(org["civil_clerk"].staff.pk)
    assert list(audit_verify()) == []


def test_platform_admin_may_not_hand_out_separated_roles(org):
    with pytest.raises(NotPermitted):
        grant(org["platform"], org["province_clerk"], R.SYSTEM_ADMIN)
    assert denied("directory.staff.role_grant") == 1 and roles_of(org["province_clerk"]) == set()


def test_security_admin_manages_only_the_separated_roles(org):
    grant(org["security"], org["province_clerk"], R.AUDIT_ADMIN)
    assert roles_of(org["province_clerk"]) == {R.AUDIT_ADMIN}
    for role in (R.WINDOW_CLERK, R.PLATFORM_ADMIN):
        with pytest.raises(NotPermitted):
            grant(org["security"], org["civil_clerk" if role == R.WINDOW_CLERK else "province_clerk"], role)
    assert denied("directory.staff.role_grant") == 2
    revoke(org["security"], org["province_clerk"], R.AUDIT_ADMIN)
    assert roles_of(org["province_clerk"]) == set()


def test_nobody_changes_their_own_roles(org):
    for who, role in (("platform", R.REVIEWER), ("security", R.SYSTEM_ADMIN), ("police_admin", R.WINDOW_CLERK)):
        with pytest.raises(NotPermitted) as caught:
            grant(org[who], org[who], role)
        assert "自己" in caught.value.message
    with pytest.raises(NotPermitted):
        revoke(org["platform"], org["platform"], R.PLATFORM_ADMIN)
    assert denied("directory.staff.role_grant") == 3 and denied("directory.staff.role_revoke") == 1


def test_department_admin_manages_business_roles_of_own_department_only(org):
    grant(org["police_admin"], org["police_clerk"], R.APPROVER)
    grant(org["police_admin"], org["police_clerk"], R.DEPARTMENT_CATALOG_ADMIN)
    revoke(org["police_admin"], org["police_clerk"], R.WINDOW_CLERK)
    assert roles_of(org["police_clerk"]) == {R.APPROVER, R.DEPARTMENT_CATALOG_ADMIN}
    for role in (R.REALNAME_REVIEWER, R.DEPARTMENT_ADMIN, R.PLATFORM_ADMIN, R.SECURITY_ADMIN):
        with pytest.raises(NotPermitted):
            grant(org["police_admin"], org["police_clerk"], role)
    # Another department of the same county: answered like a missing staff member.
    with pytest.raises(NotFound) as hidden:
        grant(org["police_admin"], org["civil_clerk"], R.WINDOW_CLERK)
    with pytest.raises(NotFound) as missing:
        services.staff_role_grant(actor=org["police_admin"], staff_id=999999, role=R.WINDOW_CLERK, reason="x")
    assert hidden.value.message == missing.value.message
    assert roles_of(org["civil_clerk"]) == set()
    assert denied("directory.staff.role_grant") == 6


def test_staff_without_an_administrator_role_are_refused(org):
    with pytest.raises(NotPermitted):
        grant(org["police_clerk"], org["civil_clerk"], R.WINDOW_CLERK)
    assert denied("directory.staff.role_grant") == 1


def test_a_reason_is_required_from_people_but_not_from_the_system(org):
    with pytest.raises(ValidationFailed) as caught:
        grant(org["platform"], org["civil_clerk"], R.REVIEWER, reason="  ")
    assert caught.value.code == "reason_required"
    grant(SYSTEM, org["civil_clerk"], R.REVIEWER, reason="")
    assert roles_of(org["civil_clerk"]) == {R.REVIEWER}


def test_separated_roles_never_combine_with_each_other_or_with_platform_admin(org):
    grant(org["security"], org["province_clerk"], R.SYSTEM_ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        grant(org["security"], org["province_clerk"], R.AUDIT_ADMIN)
    assert caught.value.code == "separation_of_duties"
    with pytest.raises(ValidationFailed) as caught:
        grant(org["platform"], org["province_clerk"], R.PLATFORM_ADMIN)
    assert caught.value.code == "separation_of_duties"
    other_platform = make_staff(org["platform"].staff.department, R.PLATFORM_ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        grant(org["security"], other_platform, R.AUDIT_ADMIN)
    assert caught.value.code == "separation_of_duties"
    with pytest.raises(ValidationFailed):
        services.staff_create(username="sa_and_pa", password="Secret#2026pass", name="甲",
                              department_id=org["platform"].staff.department_id,
                              roles=[R.PLATFORM_ADMIN, R.SYSTEM_ADMIN])


def test_platform_roles_only_at_a_province_department(org):
    assert R.PLATFORM_ADMIN not in roles_manageable_by(
        staff_context_for_user(org["platform"]), staff_get_for_admin(actor=staff_context_for_user(org["platform"]),
                                                                     staff_id=org["civil_clerk"].staff.pk))
    with pytest.raises(NotPermitted):
        grant(org["platform"], org["civil_clerk"], R.PLATFORM_CATALOG_ADMIN)
    with pytest.raises(NotPermitted):
        grant(org["security"], org["civil_clerk"], R.SECURITY_ADMIN)
    with pytest.raises(ValidationFailed) as caught:
        grant(SYSTEM, org["civil_clerk"], R.PLATFORM_ADMIN)
    assert caught.value.code == "platform_role_outside_province"


def test_roles_update_is_all_or_nothing_and_keeps_roles_out_of_reach(org):
    clerk = org["police_clerk"]
    grant(SYSTEM, clerk, R.REALNAME_REVIEWER)  # not a business role: the department admin cannot touch it
    change = services.staff_roles_update(actor=org["police_admin"], staff_id=clerk.staff.pk,
                                         roles=[R.REVIEWER, R.APPROVER], reason="轮岗")
    assert change.granted == (R.APPROVER, R.REVIEWER) and change.revoked == (R.WINDOW_CLERK,)
    assert roles_of(clerk) == {R.REVIEWER, R.APPROVER, R.REALNAME_REVIEWER}
    with pytest.raises(NotPermitted):
        services.staff_roles_update(actor=org["police_admin"], staff_id=clerk.staff.pk,
                                    roles=[R.WINDOW_CLERK, R.DEPARTMENT_ADMIN], reason="越权")
    assert roles_of(clerk) == {R.REVIEWER, R.APPROVER, R.REALNAME_REVIEWER}, "nothing changed"
    with pytest.raises(ValidationFailed) as caught:
        services.staff_roles_update(actor=org["police_admin"], staff_id=clerk.staff.pk,
                                    roles=[R.REVIEWER, R.APPROVER], reason="无变化")
    assert caught.value.code == "no_change"
    assert AuditEvent.objects.filter(action="directory.staff.role_grant", outcome="success").count() == 3


def test_staff_list_follows_the_administrators_scope(org):
    platform = staff_context_for_user(org["platform"])
    police_admin = staff_context_for_user(org["police_admin"])
    clerk = staff_context_for_user(org["police_clerk"])
    assert platform is not None and police_admin is not None and clerk is not None
    assert len(staff_list_for_admin(actor=platform)) == 6
    assert {row.username for row in staff_list_for_admin(actor=police_admin)} == {
        org["police_admin"].username, org["police_clerk"].username}
    assert len(staff_list_for_admin(actor=clerk)) == 0
    assert [row.username for row in staff_list_for_admin(actor=platform, role=R.WINDOW_CLERK)] == [
        org["police_clerk"].username]
    assert staff_get_for_admin(actor=police_admin, staff_id=org["civil_clerk"].staff.pk) is None
