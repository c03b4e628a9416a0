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


def test_implementations_outside_the_department_answer_404_and_are_audited(client, staff, regions):
    item = published_item()
    other = published_implementation(item, DepartmentFactory(region=regions["county"], category="minzheng"))
    client.force_login(staff["county"])
    for url in (f"/workbench/implementations/{other.pk}/", f"/workbench/implementations/{other.pk}/suspend/",
                "/workbench/implementations/999999/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/workbench/implementations/{other.pk}/draft/").status_code == 404
    denied = AuditEvent.objects.filter(action="catalog.implementation.open", outcome="denied")
    assert denied.count() == 4 and denied.filter(object_id=str(other.pk)).count() == 3
    client.force_login(staff["platform"])
    assert client.get(f"/workbench/implementations/{other.pk}/").status_code == 200


# ------------------------------------------------------------------ role management (角色管理)


@pytest.fixture
def admins(regions, staff):
    platform_dept = staff["platform"].staff.department
    civil = DepartmentFactory(region=regions["county"], category="minzheng")
    return {
        "platform": make_staff(platform_dept, StaffRole.PLATFORM_ADMIN, username="pa_admin"),
        "police_admin": make_staff(staff["police"], StaffRole.DEPARTMENT_ADMIN, username="police_admin"),
        "police_clerk": make_staff(staff["police"], StaffRole.WINDOW_CLERK, StaffRole.REVIEWER,
                                   username="police_clerk"),
        "civil_clerk": make_staff(civil, StaffRole.WINDOW_CLERK, username="civil_clerk"),
    }


