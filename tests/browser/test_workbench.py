"""The staff workbench (事项管理工作台) in a real browser. These tests change catalogue data, so they run against
their own demo server (``workbench_server``), never the one the portal tests read."""

from __future__ import annotations

import re
import time
from datetime import datetime

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, SHILIN, MakePage
from tongban.demo.loader import DEMO_TOTP_SECRETS

pytestmark = pytest.mark.browser

BIRTH_REGISTRATION = "070010001000"  # 出生登记


@pytest.fixture
def server_url(workbench_server: str) -> str:
    return workbench_server


_last_step: dict[str, int] = {}


def totp_code(username: str) -> str:
    """The demo account's next unused TOTP code (a code is accepted once: wait for a fresh step if needed)."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRETS[username])
    step = max(totp.timecode(datetime.now()), _last_step.get(username, 0) + 1)
    while step > totp.timecode(datetime.now()) + 1:  # the server accepts at most one step ahead
        time.sleep(1)
    _last_step[username] = step
    return totp.generate_otp(step)


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """The way staff arrive: the footer's 工作人员入口, the password, then the TOTP code."""
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="工作人员入口").click()
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="下一步").click()
    if password != DEMO_PASSWORD:
        return
    expect(page.get_by_role("heading", name="输入动态口令")).to_be_visible()
    page.get_by_label("动态口令").fill(totp_code(username))
    page.get_by_role("button", name="登录").click()


def open_item(page: Page, name: str) -> None:
    """Find an item in the catalogue list by name and open it."""
    page.get_by_label("名称或编码").fill(name)
    page.get_by_role("button", name="筛选").click()
    page.get_by_role("table").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def start_draft(page: Page) -> None:
    page.get_by_role("button", name="调整（新建版本草稿）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("编辑草稿 v2")


def version_rows(page: Page) -> list[list[str]]:
    table = page.locator("form", has=page.get_by_role("columnheader", name="调整说明")).locator("tbody tr")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()[1:]] for row in table.all()]


