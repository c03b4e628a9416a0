"""Closing a personal account is refused while the person acts for an active organisation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.organizations.helpers import LI_ID, WANG_ID, person, register
from tongban.core.errors import Conflict
from tongban.identity import services as identity_services
from tongban.organizations import services
from tongban.organizations.account_hooks import closure_blockers
from tongban.organizations.models import AgentAuthorization

pytestmark = pytest.mark.django_db


def test_legal_representative_and_open_agent_authorisations_block_closing():
    wang = person(name="王晓明", id_number=WANG_ID)
    org = register(wang)
    li = person(name="李华", id_number=LI_ID)
    authorization = services.agent_authorize(org_id=org.id, legal_rep_user=wang, agent_phone_or_username=li.phone,
                                             scopes=["apply"], valid_until=timezone.now() + timedelta(days=30))
    assert any("法定代表人" in reason for reason in closure_blockers(wang.pk))
    [reason] = closure_blockers(li.pk)
    assert "经办人" in reason and org.name in reason
    with pytest.raises(Conflict):
        identity_services.person_account_close(user=li)

    services.agent_revoke(authorization_id=authorization, legal_rep_user=wang)
    assert closure_blockers(li.pk) == []
    identity_services.person_account_close(user=li)
    assert not AgentAuthorization.objects.filter(agent=li, revoked_at__isnull=True).exists()


def test_an_expired_authorisation_no_longer_blocks():
    wang = person(name="王晓明", id_number=WANG_ID)
    org = register(wang)
    li = person(name="李华", id_number=LI_ID)
    services.agent_authorize(org_id=org.id, legal_rep_user=wang, agent_phone_or_username=li.phone, scopes=["apply"],
                             valid_until=timezone.now() + timedelta(days=1))
    AgentAuthorization.objects.update(valid_until=timezone.now() - timedelta(minutes=1))
    assert closure_blockers(li.pk) == []
