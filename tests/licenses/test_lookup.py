"""一证通办: only role license_lookup; ID number (lower-case x) or credit code, validated; purpose required; valid
licences only, through the blind index; masked; every look-up audited without the clear number."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_staff
from tests.licenses.factories import license_row
from tests.licenses.wallet_world import add_organisation, make_wallet_world
from tests.organizations.helpers import DIANCHI, ZHAO_ID
from tongban.core.errors import NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.licenses.models import LicenseStatus
from tongban.licenses.services import lookup

pytestmark = pytest.mark.django_db
PURPOSE = "办理户口迁移，申请人免交户口簿"


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def test_finds_the_valid_licences_masked(ww: SimpleNamespace) -> None:
    license_row(license_type=ww.id_type, holder_name="王晓明", id_number="530102199001011231",
                status=LicenseStatus.REVOKED)
    license_row(license_type=ww.id_type, holder_name="王晓明", id_number="530102199001011231",
                valid_until=timezone.localdate() - timedelta(days=1))
    result = lookup.license_lookup(user=ww.lookup, number="530102199001011231", purpose=PURPOSE)
    assert result.number_kind == "person" and result.number_masked == "5301**********1231"
    assert [r.identifier for r in result.licences] == [ww.licence.identifier]
    found = result.licences[0]
    assert found.holder_name_masked == "王*明" and found.holder_number_masked == "5301**********1231"
    event = AuditEvent.objects.get(action="licenses.lookup")
    dump = json.dumps(event.detail, ensure_ascii=False) + event.object_id + event.object_label
    assert "530102199001011231" not in dump
    assert event.detail["purpose"] == PURPOSE and event.detail["found"] == 1 and event.detail["holder_index"]
    assert event.outcome == "success" and "员工" in event.actor_label


def test_lower_case_x_is_normalised(ww: SimpleNamespace) -> None:
    license_row(license_type=ww.id_type, holder_name="赵六", id_number=ZHAO_ID)
    result = lookup.license_lookup(user=ww.lookup, number=ZHAO_ID.lower(), purpose=PURPOSE)
    assert len(result.licences) == 1


def test_credit_code_finds_the_organisations_licences(ww: SimpleNamespace) -> None:
    org = add_organisation(ww)
    result = lookup.license_lookup(user=ww.lookup, number=DIANCHI["credit_code"], purpose=PURPOSE)
    assert result.number_kind == "organization"
    assert [r.identifier for r in result.licences] == [org.licence.identifier]


def test_look_up_without_result_is_audited(ww: SimpleNamespace) -> None:
    result = lookup.license_lookup(user=ww.lookup, number="530102199002020017", purpose=PURPOSE)
    assert result.licences == []
    assert AuditEvent.objects.get(action="licenses.lookup").detail["found"] == 0


@pytest.mark.parametrize(("number", "purpose", "codes"), [
    ("530102199001011232", PURPOSE, {"number_invalid"}),  # wrong check digit
    ("12345", PURPOSE, {"number_invalid"}),
    ("530102199001011231", "查询", {"purpose_invalid"}),
    ("", "", {"number_invalid", "purpose_invalid"}),
])
def test_bad_input(ww: SimpleNamespace, number: str, purpose: str, codes: set[str]) -> None:
    with pytest.raises(ValidationFailed) as info:
        lookup.license_lookup(user=ww.lookup, number=number, purpose=purpose)
    assert {i.code for i in info.value.issues} == codes
    assert not AuditEvent.objects.filter(action="licenses.lookup").exists()


@pytest.mark.parametrize("who", ["clerk", "reviewer", "citizen", "admin"])
def test_only_the_lookup_role(ww: SimpleNamespace, who: str) -> None:
    user = make_staff(ww.minzheng, "department_admin") if who == "admin" else getattr(ww, who)
    assert not lookup.may_lookup(user)
    with pytest.raises(NotPermitted):
        lookup.license_lookup(user=user, number="530102199001011231", purpose=PURPOSE)
    assert AuditEvent.objects.get(action="licenses.lookup").outcome == "denied"
