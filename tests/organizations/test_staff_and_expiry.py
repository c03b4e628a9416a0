"""Who suspends legal persons (data scope), and registrations that the legal representative never confirms."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from tests.factories import DepartmentFactory, make_staff
from tests.organizations.helpers import DIANCHI, HTML_NAMED, LI_ID, ORG_PASSWORD, WANG_ID, person, register
from tongban.core.audit import audit_verify
from tongban.core.errors import Conflict, NotFound, NotPermitted
from tongban.core.models import AuditEvent
from tongban.organizations import selectors, services
from tongban.organizations.models import Organization, OrgStatus
from tongban.organizations.workflow import CONFIRMATION_DAYS, TRANSITIONS

pytestmark = pytest.mark.django_db

EXPIRED_MESSAGE = "注册申请已超过7天未确认，已失效，请重新提交。"


@pytest.fixture
def org_id() -> int:
    """云南滇池示范科技有限公司: credit code 91530102…, registered in 五华区 (530102), 昆明市."""
    return register(person(name="王晓明", id_number=WANG_ID)).id


# ------------------------------------------------------------------ suspension: who, and within which region


@pytest.mark.parametrize(("region", "category", "role"), [
    ("province", "zwfw", "platform_admin"),
    ("province", "scjg", "department_admin"),
    ("kunming", "scjg", "department_admin"),
])
def test_platform_admin_and_market_regulation_admin_in_scope_suspend(regions, org_id, region, category, role):
    staff = make_staff(DepartmentFactory(region=regions[region], category=category), role)
    services.organization_suspend(org_id=org_id, staff_user=staff, reason="营业执照被吊销")
    assert Organization.objects.get(pk=org_id).status == OrgStatus.SUSPENDED
    services.organization_reinstate(org_id=org_id, staff_user=staff, reason="已恢复")
    assert Organization.objects.get(pk=org_id).status == OrgStatus.ACTIVE


@pytest.mark.parametrize(("region", "category", "roles"), [
    ("kunming", "gongan", ["department_admin"]),  # not the registration authority
    ("kunming", "scjg", ["department_catalog_admin"]),
    ("province", "zwfw", ["platform_catalog_admin", "realname_reviewer"]),
    ("kunming", "scjg", []),
])
def test_other_staff_are_refused_and_audited(regions, org_id, region, category, roles):
    staff = make_staff(DepartmentFactory(region=regions[region], category=category), *roles)
    with pytest.raises(NotPermitted):
        services.organization_suspend(org_id=org_id, staff_user=staff, reason="x")
    assert Organization.objects.get(pk=org_id).status == OrgStatus.ACTIVE
    event = AuditEvent.objects.get(action="organizations.organization.suspend")
    assert event.outcome == "denied" and event.object_id == str(org_id)


def test_market_regulation_admin_outside_the_region_gets_not_found(regions, org_id):
    shilin = make_staff(DepartmentFactory(region=regions["county"], category="scjg"), "department_admin")
    qujing = make_staff(DepartmentFactory(region=regions["qujing"], category="scjg"), "department_admin")
    for staff in (shilin, qujing):
        with pytest.raises(NotFound) as caught:
            services.organization_suspend(org_id=org_id, staff_user=staff, reason="x")
        with pytest.raises(NotFound) as missing:
            services.organization_suspend(org_id=999999, staff_user=staff, reason="x")
        assert caught.value.message == missing.value.message, "no hint that the organisation exists"
    assert Organization.objects.get(pk=org_id).status == OrgStatus.ACTIVE
    assert AuditEvent.objects.filter(action="organizations.organization.suspend", outcome="denied").count() == 4


def test_citizens_cannot_suspend(org_id):
    with pytest.raises(NotPermitted):
        services.organization_suspend(org_id=org_id, staff_user=person(), reason="x")


# ------------------------------------------------------------------ registrations expire after 7 days


def _pending(days_ago: float, applicant=None, data=DIANCHI) -> Organization:
    """Registered by 李华 for 王晓明, who has not confirmed it; ``days_ago`` days old."""
    summary = register(applicant or person(name="李华", id_number=LI_ID), data)
    Organization.objects.filter(pk=summary.id).update(created_at=timezone.now() - timedelta(days=days_ago))
    return Organization.objects.get(pk=summary.id)


def test_confirmation_window_is_seven_days():
    assert CONFIRMATION_DAYS == 7
    assert set(TRANSITIONS.values()) == set(OrgStatus.values)


def test_a_registration_can_be_confirmed_within_seven_days():
    org = _pending(6.9)
    wang = person(name="王晓明", id_number=WANG_ID)
    assert [p.id for p in selectors.organization_pending_for_legal_rep(user=wang)] == [org.pk]
    services.organization_confirm(org_id=org.pk, legal_rep_user=wang)
    assert Organization.objects.get(pk=org.pk).status == OrgStatus.ACTIVE


def test_an_overdue_registration_is_hidden_and_cannot_be_confirmed():
    org = _pending(7.01)
    wang = person(name="王晓明", id_number=WANG_ID)
    assert selectors.organization_pending_for_legal_rep(user=wang) == []
    with pytest.raises(Conflict) as caught:
        services.organization_confirm(org_id=org.pk, legal_rep_user=wang)
    assert caught.value.message == EXPIRED_MESSAGE and caught.value.code == "registration_expired"
    assert Organization.objects.get(pk=org.pk).status == OrgStatus.PENDING_CONFIRMATION
    assert AuditEvent.objects.filter(action="organizations.organization.confirm", outcome="denied").exists()


def test_the_command_expires_them_and_frees_the_credit_code():
    li = person(name="李华", id_number=LI_ID)
    old = _pending(8, li)
    fresh = _pending(1, li, HTML_NAMED)
    out = StringIO()
    call_command("expire_org_registrations", stdout=out)
    assert "1 条" in out.getvalue()
    old.refresh_from_db()
    assert old.status == OrgStatus.EXPIRED and old.status_changed_at is not None
    account = get_user_model().objects.get(pk=old.account_id)
    assert not account.is_active and account.username != DIANCHI["credit_code"] and not account.has_usable_password()
    assert Organization.objects.get(pk=fresh.pk).status == OrgStatus.PENDING_CONFIRMATION
    event = AuditEvent.objects.get(action="organizations.organization.expire")
    assert event.actor_type == "system" and event.object_id == str(old.pk) and event.detail["reason"] == "not_confirmed"
    call_command("expire_org_registrations", stdout=StringIO())
    assert AuditEvent.objects.filter(action="organizations.organization.expire").count() == 1, "idempotent"

    wang = person(name="王晓明", id_number=WANG_ID)
    with pytest.raises(Conflict) as caught:
        services.organization_confirm(org_id=old.pk, legal_rep_user=wang)
    assert caught.value.message == EXPIRED_MESSAGE
    again = register(wang)  # the legal representative registers the same code again: active at once
    assert again.status == OrgStatus.ACTIVE and again.id != old.pk
    assert services.organization_login_password(credit_code=DIANCHI["credit_code"], password=ORG_PASSWORD,
                                                ip=None).pk == Organization.objects.get(pk=again.id).account_id
    assert list(audit_verify()) == []


def test_a_new_registration_replaces_an_overdue_one_before_the_sweep():
    old = _pending(10)
    again = register(person(name="王晓明", id_number=WANG_ID))
    assert again.status == OrgStatus.ACTIVE
    assert Organization.objects.get(pk=old.pk).status == OrgStatus.EXPIRED
    assert AuditEvent.objects.get(action="organizations.organization.expire").detail["reason"] == "superseded"


def test_a_live_registration_still_blocks_the_code():
    _pending(3)
    with pytest.raises(Conflict) as caught:
        register(person(name="王晓明", id_number=WANG_ID))
    assert caught.value.code == "credit_code_registered"
