"""Licence states: 撤销 / 注销 / 转出 / 吊销 by the issuing department's 证照管理人员 with a reason, 到期失效 by the
job, 换发 with a new version; each change with an event, an audit record and ``license.status_changed``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_staff
from tests.licenses.issuing import issue_id_card
from tongban.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent, OutboxEvent
from tongban.core.scheduler import periodic_jobs
from tongban.licenses.identifiers import identifier_parse
from tongban.licenses.integration import LicenseResolver, expire_now
from tongban.licenses.models import License, LicenseEvent, LicenseStatus
from tongban.licenses.selectors.licenses import license_by_identifier
from tongban.licenses.services.issuance import license_reissue, license_transition
from tongban.licenses.signing import pdf_verify

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]


@pytest.mark.parametrize(("transition", "status"), [
    ("revoke", LicenseStatus.REVOKED), ("cancel", LicenseStatus.CANCELLED),
    ("transfer_out", LicenseStatus.TRANSFERRED), ("withdraw", LicenseStatus.WITHDRAWN)])
def test_staff_transitions_with_reason_audit_and_event(lw: Any, transition: str, status: str) -> None:
    row = issue_id_card(lw)
    changed = license_transition(user=lw.gongan_admin, license_id=row.id, transition=transition,
                                 reason="  依申请办理  ")
    assert changed.status == status
    licence = License.objects.get(pk=row.id)
    assert licence.status_reason == "依申请办理" and licence.status_changed_at is not None
    event = LicenseEvent.objects.get(license=licence, action=transition)
    assert (event.from_status, event.to_status, event.reason) == (LicenseStatus.VALID, status, "依申请办理")
    assert AuditEvent.objects.filter(action=f"licenses.license.{transition}", object_id=str(row.id),
                                     outcome="success").exists()
    outbox = OutboxEvent.objects.get(topic="license.status_changed", aggregate_id=str(row.id))
    assert outbox.payload["status"] == status and outbox.payload["from_status"] == LicenseStatus.VALID
    with pytest.raises(Conflict) as again:
        license_transition(user=lw.gongan_admin, license_id=row.id, transition="revoke", reason="再次")
    assert again.value.code == "transition_not_allowed"


def test_refusals(lw: Any, regions: dict[str, Any]) -> None:
    row = issue_id_card(lw)
    with pytest.raises(ValidationFailed) as no_reason:
        license_transition(user=lw.gongan_admin, license_id=row.id, transition="revoke", reason="   ")
    assert no_reason.value.code == "reason_required"
    with pytest.raises(Conflict) as system_only:
        license_transition(user=lw.gongan_admin, license_id=row.id, transition="expire", reason="提前失效")
    assert system_only.value.code == "transition_forbidden"
    with pytest.raises(NotPermitted):  # same department, no licence role
        license_transition(user=lw.gongan_clerk, license_id=row.id, transition="revoke", reason="越权")
    with pytest.raises(NotFound):  # another department's licence answers like a missing one
        license_transition(user=lw.minzheng_admin, license_id=row.id, transition="revoke", reason="越权")
    assert AuditEvent.objects.filter(action="licenses.license.revoke", outcome="denied").count() == 2
    assert License.objects.get(pk=row.id).status == LicenseStatus.VALID


def test_platform_admin_sees_but_does_not_change(lw: Any) -> None:
    row = issue_id_card(lw)
    admin = make_staff(lw.gongan_province, "platform_admin")
    with pytest.raises(NotPermitted):
        license_transition(user=admin, license_id=row.id, transition="revoke", reason="平台")


def test_revoked_licence_fails_confirm_at_once(lw: Any) -> None:
    from tests.organizations.helpers import person

    citizen = person(name="张三", id_number="530126199001011232")
    row = issue_id_card(lw)
    resolver = LicenseResolver()
    assert resolver.confirm(user_id=citizen.pk, org_id=None, license_id=row.identifier) is not None
    listed = resolver.licenses_for(user_id=citizen.pk, org_id=None, license_type="居民身份证")
    assert [r.license_id for r in listed] == [row.identifier] and listed[0].label == "居民身份证（电子证照）"
    license_transition(user=lw.gongan_admin, license_id=row.id, transition="revoke", reason="证件作废")
    assert resolver.confirm(user_id=citizen.pk, org_id=None, license_id=row.identifier) is None
    assert resolver.licenses_for(user_id=citizen.pk, org_id=None, license_type="居民身份证") == []


def test_expiry_job(lw: Any) -> None:
    today = timezone.localdate()
    due = issue_id_card(lw, valid_from=today - timedelta(days=30), valid_until=today)
    later = issue_id_card(lw, number="530102198507152344", name="李华")
    assert {"licenses.expire", "licenses.qr_token_uses_purge"} <= {job.name for job in periodic_jobs()}
    assert expire_now(today=today) == 0  # valid through its last day
    assert expire_now(today=today + timedelta(days=1)) == 1
    assert expire_now(today=today + timedelta(days=1)) == 0  # idempotent
    expired = License.objects.get(pk=due.id)
    assert expired.status == LicenseStatus.EXPIRED and "已届满" in expired.status_reason
    assert License.objects.get(pk=later.id).status == LicenseStatus.VALID
    assert LicenseEvent.objects.filter(license=expired, action="expire").exists()
    assert AuditEvent.objects.filter(action="licenses.license.expire", actor_type="system").exists()


def test_reissue_keeps_the_identifier_body_with_version_002(lw: Any) -> None:
    row = issue_id_card(lw)
    new = license_reissue(user=lw.gongan_admin, license_id=row.id, reason="住址变更换发",
                          data={"address": "云南省石林县石林街道"})
    old_id, new_id = identifier_parse(row.identifier), identifier_parse(new.identifier)
    assert (new_id.type_code, new_id.issuer_code, new_id.serial) == (old_id.type_code, old_id.issuer_code,
                                                                     old_id.serial)
    assert new_id.version == 2 and new.identifier.split(".")[-2] == "002"
    old = License.objects.get(pk=row.id)
    assert old.status == LicenseStatus.CANCELLED and old.superseded_by_id == new.id
    assert new.source == "reissue" and new.status == LicenseStatus.VALID
    assert license_by_identifier(identifier=new.identifier.lower()) is not None
    from tongban.licenses.services.issuance import license_pdf

    assert pdf_verify(pdf=license_pdf(license_id=new.id)).valid
    third = license_reissue(user=lw.gongan_admin, license_id=new.id, reason="再次换发")
    assert identifier_parse(third.identifier).version == 3
    with pytest.raises(Conflict):
        license_reissue(user=lw.gongan_admin, license_id=row.id, reason="旧版本不能换发")
    assert AuditEvent.objects.filter(action="licenses.license.reissue").count() == 2


def test_valid_until_in_the_past_cannot_be_issued(lw: Any) -> None:
    with pytest.raises(ValidationFailed) as info:
        issue_id_card(lw, valid_from=date(2000, 1, 1), valid_until=date(2010, 1, 1))
    assert info.value.issues[0].code == "valid_until_past"
