"""Application forms in a real browser: a department catalogue administrator edits the form of its own
implementation with the live preview, saves it into the draft and publishes it as a new version; the same
editor works without JavaScript; the applicant's renderer hides conditional fields and narrows the region lists."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MakePage
from tests.browser.test_workbench import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def server_url(workbench_server: str) -> str:
    return workbench_server


def open_implementation(page: Page, name: str) -> None:
    """From the department's implementation list (any page) to the implementation named ``name``."""
    page.goto("/workbench/implementations/")
    while True:
        link = page.locator("main table tbody").get_by_role("link", name=name, exact=True)
        if link.count():
            link.first.click()
            break
        page.get_by_role("link", name=re.compile("下一页")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def open_draft_form(page: Page, name: str) -> None:
    open_implementation(page, name)
    page.get_by_role("button", name="调整（新建版本草稿）").click()
    page.get_by_role("link", name="申请表单").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}申请表")


def test_department_admin_edits_its_form_with_live_preview_and_publishes_a_new_version(new_page: MakePage) -> None:
    page = new_page()
    log_in(page, "demo_sl_gongan")
    open_draft_form(page, "出生登记")
    expect(page.locator("main")).to_contain_text("草稿 v2 使用基本目录默认表单")
    page.get_by_role("button", name="以默认表单为基础自定义本地表单").click()

    preview = page.locator("#fe-preview")
    expect(preview).to_contain_text("表单定义检查通过")
    page.locator('input[name="f-0-label"]').fill("宝宝姓名")
    expect(preview.locator("label[for=preview-child_name]")).to_contain_text("宝宝姓名")  # refreshed by the endpoint

    # the preview is the applicant's renderer: conditional fields follow the answers, regions narrow step by step
    preview.get_by_label("否", exact=True).check()
    expect(preview.locator('[data-name="marriage_file"]')).to_be_hidden()
    expect(preview.locator('[data-name="unmarried_note_file"]')).to_be_visible()
    birth_place = preview.locator('[data-name="birth_place"]')
    birth_place.locator("select.tbf-region-prefecture").select_option(label="昆明市")
    expect(birth_place.locator("select[data-region-main] option", has_text="石林彝族自治县")).to_have_count(1)
    expect(birth_place.locator("select[data-region-main] option", has_text="麒麟区")).to_have_count(0)

    # a mistake is reported as a rule before saving
    page.locator('input[name="f-1-name"]').fill("child_name")
    expect(preview).to_contain_text("F01 字段名称唯一且规范")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("main")).to_contain_text("申请表单有1处问题")
    page.locator('input[name="f-1-name"]').fill("child_sex")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_have_text("申请表单已保存到草稿，发布后生效。")

    page.get_by_role("link", name="返回").click()
    page.get_by_role("link", name="发布", exact=True).click()
    page.get_by_label("调整说明").fill("本地申请表单（浏览器测试）")
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_role("status")).to_have_text("已发布。")
    page.get_by_role("link", name="申请表单").click()
    rows = page.locator("main table tbody tr")
    expect(rows.nth(0)).to_contain_text("v2")
    expect(rows.nth(0)).to_contain_text("本地表单（20个字段）")
    expect(rows.nth(1)).to_contain_text("使用默认表单")
    page.get_by_role("link", name="v1", exact=True).click()
    expect(page.locator("main")).to_contain_text("正在查看 v1 的申请表单（只读）")
    expect(page.locator("main")).to_contain_text("新生儿姓名")


def test_the_editor_works_without_javascript(new_page: MakePage) -> None:
    page = new_page(javascript=False)
    log_in(page, "demo_sl_gongan")
    open_draft_form(page, "户口迁移")
    page.get_by_role("button", name="以默认表单为基础自定义本地表单").click()
    page.get_by_role("button", name="添加字段").click()
    last = page.locator("fieldset.fe-field").last
    last.get_by_label("标签（申请人看到的名称）").fill("现居住地派出所")
    last.get_by_label("名称（英文小写，数据中使用）").fill("police_station")
    last.get_by_role("button", name="上移").click()
    moved = page.locator("fieldset.fe-field").nth(-2)
    expect(moved.get_by_label("名称（英文小写，数据中使用）")).to_have_value("police_station")
    page.get_by_role("button", name="预览", exact=True).click()
    expect(page.locator("#fe-preview")).to_contain_text("现居住地派出所")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("status")).to_have_text("申请表单已保存到草稿，发布后生效。")
    expect(page.locator('input[name="f-12-name"]')).to_have_value("police_station")


def test_another_departments_form_is_not_found(new_page: MakePage) -> None:
    page = new_page()
    log_in(page, "demo_km_scjg")
    open_implementation(page, "食品经营许可")
    own_url = page.url
    page.get_by_role("link", name="申请表单").click()
    expect(page.locator("main table tbody tr").first).to_contain_text("本地表单")
    other = new_page()
    log_in(other, "demo_sl_gongan")
    response = other.goto(own_url + "form/")
    assert response is not None and response.status == 404
