"""经办人: authorise, revoke, expiry; an agent acting for the organisation is audited with both names."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.organizations.helpers import LI_ID, WANG_ID, ZHAO_ID, person, platform_admin, register
from tongban.core.audit import atomic_service, audit_record, audit_verify
from tongban.core.errors import NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.organizations import selectors, services
from tongban.organizations.models import AgentAuthorization, Organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    wang = person(name="王晓明", id_number=WANG_ID)
    org = Organization.objects.get(pk=register(wang).id)
    li = person(name="李华", id_number=LI_ID, username="Li_hua2026")
    return wang, org, li


def _authorize(wang, org, who, scopes=("apply", "view_cases"), days=30):
    return services.agent_authorize(org_id=org.pk, legal_rep_user=wang, agent_phone_or_username=who, scopes=scopes,
                                    valid_until=timezone.now() + timedelta(days=days))


def test_authorise_by_username_or_phone_and_scopes(setup):
    wang, org, li = setup
    assert selectors.agent_scopes_for(user=li, org_id=org.pk) == frozenset()
    _authorize(wang, org, "li_HUA2026")
    assert selectors.agent_scopes_for(user=li, org_id=org.pk) == {"apply", "view_cases"}
    ctx = selectors.acting_context(user=li, org_id=org.pk)
    assert ctx.role == "agent" and ctx.allows("apply") and not ctx.allows("pay")
    zhao = person(name="赵敏", id_number=ZHAO_ID)
    _authorize(wang, org, zhao.phone, scopes=["pay"])
    assert selectors.agent_scopes_for(user=zhao, org_id=org.pk) == {"pay"}
    _authorize(wang, org, zhao.phone, scopes=["manage_licenses"])  # replaces the open one
    assert selectors.agent_scopes_for(user=zhao, org_id=org.pk) == {"manage_licenses"}
    assert AgentAuthorization.objects.filter(agent=zhao).count() == 2
    assert selectors.agent_scopes_for(user=wang, org_id=org.pk) == selectors.ALL_SCOPES
    assert [m.role for m in selectors.organization_list_for_user(user=li)] == ["agent"]


def test_bad_agents_and_scopes_are_refused(setup):
    wang, org, li = setup
    unverified = person()
    for who, code in [("13800000000", "agent_not_found"), (unverified.phone, "agent_not_verified"),
                      (wang.phone, "agent_is_legal_rep"), (LI_ID, "agent_not_found")]:
        with pytest.raises(ValidationFailed) as caught:
            _authorize(wang, org, who)
        assert caught.value.code == code
    with pytest.raises(ValidationFailed) as scopes:
        _authorize(wang, org, li.phone, scopes=["delete_everything"])
    assert scopes.value.code == "scopes_invalid"
    with pytest.raises(ValidationFailed):
        _authorize(wang, org, li.phone, days=-1)
    with pytest.raises(NotPermitted):
        _authorize(li, org, wang.phone)  # only the legal representative authorises
    assert AuditEvent.objects.filter(action="organizations.agent.authorize", outcome="denied").count() == 1


def test_revoke_and_expiry_end_the_rights(setup):
    wang, org, li = setup
    auth_id = _authorize(wang, org, li.phone)
    services.agent_revoke(authorization_id=auth_id, legal_rep_user=wang)
    assert selectors.agent_scopes_for(user=li, org_id=org.pk) == frozenset()
    with pytest.raises(NotPermitted):
        selectors.acting_context(user=li, org_id=org.pk)
    auth_id = _authorize(wang, org, li.phone)
    AgentAuthorization.objects.filter(pk=auth_id).update(valid_until=timezone.now() - timedelta(seconds=1))
    assert selectors.agent_scopes_for(user=li, org_id=org.pk) == frozenset()
    with pytest.raises(NotPermitted):
        services.agent_revoke(authorization_id=auth_id, legal_rep_user=li)


def test_audit_of_an_agent_action_names_agent_and_organisation(setup):
    wang, org, li = setup
    _authorize(wang, org, li.phone, scopes=["apply"])
    ctx = selectors.acting_context(user=li, org_id=org.pk)

    @atomic_service
    def case_submit_stub(*, ctx):  # how a later service (cases) uses the context
        ctx.require("apply")
        audit_record(action="cases.case.submit", actor=ctx.actor, on_behalf_of=ctx.on_behalf_of)

    @atomic_service
    def case_pay_stub(*, ctx):
        ctx.require("pay")

    case_submit_stub(ctx=ctx)
    event = AuditEvent.objects.get(action="cases.case.submit")
    assert (event.actor_type, event.actor_id) == ("person", str(li.pk))
    assert (event.on_behalf_of_type, event.on_behalf_of_id) == ("organization", str(org.pk))
    assert org.credit_code in event.on_behalf_of_label
    with pytest.raises(NotPermitted):
        case_pay_stub(ctx=ctx)
    assert AuditEvent.objects.filter(action="organizations.scope.pay", outcome="denied").exists()
    grant = AuditEvent.objects.get(action="organizations.agent.authorize")
    assert grant.actor_id == str(wang.pk) and grant.on_behalf_of_id == str(org.pk)
    assert list(audit_verify()) == []


def test_suspended_organisation_has_no_agents_or_representative_acting(setup):
    wang, org, li = setup
    _authorize(wang, org, li.phone)
    services.organization_suspend(org_id=org.pk, staff_user=platform_admin(), reason="测试")
    assert selectors.agent_scopes_for(user=li, org_id=org.pk) == frozenset()
    assert selectors.agent_scopes_for(user=wang, org_id=org.pk) == frozenset()
