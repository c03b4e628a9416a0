"""The case engine's hot queries use indexes (EXPLAIN on PostgreSQL): 我的办件 of a person and of an organisation, the
staff queues by scope and state (a department's clerk and reviewer, a platform administrator), due soon and
overdue (and the overdue sweep), the case by its number, staff search, and the applicant's case page.

Each test calls the selector the page calls and explains the statements it really sends (``tests.explain``), on a
county's three years of cases made by the load-data generator (``tests.cases.scale``), built once for the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from tests.cases.scale import scale_world
from tests.explain import Plans, index_names, plans_of, postgresql_only
from tests.factories import make_staff, region_tree
from tongban.cases import clock, selectors
from tongban.cases.models import Case, CaseStatus
from tongban.cases.services import case_overdue_mark_all
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.organizations.models import Organization

pytestmark = [postgresql_only, pytest.mark.django_db]

# The tables that grow with the cases: never read sequentially by a request.
BIG = ("cases_case", "cases_caseevent", "cases_casestep", "cases_attachment", "cases_supplementrequest",
       "cases_specialprocedure", "identity_user", "identity_person", "organizations_organization")


@pytest.fixture(scope="module")
def county(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SimpleNamespace]:
    """The data, once for the module, in a transaction rolled back after its last test (each test runs in a
    savepoint inside it)."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL")
    with django_db_blocker.unblock(), transaction.atomic():
        world = scale_world(region_tree())
        province = world.departments[-1]
        world.platform_admin = make_staff(province, "platform_admin", username="scale_platform_admin")
        connection.check_constraints()  # now, once: each test's teardown would check the pending rows again
        yield world
        transaction.set_rollback(True)


def staff(user: Any) -> StaffContext:
    context = staff_context_for_user(user)
    assert context is not None
    return context


def page(rows: Any) -> Callable[[], Any]:
    """What a list page reads: the count and the first page."""
    return lambda: (len(rows), rows[0:20])


def check(plans: Plans, *expected: str) -> None:
    plans.assert_indexed(tables=BIG, uses=expected)


# ------------------------------------------------------------------ 我的办件


@pytest.mark.parametrize("group", [None, "open", "action", "closed"])
def test_my_cases_of_a_person_use_the_applicant_index(county: SimpleNamespace, group: str | None) -> None:
    user = get_user_model().objects.get(pk=county.busiest_user_id)
    rows = selectors.case_list_for_person(user=user, status_group=group)
    assert len(rows) > 0 or group
    check(plans_of(page(rows)), "case_applicant_idx")


@pytest.mark.parametrize("group", [None, "open"])
def test_cases_of_an_organisation_use_the_organisation_index(county: SimpleNamespace, group: str | None) -> None:
    org = Organization.objects.get(pk=county.busiest_org_id)
    rows = selectors.case_list_for_organization(user=org.legal_rep_user, org_id=org.pk, status_group=group)
    assert len(rows) > 0 or group
    check(plans_of(page(rows)), "case_org_idx")


# ------------------------------------------------------------------ the workbench queues


DEPARTMENT_QUEUES = {
    "to_accept": {"case_dept_status_due_idx"},
    "supplemented": {"case_dept_status_due_idx"},
    # Special procedures are rare everywhere: the department's open cases or the platform's in that state.
    "in_special_procedure": {"case_dept_status_due_idx", "case_open_status_due_idx"},
    "due_soon": {"case_dept_due_idx"},
    "overdue": {"case_dept_due_idx", "case_due_overdue_idx"},  # few cases overdue anywhere: either fits
    "my_steps": {"casestep_open_idx"},
}


@pytest.mark.parametrize("queue", sorted(DEPARTMENT_QUEUES))
@pytest.mark.parametrize("role", ["clerk", "reviewer"])
def test_department_queues_use_the_partial_queue_indexes(county: SimpleNamespace, queue: str, role: str) -> None:
    me = staff(getattr(county, role))
    plans = plans_of(page(selectors.case_queue_for_staff(staff=me, queue=queue)))
    check(plans)
    assert plans.indexes() & DEPARTMENT_QUEUES[queue], f"{queue}: none of {DEPARTMENT_QUEUES[queue]}:\n{plans}"


PLATFORM_QUEUES = {
    "to_accept": {"case_open_status_due_idx"},
    "supplemented": {"case_open_status_due_idx"},
    "in_special_procedure": {"case_open_status_due_idx"},
    "due_soon": {"case_due_overdue_idx"},
    "overdue": {"case_due_overdue_idx"},
}


@pytest.mark.parametrize("queue", sorted(PLATFORM_QUEUES))
def test_platform_wide_queues_use_the_open_case_indexes(county: SimpleNamespace, queue: str) -> None:
    me = staff(county.platform_admin)
    assert me.scope.platform_wide
    plans = plans_of(page(selectors.case_queue_for_staff(staff=me, queue=queue)))
    check(plans)
    assert plans.indexes() & PLATFORM_QUEUES[queue], f"{queue}: none of {PLATFORM_QUEUES[queue]}:\n{plans}"


