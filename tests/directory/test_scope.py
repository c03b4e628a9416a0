"""StaffScope: platform-wide for platform roles at the province, otherwise the department's region subtree."""

from __future__ import annotations

import pytest

from tests.factories import DepartmentFactory, make_staff
from tongban.directory.models import StaffRole
from tongban.directory.selectors import StaffScope, staff_context_for_user

pytestmark = pytest.mark.django_db


def _context(region, *roles, category="zwfw"):
    context = staff_context_for_user(make_staff(DepartmentFactory(region=region, category=category), *roles))
    assert context is not None
    return context


@pytest.mark.parametrize("role", [StaffRole.PLATFORM_ADMIN, StaffRole.PLATFORM_CATALOG_ADMIN,
                                  StaffRole.SECURITY_ADMIN, StaffRole.SYSTEM_ADMIN, StaffRole.AUDIT_ADMIN])
def test_platform_roles_at_the_province_are_platform_wide(regions, role):
    context = _context(regions["province"], role)
    assert context.scope.platform_wide and context.at_province
    assert context.scope.covers_region("110101") and context.scope.covers_department(-1)


def test_a_platform_role_away_from_the_province_gives_no_platform_scope(regions):
    context = _context(regions["kunming"], StaffRole.PLATFORM_CATALOG_ADMIN, StaffRole.PLATFORM_ADMIN)
    assert not context.scope.platform_wide
    assert not context.is_platform_catalog_admin and not context.is_platform_admin and not context.can_manage_roles


def test_other_staff_see_their_region_subtree_and_their_department(regions):
    province = _context(regions["province"], StaffRole.REALNAME_REVIEWER)
    kunming = _context(regions["kunming"], StaffRole.REALNAME_REVIEWER)
    county = _context(regions["county"], StaffRole.DEPARTMENT_CATALOG_ADMIN, category="gongan")
    assert (province.scope.region_prefix, kunming.scope.region_prefix, county.scope.region_prefix) == \
        ("53", "5301", "530126")
    assert not province.scope.platform_wide and province.scope.covers_region("530300")
    assert not province.scope.covers_region("110101"), "outside the province: not a province reviewer's region"
    assert kunming.scope.covers_region("530126") and kunming.scope.covers_region("530100000000")
    assert not kunming.scope.covers_region("530300") and not kunming.scope.covers_region("")
    assert county.scope.covers_region("530126") and not county.scope.covers_region("530100")
    assert county.scope.covers_department(county.department_id) and not county.scope.covers_department(-1)


def test_filters_follow_the_scope():
    everywhere = StaffScope(department_id=1, region_prefix="", platform_wide=True)
    county = StaffScope(department_id=7, region_prefix="530126")
    assert not everywhere.region_filter("region_code") and not everywhere.department_filter("department_id")
    assert county.region_filter("region_code").children == [("region_code__startswith", "530126")]
    assert county.department_filter("department_id").children == [("department_id", 7)]


def test_inactive_staff_or_disabled_accounts_have_no_context(regions):
    department = DepartmentFactory(region=regions["province"])
    user = make_staff(department, StaffRole.PLATFORM_ADMIN)
    user.staff.is_active = False
    user.staff.save()
    assert staff_context_for_user(user) is None
    other = make_staff(department, StaffRole.PLATFORM_ADMIN)
    other.is_active = False
    other.save()
    assert staff_context_for_user(other) is None
