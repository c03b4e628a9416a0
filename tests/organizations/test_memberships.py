"""我可以代表的法人 at scale: the list and the acting options cost the same queries for one organisation or many,
and PostgreSQL reads the organisations through their indexes (it scanned the whole table when the agent's
organisations were a sub-select inside the OR)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.explain import analyze, plans_of, postgresql_only
from tests.organizations.helpers import LI_ID, WANG_ID, person, register
from tongban.organizations import selectors, services
from tongban.organizations.models import Organization, OrgStatus
from tongban.web.acting import acting_options

pytestmark = pytest.mark.django_db


def _more_organizations(template: Organization, count: int, **fields: object) -> list[Organization]:
    """``count`` active organisations like ``template`` with their own accounts and credit codes."""
    user_model = get_user_model()
    accounts = user_model.objects.bulk_create([user_model(username=f"member_org_{template.pk}_{n}",
                                                          kind="organization", password="!") for n in range(count)])
    rows = []
    for n, account in enumerate(accounts):
        row = Organization(**{f.attname: getattr(template, f.attname) for f in Organization._meta.concrete_fields
                              if not f.primary_key})
        row.credit_code, row.name, row.account_id = f"91530126MEMB{template.pk:02d}{n:03d}", f"示范{n}号有限公司", account.pk
        for name, value in fields.items():
            setattr(row, name, value)
        rows.append(row)
    return Organization.objects.bulk_create(rows)


@pytest.fixture
def wang_and_li():
    wang = person(name="王晓明", id_number=WANG_ID)
    org = Organization.objects.get(pk=register(wang).id)
    li = person(name="李华", id_number=LI_ID, username="Li_hua2026")
    services.agent_authorize(org_id=org.pk, legal_rep_user=wang, agent_phone_or_username=li.phone,
                             scopes=["view_cases"], valid_until=timezone.now() + timedelta(days=30))
    return wang, org, li


def _queries(read) -> int:
    with CaptureQueriesContext(connection) as captured:
        read()
    return len(captured.captured_queries)


def test_roles_and_scopes_are_those_acting_context_gives(wang_and_li):
    wang, org, li = wang_and_li
    _more_organizations(org, 2, status=OrgStatus.SUSPENDED)
    for user in (wang, li):
        for membership in selectors.organization_list_for_user(user=user):
            assert membership.scopes == selectors.agent_scopes_for(user=user, org_id=membership.organization.id) \
                or membership.organization.status != OrgStatus.ACTIVE
    assert [(m.role, m.scopes) for m in selectors.organization_list_for_user(user=li)] == [
        ("agent", frozenset({"view_cases"}))]
    assert [o.org_id for o in acting_options(li, scope="view_cases")] == [None, org.pk]
    assert [o.org_id for o in acting_options(li, scope="apply")] == [None], "no apply scope, no option"
    assert len(acting_options(wang, scope="apply")) == 2, "suspended organisations are not offered"


def test_the_queries_do_not_grow_with_the_organisations(wang_and_li):
    wang, org, li = wang_and_li
    one = _queries(lambda: acting_options(wang, scope="view_cases"))
    many = _more_organizations(org, 12)
    for extra in many[:6]:
        services.agent_authorize(org_id=extra.pk, legal_rep_user=wang, agent_phone_or_username=li.phone,
                                 scopes=["apply"], valid_until=timezone.now() + timedelta(days=30))
    assert len(acting_options(wang, scope="view_cases")) == 14
    assert _queries(lambda: acting_options(wang, scope="view_cases")) == one <= 2
    assert len(acting_options(li, scope="apply")) == 7
    assert _queries(lambda: acting_options(li, scope="apply")) == 2


@postgresql_only
def test_organisations_are_read_through_their_indexes(wang_and_li):
    wang, org, li = wang_and_li
    _more_organizations(org, 300)
    analyze("organizations_organization", "organizations_agentauthorization")
    for user in (wang, li):
        plans = plans_of(lambda user=user: selectors.organization_list_for_user(user=user))
        plans.assert_indexed(tables=["organizations_organization", "organizations_agentauthorization"])
