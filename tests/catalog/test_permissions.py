import pytest

from tests.factories import DepartmentFactory, make_staff, published_implementation, published_item, valid_elements
from tongban.catalog import services
from tongban.core.errors import NotPermitted
from tongban.core.models import AuditEvent
from tongban.directory.models import StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(regions):
    province_dept = DepartmentFactory(region=regions["province"], category="zwfw")
    county_police = DepartmentFactory(region=regions["county"], category="gongan")
    county_civil = DepartmentFactory(region=regions["county"], category="minzheng")
    return {
        "platform": make_staff(province_dept, StaffRole.PLATFORM_CATALOG_ADMIN),
        "county_admin": make_staff(county_police, StaffRole.DEPARTMENT_CATALOG_ADMIN),
        "county_clerk": make_staff(county_police),
        "police": county_police, "civil": county_civil, "province": province_dept,
    }


def test_platform_admin_edits_basic_items(people):
    item = published_item(actor=people["platform"])
    assert item.status == "published"


def test_county_admin_cannot_edit_a_basic_item(people):
    item = published_item()
    with pytest.raises(NotPermitted):
        services.item_draft_start(actor=people["county_admin"], item=item)
    with pytest.raises(NotPermitted):
        services.item_create(actor=people["county_admin"], basic_code="070019999000", department_category="gongan",
                             elements=valid_elements())
    denied = AuditEvent.objects.filter(outcome="denied", action="catalog.item.draft")
    assert denied.count() == 1, "a refused attempt stays in the audit log"


def test_county_admin_edits_own_department_implementation_only(people):
    item = published_item()
    own = published_implementation(item, people["police"], actor=people["county_admin"])
    assert own.status == "published"
    others = published_implementation(item, people["civil"])
    with pytest.raises(NotPermitted):
        services.implementation_draft_start(actor=people["county_admin"], implementation=others)
    provincial = published_implementation(item, DepartmentFactory(region=people["province"].region,
                                                                  category="gongan"))
    with pytest.raises(NotPermitted):
        services.implementation_suspend(actor=people["county_admin"], implementation=provincial, reason="x")


def test_staff_without_catalog_role_cannot_edit_anything(people):
    item = published_item()
    impl = published_implementation(item, people["police"])
    with pytest.raises(NotPermitted):
        services.implementation_draft_start(actor=people["county_clerk"], implementation=impl)


def test_anonymous_and_citizen_accounts_cannot_edit(people, django_user_model):
    item = published_item()
    citizen = django_user_model.objects.create_user(username="citizen", password="Secret#2026pass")
    with pytest.raises(NotPermitted):
        services.item_suspend(actor=citizen, item=item, reason="x")