def test_platform_admin_adjusts_the_promised_limit_and_publishes_v2(new_page: MakePage) -> None:
    citizen = new_page(site=SHILIN)
    citizen.goto(f"/items/{BIRTH_REGISTRATION}/")
    promised = citizen.locator("dl.facts div", has_text="多久办好").locator("dd")
    expect(promised).to_contain_text("承诺 1个工作日")

    page = new_page()
    log_in(page, "demo_platform")
    expect(page).to_have_url(re.compile(r"/workbench/items/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("事项目录（基本目录）")
    expect(page.get_by_role("banner")).to_contain_text("张平台（演示）")
    open_item(page, "出生登记")
    expect(page.locator("main")).to_contain_text("现行版本 v1")

    start_draft(page)
    limit = page.get_by_label("承诺办结时限")
    expect(limit).to_have_value("1")
    limit.fill("5")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_have_text("草稿已保存。发布前会进行一致性校验。")
    assert version_rows(page)[0][:2] == ["v2", "草稿"]
    expect(promised).to_contain_text("承诺 1个工作日")  # a saved draft changes nothing the public sees
    citizen.reload()
    expect(promised).to_contain_text("承诺 1个工作日")

    page.get_by_role("link", name="发布", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("确认发布：出生登记")
    expect(page.locator("ul.issues")).to_have_count(0)
    page.get_by_label("调整说明").fill("承诺时限调整为5个工作日（浏览器测试）")
    page.get_by_role("button", name="确认发布").click()

    expect(page.get_by_role("status")).to_have_text("已发布。")
    expect(page.locator("main")).to_contain_text("现行版本 v2")
    rows = version_rows(page)
    assert [row[:2] for row in rows] == [["v2", "现行"], ["v1", "历史"]]
    assert rows[0][3:] == ["张平台（演示）", "承诺时限调整为5个工作日（浏览器测试）"]

    page.get_by_role("button", name="比较所选版本").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("版本比较：v1 → v2")
    changes = page.locator("table.diff tbody tr")
    expect(changes).to_have_count(1)
    expect(changes.locator("td")).to_have_text(["承诺办结时限", "1", "5"])

    citizen.reload()
    expect(promised).to_contain_text("承诺 5个工作日")
    expect(promised).to_contain_text("法定 20个工作日")


def test_publishing_a_draft_that_breaks_rule_r02_is_refused(new_page: MakePage) -> None:
    page = new_page()
    log_in(page, "demo_platform")
    open_item(page, "结婚登记")
    start_draft(page)
    page.get_by_label("网办深度").select_option(label="Ⅳ级 全程网办")
    page.get_by_label("到现场次数").fill("1")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_contain_text("草稿已保存")

    page.get_by_role("link", name="发布", exact=True).click()
    issues = page.locator("ul.issues")
    expect(issues).to_contain_text("规则R02（网办深度Ⅳ级（全程网办）时到现场次数为0）")
    expect(issues).to_contain_text("到现场次数必须为0")
    # The confirmation is not offered while a rule fails; the service refuses a forged POST too (unit tests).
    expect(page.get_by_role("button", name="确认发布")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("请先修改草稿中的问题")

    page.get_by_role("link", name="返回").click()
    expect(page.locator("main")).to_contain_text("现行版本 v1")
    assert [row[:2] for row in version_rows(page)] == [["v2", "草稿"], ["v1", "现行"]]


def _implementation_rows(page: Page) -> list[tuple[str, str, str]]:
    """(workbench URL, 实施编码, 实施主体) of each row of the implementation list."""
    rows = []
    for row in page.locator("main table tbody tr").all():
        cells = row.locator("td")
        rows.append((cells.nth(0).locator("a").get_attribute("href") or "", cells.nth(1).inner_text().strip(),
                     cells.nth(2).inner_text().strip()))
    return rows


def test_department_admin_sees_only_its_own_implementations(new_page: MakePage) -> None:
    admin = new_page()
    log_in(admin, "demo_platform")
    admin.goto("/workbench/implementations/")
    expect(admin.get_by_role("heading", level=1)).to_have_text("全部实施清单")
    others = [row for row in _implementation_rows(admin) if row[2] != "石林彝族自治县公安局"]
    assert others, "the platform admin should see other departments' implementations"

    page = new_page()
    log_in(page, "demo_sl_gongan")
    expect(page).to_have_url(re.compile(r"/workbench/implementations/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("石林彝族自治县公安局的实施清单")
    total = int(re.search(r"共 (\d+) 项", page.locator("main").inner_text()).group(1))
    own = _implementation_rows(page)
    assert 0 < len(own) <= total
    assert {row[2] for row in own} == {"石林彝族自治县公安局"}
    assert not {row[0] for row in own} & {row[0] for row in others}

    response = page.goto(own[0][0])
    assert response is not None and response.status == 200
    expect(page.locator("main")).to_contain_text(own[0][1])
    expect(page.locator("main")).to_contain_text("石林彝族自治县公安局")

    for url, code, department in others[:3]:
        response = page.goto(url)
        assert response is not None and response.status == 404, f"{department} {code} must be invisible"
        expect(page.locator("body")).not_to_contain_text(code)


def test_wrong_password_shows_the_chinese_error(page: Page) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("用户名").fill("demo_platform")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("alert")).to_have_text("账号或密码不正确。连续输错5次，账号将被锁定15分钟。")
    expect(page.get_by_label("用户名")).to_have_value("demo_platform")
    expect(page.get_by_label("密码")).to_have_value("")
    assert "/workbench/login/" in page.url
    page.goto("/workbench/items/")
    assert page.url.split("?")[0].endswith("/workbench/login/"), "not logged in, so sent back to the login page"


def test_logging_in_directly_at_the_login_page_lands_in_the_workbench(page: Page) -> None:
    page.goto("/workbench/login/")
    page.get_by_label("用户名").fill("demo_km_scjg")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="下一步").click()
    page.get_by_label("动态口令").fill(totp_code("demo_km_scjg"))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    assert re.search(r"/workbench/(items|implementations)/$", page.url), page.url
