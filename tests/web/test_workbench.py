import re

import pytest

from tests.factories import DepartmentFactory, make_staff, published_implementation, published_item
from tongban.catalog.models import Item, Theme
from tongban.core.models import AuditEvent
from tongban.directory.models import StaffRole
from tongban.search.models import Synonym
from tongban.search.selectors import search_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(regions, client):
    platform = make_staff(DepartmentFactory(region=regions["province"], category="zwfw"),
                          StaffRole.PLATFORM_CATALOG_ADMIN)
    county_police = DepartmentFactory(region=regions["county"], category="gongan")
    county = make_staff(county_police, StaffRole.DEPARTMENT_CATALOG_ADMIN)
    return {"platform": platform, "county": county, "police": county_police}


def test_staff_login_needs_totp_and_enrols_on_first_sign_in(client, staff):
    import pyotp

    response = client.post("/workbench/login/", {"username": staff["platform"].username,
                                                  "password": "Secret#2026pass"})
    assert response["Location"] == "/workbench/login/otp/"
    assert "_auth_user_id" not in client.session, "no session before the second factor"
    page = client.get("/workbench/login/otp/").content.decode()
    assert "绑定动态口令" in page and "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/workbench/login/otp/", {"code": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    response = client.post("/workbench/login/otp/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/workbench/"
    assert client.get("/workbench/items/").status_code == 200
    # The same code cannot be used twice (replay), even by a new sign-in.
    client.post("/workbench/logout/")
    client.post("/workbench/login/", {"username": staff["platform"].username, "password": "Secret#2026pass"})
    replay = client.post("/workbench/login/otp/", {"code": pyotp.TOTP(secret).now()})
    assert replay.status_code == 200 and "动态口令不正确" in replay.content.decode()


def test_citizen_accounts_cannot_use_the_staff_login(client, django_user_model):
    django_user_model.objects.create_user(username="citizen_x", password="Secret#2026pass")
    page = client.post("/workbench/login/", {"username": "citizen_x", "password": "Secret#2026pass"})
    assert "账号或密码不正确" in page.content.decode()


def test_three_separated_administrators_are_never_combined(staff):
    from tongban.core.audit import SYSTEM
    from tongban.core.errors import ValidationFailed
    from tongban.directory.services import staff_role_grant

    staff_id = staff["platform"].staff.pk
    staff_role_grant(actor=SYSTEM, staff_id=staff_id, role="system_admin")
    with pytest.raises(ValidationFailed) as caught:
        staff_role_grant(actor=SYSTEM, staff_id=staff_id, role="audit_admin")
    assert caught.value.code == "separation_of_duties"


def test_platform_admin_classifies_and_weights_an_item(client, staff):
    Theme.objects.create(code="huji", name="户籍证件", audience="person")
    item = published_item()
    client.force_login(staff["platform"])
    response = client.post(f"/workbench/items/{item.pk}/classify/", {"themes": ["huji"], "weight": "88"})
    assert response.status_code == 302
    item = Item.objects.get(pk=item.pk)
    assert item.weight == 88 and [t.code for t in item.themes.all()] == ["huji"]
    assert client.post(f"/workbench/items/{item.pk}/classify/", {"weight": "101"}).status_code == 200


def test_county_admin_cannot_classify(client, staff):
    item = published_item()
    client.force_login(staff["county"])
    client.post(f"/workbench/items/{item.pk}/classify/", {"weight": "99"}, follow=True)
    assert Item.objects.get(pk=item.pk).weight == 0
    assert AuditEvent.objects.filter(action="catalog.item.classify", outcome="denied").exists()


def test_synonym_table_is_maintained_and_used_by_search(client, staff):
    published_implementation(published_item(name="出生登记"), staff["police"])
    assert search_items(query="给娃落户").total == 0
    client.force_login(staff["platform"])
    response = client.post("/workbench/synonyms/", {"term": "给娃落户", "canonical": "出生登记", "is_active": "on"})
    assert response.status_code == 302
    assert [h.name for h in search_items(query="给娃落户").hits][:1] == ["出生登记"]
    page = client.get("/workbench/synonyms/?q=给娃").content.decode()
    assert "给娃落户" in page


def test_department_admin_cannot_change_synonyms(client, staff):
    client.force_login(staff["county"])
    page = client.get("/workbench/synonyms/").content.decode()
    assert "保存同义词" not in page
    client.post("/workbench/synonyms/", {"term": "x落户", "canonical": "出生登记"})
    assert not Synonym.objects.filter(term="x落户").exists()
    assert AuditEvent.objects.filter(action="search.synonym.save", outcome="denied").exists()


def test_citizen_account_is_not_let_into_the_workbench(client, django_user_model):
    user = django_user_model.objects.create_user(username="citizen", password="Secret#2026pass")
    client.force_login(user)
    assert client.get("/workbench/items/").status_code == 404


def test_department_admin_sees_own_implementations_only(client, staff, regions):
    item = published_item()
    own = published_implementation(item, staff["police"])
    other = published_implementation(item, DepartmentFactory(region=regions["county"], category="minzheng"))
    client.force_login(staff["county"])
    listing = client.get("/workbench/implementations/").content.decode()
    assert own.code in listing and other.code not in listing
    assert client.get(f"/workbench/implementations/{other.pk}/").status_code == 404


def test_suspend_needs_a_reason_and_then_hides_the_item(client, staff):
    item = published_item()
    client.force_login(staff["platform"])
    page = client.post(f"/workbench/items/{item.pk}/suspend/", {"reason": ""}).content.decode()
    assert "请填写原因" in page and Item.objects.get(pk=item.pk).status == "published"
    response = client.post(f"/workbench/items/{item.pk}/suspend/", {"reason": "法规修订"})
    assert response.status_code == 302 and Item.objects.get(pk=item.pk).status == "suspended"
    assert client.get(f"/items/{item.basic_code}/").status_code == 404