@pytest.mark.parametrize("who", ["clerk", "reviewer", "platform_admin"])
def test_the_queue_tabs_count_through_indexes(county: SimpleNamespace, who: str) -> None:
    me = staff(getattr(county, who))
    plans = plans_of(lambda: selectors.case_queue_counts_for_staff(staff=me))
    assert sum('FROM "cases_case"' in plan.sql for plan in plans) == len(selectors.QUEUES)
    check(plans)


def test_the_overdue_sweep_finds_running_clocks_by_the_due_index(county: SimpleNamespace) -> None:
    first = Case.objects.filter(clock_due__isnull=False, overdue_at__isnull=True).order_by("clock_due").first()
    assert first is not None and first.clock_due is not None
    plans = plans_of(lambda: case_overdue_mark_all(today=first.clock_due + timedelta(days=1)))  # marks a few
    sweep = plans[:1]  # the sweep's query; then each case by its key
    check(sweep)
    assert sweep.indexes() & {"case_due_overdue_idx", "case_open_status_due_idx"}, sweep
    check(plans)


# ------------------------------------------------------------------ one case


def test_a_case_by_its_number_uses_the_unique_index(county: SimpleNamespace) -> None:
    case = Case.objects.order_by("-pk").first()
    assert case is not None
    unique = index_names("cases_case", ["case_number"])  # the unique index, or its LIKE companion
    assert len(unique) == 2, unique
    plans = plans_of(lambda: selectors.case_id_by_number(case_number=case.case_number))
    check(plans)
    assert plans.indexes() & unique, plans
    plans = plans_of(lambda: selectors.case_progress_lookup(case_number=case.case_number,
                                                            applicant_name=case.applicant_name))
    check(plans)
    assert plans.indexes() & unique, plans


def test_the_applicant_case_page_reads_one_case_by_its_keys(county: SimpleNamespace) -> None:
    case = Case.objects.filter(organization__isnull=True, status=CaseStatus.DELIVERED).order_by("-pk").first()
    assert case is not None
    user = get_user_model().objects.get(pk=case.applicant_user_id)
    plans = plans_of(lambda: selectors.case_detail_for_applicant(user=user, case_id=case.pk))
    check(plans, "cases_case_pkey")
    assert index_names("cases_caseevent", ["case_id"]) & plans.indexes(), "the timeline by its case"


# ------------------------------------------------------------------ staff search (办件查询)


def _search(county: SimpleNamespace, who: str, **criteria: Any) -> Plans:
    me = staff(getattr(county, who))
    return plans_of(page(selectors.case_search_for_staff(staff=me, **criteria)))


def test_search_by_number_prefix_uses_the_pattern_index(county: SimpleNamespace) -> None:
    number = Case.objects.filter(department=county.gongan).order_by("-pk").values_list("case_number", flat=True)[0]
    pattern = index_names("cases_case", ["case_number"], unique=False)
    assert pattern, "Django's varchar_pattern_ops index for LIKE 'prefix%'"
    for who in ("clerk", "platform_admin"):
        plans = _search(county, who, case_number=number[:39])
        check(plans)
        assert plans.indexes() & (pattern | index_names("cases_case", ["case_number"])), plans


def test_search_by_applicant_uses_the_blind_indexes(county: SimpleNamespace) -> None:
    case = Case.objects.filter(department=county.gongan).exclude(applicant_id_index="").order_by("-pk").first()
    assert case is not None
    for who in ("clerk", "platform_admin"):
        plans = _search(county, who, applicant_name=case.applicant_name)
        check(plans)
        assert plans.indexes() & (index_names("cases_case", ["applicant_name_index"])
                                  | {"case_dept_submitted_idx"}), plans
        plans = _search(county, who, applicant_id_number=case.applicant_id_number)
        check(plans)
        assert plans.indexes() & (index_names("cases_case", ["applicant_id_index"])
                                  | {"case_dept_submitted_idx"}), plans


def test_search_by_item_code_and_dates_use_indexes(county: SimpleNamespace) -> None:
    today = clock.today()
    code = Case.objects.filter(department=county.gongan).values_list("item_code", flat=True)[0]
    check(_search(county, "clerk", item=code), "case_dept_submitted_idx")
    check(_search(county, "platform_admin", item=code), "case_item_idx")
    since = {"submitted_from": today - timedelta(days=30), "submitted_to": today}
    check(_search(county, "clerk", **since), "case_dept_submitted_idx")
    check(_search(county, "platform_admin", **since), "case_submitted_idx")
    check(_search(county, "platform_admin", status=CaseStatus.SUBMITTED), "case_open_status_due_idx")
