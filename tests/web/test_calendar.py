"""The 工作日历 workbench page: platform administrators only, every change audited, no JavaScript needed."""

from datetime import date

import pytest

from tests.factories import DepartmentFactory, make_staff
from tongban.core.calendar import deadline_add
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear
from tongban.directory.models import StaffRole

pytestmark = pytest.mark.usefixtures("holiday_calendar")
URL = "/workbench/calendar/"


@pytest.fixture
def people(regions):
    province = DepartmentFactory(region=regions["province"], category="zwfw")
    county = DepartmentFactory(region=regions["county"], category="gongan")
    return {
        "admin": make_staff(province, StaffRole.PLATFORM_ADMIN, username="cal_admin"),
        "catalog_admin": make_staff(province, StaffRole.PLATFORM_CATALOG_ADMIN, username="cal_catalog"),
        "department_admin": make_staff(county, StaffRole.DEPARTMENT_ADMIN, username="cal_dept"),
        "clerk": make_staff(county, StaffRole.WINDOW_CLERK, username="cal_clerk"),
    }


def test_the_page_lists_a_year_with_its_make_up_days(client, people):
    client.force_login(people["admin"])
    page = client.get(URL, {"year": "2025"}).content.decode()
    assert "2025年工作日历" in page and "已发布" in page
    assert "2025-01-26" in page and "2025-02-08" in page and "2025-10-11" in page
    assert "调休上班" in page and "周日" in page
    block = page.split('<div class="wb">')[1].split("</footer>")[0]
    assert "<script" not in block and block.count('method="post"') >= 3  # plain forms: no JavaScript needed


def test_an_unpublished_year_says_its_deadlines_are_provisional(client, people):
    client.force_login(people["admin"])
    page = client.get(URL, {"year": "2027"}).content.decode()
    assert "尚未发布" in page and "暂定" in page and 'value="year_publish"' in page


def test_non_administrators_are_refused_and_audited(client, people):
    for who in ("catalog_admin", "department_admin", "clerk"):
        client.force_login(people[who])
        assert client.get(URL).status_code == 403
        response = client.post(URL, {"action": "day_set", "year": "2025", "date": "2025-10-11", "kind": "holiday",
                                     "name": "国庆节", "reason": "越权"})
        assert response.status_code == 403
        assert client.post(URL, {"action": "year_unpublish", "year": "2025", "reason": "越权"}).status_code == 403
        page = client.get("/workbench/implementations/").content.decode()
        assert 'href="/workbench/calendar/"' not in page
    assert AuditEvent.objects.filter(action="core.calendar.view", outcome="denied").count() == 3
    assert AuditEvent.objects.filter(action="core.calendar.day_set", outcome="denied").count() == 3
    assert AuditEvent.objects.filter(action="core.calendar.year_unpublish", outcome="denied").count() == 3
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).kind == "workday"
    assert CalendarYear.objects.get(year=2025).published
    client.logout()
    assert client.get(URL).status_code == 302  # to the staff sign-in


def test_the_nav_links_the_page_for_platform_administrators(client, people):
    client.force_login(people["admin"])
    assert 'href="/workbench/calendar/"' in client.get("/workbench/implementations/").content.decode()


def test_an_administrator_prepares_and_publishes_2027(client, people):
    client.force_login(people["admin"])
    before = deadline_add(start=date(2026, 12, 30), working_days=3)
    assert before.provisional and before.due == date(2027, 1, 4)
    response = client.post(URL, {"action": "day_set", "year": "2027", "date": "2027-01-01", "kind": "holiday",
                                 "name": "元旦", "reason": "国办发明电〔2026〕样例"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?year=2027"
    page = client.get(response["Location"]).content.decode()
    assert "已保存 2027-01-01" in page and "元旦" in page
    response = client.post(URL, {"action": "year_publish", "year": "2027", "note": "国办发明电〔2026〕样例",
                                 "reason": "国务院办公厅已发布"})
    assert response.status_code == 302
    after = deadline_add(start=date(2026, 12, 30), working_days=3)
    assert not after.provisional and after.due == date(2027, 1, 5)
    actions = list(AuditEvent.objects.filter(actor_id=str(people["admin"].staff.pk), outcome="success")
                   .values_list("action", flat=True))
    assert actions == ["core.calendar.day_set", "core.calendar.year_publish"]


def test_an_administrator_removes_a_day(client, people):
    client.force_login(people["admin"])
    assert deadline_add(start=date(2025, 2, 7), working_days=1).due == date(2025, 2, 8)
    response = client.post(URL, {"action": "day_remove", "year": "2025", "date": "2025-02-08", "reason": "测试删除"})
    assert response.status_code == 302
    assert deadline_add(start=date(2025, 2, 7), working_days=1).due == date(2025, 2, 10)
    assert AuditEvent.objects.get(action="core.calendar.day_remove").object_id == "2025-02-08"


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "day_set", "date": "2025-03-08", "kind": "holiday", "name": "春节", "reason": ""}, "请填写变更原因"),
    ({"action": "day_set", "date": "2025-03-03", "kind": "workday", "name": "春节", "reason": "测试"},
     "调休上班日应为周六或周日"),
    ({"action": "day_set", "date": "2025-13-01", "kind": "holiday", "name": "春节", "reason": "测试"}, "日期格式"),
    ({"action": "day_remove", "date": "2025-02-08", "reason": ""}, "请填写变更原因"),
    ({"action": "year_publish", "year": "2028", "reason": "测试"}, "还没有录入任何放假日期"),
    ({"action": "explode"}, "无法识别的操作"),
])
def test_bad_input_is_reported_and_changes_nothing(client, people, data, message):
    client.force_login(people["admin"])
    response = client.post(URL, {"year": "2025", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="core.calendar.", outcome="success").exists()
    assert CalendarDay.objects.filter(date=date(2025, 2, 8), kind="workday").exists()