def test_role_management_link_only_for_administrators(client, staff, admins):
    for user, visible in ((admins["platform"], True), (admins["police_admin"], True), (staff["platform"], False),
                          (admins["police_clerk"], False)):
        client.force_login(user)
        page = client.get("/workbench/implementations/").content.decode()
        assert ('href="/workbench/staff/"' in page) is visible
    assert client.get("/workbench/staff/").status_code == 403
    assert client.get(f"/workbench/staff/{admins['civil_clerk'].staff.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="directory.staff.list", outcome="denied").count() == 1
    assert AuditEvent.objects.filter(action="directory.staff.view", outcome="denied").count() == 1


def test_staff_list_is_scoped_filtered_and_paginated(client, staff, admins):
    client.force_login(admins["platform"])
    page = client.get("/workbench/staff/").content.decode()
    assert "共 6 名工作人员" in page and "civil_clerk" in page and "police_clerk" in page
    by_role = client.get("/workbench/staff/", {"role": StaffRole.REVIEWER}).content.decode()
    assert "police_clerk" in by_role and "civil_clerk" not in by_role
    by_name = client.get("/workbench/staff/", {"q": "civil"}).content.decode()
    assert "civil_clerk" in by_name and "police_clerk" not in by_name
    by_department = client.get("/workbench/staff/", {"department": staff["police"].pk}).content.decode()
    assert "共 3 名工作人员" in by_department and "civil_clerk" not in by_department
    empty = client.get("/workbench/staff/", {"q": "<script>nobody"}).content.decode()
    assert "没有符合条件的工作人员" in empty and "<script>nobody" not in empty

    client.force_login(admins["police_admin"])
    page = client.get("/workbench/staff/").content.decode()
    assert "共 3 名工作人员" in page and "civil_clerk" not in page
    # A department id outside the scope is ignored, not trusted.
    other = client.get("/workbench/staff/", {"department": admins["civil_clerk"].staff.department_id})
    assert "civil_clerk" not in other.content.decode()


def test_staff_list_query_count_does_not_grow_with_the_page(client, staff, admins, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admins["platform"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/workbench/staff/").status_code == 200
        return len(queries)

    count()  # the first request of a session writes the session once
    few = count()
    for n in range(24):
        make_staff(staff["police"], StaffRole.WINDOW_CLERK, StaffRole.APPROVER, username=f"bulk{n:02d}")
    assert count() == few, "one query for the page and one for its roles, however many rows"
    with django_assert_max_num_queries(15):
        client.get("/workbench/staff/", {"page": 2})


def test_revoking_asks_for_confirmation_and_records_the_reason(client, admins):
    clerk = admins["police_clerk"]
    url = f"/workbench/staff/{clerk.staff.pk}/"
    client.force_login(admins["police_admin"])
    page = client.get(url).content.decode()
    assert 'value="window_clerk"' in page and 'value="approver"' in page and 'value="realname_reviewer"' not in page
    missing_reason = client.post(url, {"roles": [StaffRole.WINDOW_CLERK]})
    assert "请填写调整角色的原因" in missing_reason.content.decode()
    confirm = client.post(url, {"roles": [StaffRole.WINDOW_CLERK, StaffRole.APPROVER], "reason": "调离审核岗位"})
    text = confirm.content.decode()
    assert "确认撤销" in text and "审核人员" in text and "同时授予：审批人员" in text
    assert set(clerk.staff.roles.values_list("role", flat=True)) == {StaffRole.WINDOW_CLERK, StaffRole.REVIEWER}
    done = client.post(url, {"roles": [StaffRole.WINDOW_CLERK, StaffRole.APPROVER], "reason": "调离审核岗位",
                             "confirm": "yes"})
    assert done.status_code == 302
    assert set(clerk.staff.roles.values_list("role", flat=True)) == {StaffRole.WINDOW_CLERK, StaffRole.APPROVER}
    revoked = AuditEvent.objects.get(action="directory.staff.role_revoke")
    granted = AuditEvent.objects.get(action="directory.staff.role_grant", outcome="success")
    assert revoked.detail == {"role": "reviewer", "reason": "调离审核岗位"} and granted.detail["role"] == "approver"
    # Granting only needs no confirmation step.
    assert client.post(url, {"roles": [StaffRole.WINDOW_CLERK, StaffRole.APPROVER, StaffRole.REVIEWER],
                             "reason": "恢复审核岗位"}).status_code == 302


def test_role_page_refuses_out_of_scope_staff_and_self(client, admins):
    client.force_login(admins["police_admin"])
    civil = admins["civil_clerk"].staff.pk
    assert client.get(f"/workbench/staff/{civil}/").status_code == 404
    assert client.post(f"/workbench/staff/{civil}/", {"roles": ["approver"], "reason": "x"}).status_code == 404
    assert client.get("/workbench/staff/999999/").status_code == 404
    assert AuditEvent.objects.filter(action="directory.staff.view", outcome="denied").count() == 3
    own = client.get(f"/workbench/staff/{admins['police_admin'].staff.pk}/").content.decode()
    assert "不能修改自己的角色" in own and 'name="roles"' not in own
    # A forged form field for a role outside the administrator's reach is refused and audited.
    clerk = admins["police_clerk"].staff.pk
    response = client.post(f"/workbench/staff/{clerk}/", {"roles": ["window_clerk", "reviewer", "platform_admin"],
                                                         "reason": "越权"})
    assert response.status_code == 200 and "platform_admin" not in set(
        admins["police_clerk"].staff.roles.values_list("role", flat=True))


def test_workbench_home_opens_the_page_of_the_main_role(client, staff, admins, regions):
    reviewer = make_staff(DepartmentFactory(region=regions["kunming"], category="zwfw"), StaffRole.REALNAME_REVIEWER)
    for user, target in ((staff["platform"], "/workbench/items/"), (staff["county"], "/workbench/implementations/"),
                         (reviewer, "/account/realname/review/"), (admins["police_admin"], "/workbench/staff/"),
                         (admins["police_clerk"], "/workbench/cases/")):  # a window clerk handles cases
        client.force_login(user)
        assert client.get("/workbench/")["Location"] == target
    client.force_login(reviewer)
    queue = client.get("/account/realname/review/").content.decode()
    assert 'href="/account/realname/review/"' in queue and 'href="/workbench/staff/"' not in queue
