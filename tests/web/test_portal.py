import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import DepartmentFactory, published_implementation, published_item
from tongban.catalog import services
from tongban.core.audit import SYSTEM

pytestmark = pytest.mark.django_db

COUNTY = "530126000000"


@pytest.fixture
def catalogue(regions):
    police = DepartmentFactory(region=regions["county"], name="石林彝族自治县公安局")
    province = DepartmentFactory(region=regions["province"], name="云南省公安厅")
    birth = published_item(name="出生登记", basic_code="070010001000")
    passport = published_item(name="普通护照签发", basic_code="010010020000", keywords=["办护照"])
    published_implementation(birth, police)
    published_implementation(passport, province)
    return {"birth": birth, "passport": passport}


def test_home_on_province_site_lists_provincial_items_only(client, catalogue):
    page = client.get("/").content.decode()
    assert "/items/010010020000/" in page and "/items/070010001000/" not in page
    assert "切换到您所在地的站点" in page


def test_site_switch_is_a_plain_form_and_is_remembered(client, catalogue):
    response = client.post("/site/", {"site": COUNTY, "next": "/"})
    assert response.status_code == 302 and response.cookies["tb_site"].value == COUNTY
    page = client.get("/").content.decode()
    assert "/items/070010001000/" in page and "石林彝族自治县站" in page


def test_unknown_site_gets_a_clear_message(client, catalogue):
    response = client.post("/site/", {"site": "999999999999"})
    assert response.status_code == 400
    assert "没有找到这个站点" in response.content.decode()


def test_open_redirect_is_refused(client, catalogue):
    response = client.post("/care/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_care_mode_toggles_and_is_remembered(client, catalogue):
    response = client.post("/care/", {"next": "/items/"})
    assert response.cookies["tb_care"].value == "1"
    assert '<html lang="zh-Hans" class="care">' in client.get("/").content.decode()
    client.post("/care/", {"next": "/"})
    assert '<html lang="zh-Hans" class="">' in client.get("/").content.decode()


def test_item_guide_shows_elements_and_local_department(client, catalogue):
    client.cookies["tb_site"] = COUNTY
    page = client.get("/items/070010001000/").content.decode()
    for text in ("出生登记", "多久办好", "出生医学证明", "石林彝族自治县公安局", "《中华人民共和国户口登记条例》第七条",
                 "需核验出生医学证明原件"):
        assert text in page


def test_guide_of_unknown_or_suspended_item_is_404(client, catalogue):
    assert client.get("/items/000000000000/").status_code == 404
    services.item_suspend(actor=SYSTEM, item=catalogue["passport"], reason="测试")
    assert client.get("/items/010010020000/").status_code == 404


def test_browse_filters_and_empty_state(client, catalogue):
    client.cookies["tb_site"] = COUNTY
    assert "出生登记" in client.get("/items/?level=4").content.decode()
    page = client.get("/items/?level=4&department=minzheng").content.decode()
    assert "没有符合条件的事项" in page


def test_search_page_empty_and_hopeless_queries_are_helpful(client, catalogue):
    assert "请输入想办的事" in client.get("/search/").content.decode()
    page = client.get("/search/?q=qqqqxxxxzzzz").content.decode()
    assert "没有找到" in page and "12345" in page


def test_search_outside_site_points_to_other_levels(client, catalogue):
    page = client.get("/search/?q=出生登记").content.decode()
    assert "这些事项在其他层级办理" in page and "出生登记" in page


def test_browse_page_query_count_does_not_grow_with_items(client, regions):
    police = DepartmentFactory(region=regions["province"])
    for n in range(3):
        published_implementation(published_item(name=f"事项{n}"), police)
    with CaptureQueriesContext(connection) as few:
        client.get("/items/")
    for n in range(3, 15):
        published_implementation(published_item(name=f"事项{n}"), police)
    with CaptureQueriesContext(connection) as many:
        client.get("/items/")
    assert len(many) == len(few), "no N+1 on the browse page"


def test_halls_of_the_site_with_windows(client, regions):
    from tongban.directory.services import WindowSpec, hall_upsert

    hall_upsert(name="石林彝族自治县政务服务中心", kind="center", region_code=COUNTY, address="鹿阜街道", hours="工作日",
                phone="0871-1", windows=[WindowSpec(number="A01", name="综合受理窗口", categories=())])
    client.cookies["tb_site"] = COUNTY
    page = client.get("/halls/").content.decode()
    assert "石林彝族自治县政务服务中心" in page and "A01 综合受理窗口" in page
    client.cookies["tb_site"] = "530300000000"
    assert "本站点暂无办事大厅信息" in client.get("/halls/").content.decode()
    body = client.get("/api/v1/halls", {"region": "530100000000"}).json()
    assert body["items"][0]["windows"][0]["is_comprehensive"] is True
