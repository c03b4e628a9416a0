"""法人注册: credit code, enterprise registry, the legal representative's real-name account and confirmation."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.organizations.helpers import (
    DEREGISTERED,
    DIANCHI,
    LI_ID,
    NOT_FOUND,
    ORG_PASSWORD,
    REVOKED,
    UNAVAILABLE,
    WANG_ID,
    ZHAO_ID,
    person,
    platform_admin,
    register,
)
from tongban.core.errors import Conflict, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.organizations import selectors, services
from tongban.organizations.models import Organization, OrgStatus
from tongban.organizations.registry.base import RegistrationStatus
from tongban.organizations.registry.contrib.simulator.plugin import SimulatedEnterpriseRegistry
from tongban.organizations.workflow import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_codes_with_excluded_letters_are_refused(letter):
    wang = person(name="王晓明", id_number=WANG_ID)
    code = DIANCHI["credit_code"][:10] + letter + DIANCHI["credit_code"][11:]
    with pytest.raises(ValidationFailed) as caught:
        register(wang, credit_code=code)
    assert caught.value.code == "credit_code_excluded_letter"
    assert letter in caught.value.message


def test_wrong_check_character_is_refused():
    wang = person(name="王晓明", id_number=WANG_ID)
    with pytest.raises(ValidationFailed) as caught:
        register(wang, credit_code=DIANCHI["credit_code"][:-1] + "A")
    assert caught.value.code == "credit_code_check"
    assert not Organization.objects.exists()


def test_simulator_data_codes_are_valid_and_documented_cases_behave():
    registry = SimulatedEnterpriseRegistry()
    assert registry.lookup(credit_code=DIANCHI["credit_code"]).legal_rep_name == "王晓明"
    assert registry.lookup(credit_code=DEREGISTERED).status == RegistrationStatus.DEREGISTERED
    from tongban.identity.validators import validate_credit_code
    from tongban.organizations.registry.contrib.simulator.plugin import _data

    for code in [*_data()[0], UNAVAILABLE, NOT_FOUND]:
        assert validate_credit_code(code) == code


@pytest.mark.parametrize(("code", "overrides", "expected"), [
    (NOT_FOUND, {}, "registry_not_found"),
    (DEREGISTERED, {"name": "云南示范已注销贸易有限公司"}, "registry_not_active"),
    (REVOKED, {"name": "示范已吊销物流有限公司"}, "registry_not_active"),
    (DIANCHI["credit_code"], {"name": "云南滇池科技有限公司"}, "registry_name_mismatch"),
    (DIANCHI["credit_code"], {"org_type": "individual"}, "registry_type_mismatch"),
])
def test_registry_disagreements_are_refused_with_a_message(code, overrides, expected):
    applicant = person(name="李华", id_number=LI_ID)
    with pytest.raises(ValidationFailed) as caught:
        register(applicant, credit_code=code, **overrides)
    assert caught.value.code == expected and caught.value.message
    assert not Organization.objects.exists()


def test_legal_representative_name_must_match_the_registry():
    applicant = person(name="李华", id_number=LI_ID)
    with pytest.raises(ValidationFailed) as caught:
        register(applicant, legal_rep_name="王小明")
    assert caught.value.code == "registry_legal_rep_mismatch"
    assert "法定代表人姓名与登记信息不一致" in caught.value.message


def test_registry_unavailable_asks_to_try_later():
    applicant = person(name="李华", id_number=LI_ID)
    with pytest.raises(services.RegistryUnavailableError) as caught:
        register(applicant, credit_code=UNAVAILABLE)
    assert "暂时不可用" in caught.value.message and caught.value.http_status == 503


def test_applicant_without_real_name_is_refused_and_audited():
    wang = person()  # registered only
    with pytest.raises(NotPermitted) as caught:
        register(wang)
    assert "实名认证" in caught.value.message
    assert AuditEvent.objects.filter(action="organizations.organization.register", outcome="denied").exists()


def test_legal_representative_registering_in_person_is_active_at_once():
    wang = person(name="王晓明", id_number=WANG_ID)
    summary = register(wang)
    org = Organization.objects.get(pk=summary.id)
    assert org.status == OrgStatus.ACTIVE and org.legal_rep_user == wang
    assert org.account.kind == "organization" and org.account.username == DIANCHI["credit_code"]
    assert org.account.is_active and org.account.check_password(ORG_PASSWORD)
    assert summary.legal_rep_id_masked == "5301**********1231"
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_id_number FROM organizations_organization WHERE id = %s", [org.pk])
        assert WANG_ID not in cursor.fetchone()[0]
    event = AuditEvent.objects.get(action="organizations.organization.register")
    assert event.on_behalf_of_type == "organization" and event.on_behalf_of_id == str(org.pk)


def test_registration_by_someone_else_waits_for_the_legal_representative():
    li = person(name="李华", id_number=LI_ID)
    summary = register(li)
    assert summary.status == OrgStatus.PENDING_CONFIRMATION
    org = Organization.objects.get(pk=summary.id)
    assert not org.account.is_active, "the account cannot sign in before the legal representative confirms"
    with pytest.raises(NotPermitted):
        services.organization_confirm(org_id=org.pk, legal_rep_user=li)
    stranger = person(name="赵敏", id_number=ZHAO_ID)
    assert selectors.organization_pending_for_legal_rep(user=stranger) == []

    wang = person(name="王晓明", id_number=WANG_ID)
    assert [p.id for p in selectors.organization_pending_for_legal_rep(user=wang)] == [org.pk]
    services.organization_confirm(org_id=org.pk, legal_rep_user=wang)
    org.refresh_from_db()
    assert org.status == OrgStatus.ACTIVE and org.legal_rep_user == wang and org.account.is_active
    with pytest.raises(Conflict):
        services.organization_confirm(org_id=org.pk, legal_rep_user=wang)


def test_legal_representative_without_real_name_cannot_confirm():
    li = person(name="李华", id_number=LI_ID)
    summary = register(li)
    wang_unverified = person()
    assert selectors.organization_pending_for_legal_rep(user=wang_unverified) == []
    with pytest.raises(NotPermitted) as caught:
        services.organization_confirm(org_id=summary.id, legal_rep_user=wang_unverified)
    assert "实名认证" in caught.value.message
    assert Organization.objects.get().status == OrgStatus.PENDING_CONFIRMATION
    assert AuditEvent.objects.filter(action="organizations.organization.confirm", outcome="denied").exists()


def test_applicant_who_is_the_legal_rep_by_id_but_not_by_name_is_refused():
    wang = person(name="王晓明", id_number=WANG_ID)
    with pytest.raises(ValidationFailed) as caught:
        register(wang, legal_rep_name="王晓")
    assert caught.value.code == "legal_rep_name_mismatch"


def test_weak_password_is_refused():
    wang = person(name="王晓明", id_number=WANG_ID)
    with pytest.raises(ValidationFailed) as caught:
        register(wang, password="12345678")
    assert all(issue.field == "password" for issue in caught.value.issues)


def test_duplicate_credit_code_gets_a_clear_message():
    wang = person(name="王晓明", id_number=WANG_ID)
    register(wang)
    with pytest.raises(Conflict) as caught:
        register(wang, credit_code=DIANCHI["credit_code"].lower())
    assert "已注册" in caught.value.message and caught.value.code == "credit_code_registered"


def test_status_changes_only_through_the_transition_table():
    wang = person(name="王晓明", id_number=WANG_ID)
    org_id = register(wang).id
    staff = platform_admin()
    services.organization_suspend(org_id=org_id, staff_user=staff, reason="吊销营业执照")
    assert Organization.objects.get(pk=org_id).status == OrgStatus.SUSPENDED
    assert not Organization.objects.get(pk=org_id).account.is_active
    with pytest.raises(Conflict):
        services.organization_suspend(org_id=org_id, staff_user=staff, reason="again")
    with pytest.raises(NotPermitted):
        services.organization_reinstate(org_id=org_id, staff_user=wang, reason="")
    services.organization_reinstate(org_id=org_id, staff_user=staff, reason="恢复")
    assert Organization.objects.get(pk=org_id).status == OrgStatus.ACTIVE
    assert set(TRANSITIONS.values()) == set(OrgStatus.values)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="two writing threads need PostgreSQL")
def test_two_registrations_racing_for_one_code_one_wins():
    wang = person(name="王晓明", id_number=WANG_ID)
    li = person(name="李华", id_number=LI_ID)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            register(user)
            outcomes.append("ok")
        except Conflict as error:
            outcomes.append(error.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=attempt, args=(u,)) for u in (wang, li)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["credit_code_registered", "ok"]
    assert Organization.objects.count() == 1
