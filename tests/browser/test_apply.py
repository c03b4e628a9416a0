"""Online application in a real browser, on the demo data (its own server: the tests create drafts and cases).

* A citizen (13800000002 王晓明) applies for 无犯罪记录证明开具 in 石林县 with JavaScript: prefilled and locked
  identity, autosave, an upload with progress, the receipt and its PDF, the case in 我的办件.
* An agent (13800000003 阿依古丽·买买提, scopes apply + view_cases) applies for 个体工商户设立登记 for
  云南滇池示范科技有限公司 without JavaScript; the case is the organisation's.
* The same citizen applies for 出生一件事 without JavaScript: one form and one set of materials make a parent
  case with a child case per member, each visible in 我的办件.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import SHILIN, MakePage, run_demo_server
from tests.browser.test_identity import citizen_log_in

pytestmark = pytest.mark.browser
ORG_NAME = "云南滇池示范科技有限公司"
CASE_NUMBER = re.compile(r"^[0-9A-Z]{31}\d{12}$")


@pytest.fixture(scope="module")
def apply_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-apply"))


@pytest.fixture
def server_url(apply_server: str) -> str:
    return apply_server


def sample_pdf(title: str = "材料") -> dict[str, Any]:
    """A small, valid PDF as a file to choose."""
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return {"name": f"{title}.pdf", "mimeType": "application/pdf", "buffer": body}


def field(page: Page, name: str) -> Locator:
    return page.locator(f"#form-{name}-wrap")


def choose(page: Page, name: str, value: str) -> None:
    """A choice: a radio button or a drop-down, whichever the form shows."""
    radio = page.locator(f'input[type=radio][name="form-{name}"][value="{value}"]')
    if radio.count():
        radio.check()
    else:
        page.locator(f"#form-{name}").select_option(value=value)


def region(page: Page, name: str, code: str, *, address: bool = False, detail: str = "") -> None:
    """A region picker (with JavaScript: 州市 first, then 县) and, for an address, the street address."""
    wrap = field(page, name)
    prefecture = wrap.locator("select.tbf-region-prefecture")
    if prefecture.count():
        prefecture.select_option(label="昆明市")
    wrap.locator("select[data-region-main]").select_option(value=code)
    if address:
        page.locator(f"#form-{name}-detail").fill(detail or "鹿阜街道石林大道1号")


def upload_required(page: Page) -> int:
    """Choose a PDF for every required material (they go up with the next button pressed)."""
    blocks = page.locator("#materials .material").filter(has=page.locator(".tag.req"))
    for index in range(blocks.count()):
        block = blocks.nth(index)
        name = block.locator("h3").inner_text().split()[0]
        block.locator("input[type=file]").set_input_files(sample_pdf(name[:20]))
    return int(blocks.count())


def receipt_number(page: Page) -> str:
    expect(page.get_by_role("heading", name="申请回执")).to_be_visible()
    number = page.locator("[data-case-number]").inner_text().strip()
    return number


def test_a_citizen_applies_online_with_an_upload_and_gets_the_receipt(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    citizen_log_in(page, "13800000002")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    page.goto("/items/200010006000/")
    page.get_by_role("link", name="在线办理").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("无犯罪记录证明开具")
    expect(page.get_by_label(re.compile("本人"))).to_be_checked()
    page.get_by_role("button", name="开始填写").click()

    expect(page.get_by_role("heading", name="申请表")).to_be_visible()
    name = page.locator("#form-applicant_name")
    expect(name).to_have_value("王晓明")
    expect(name).to_have_attribute("readonly", "")
    expect(field(page, "applicant_name")).to_contain_text("已核验，不可修改")
    choose(page, "purpose", "job")
    page.locator("#form-receiving_unit").fill("昆明市示范科技有限公司")
    choose(page, "by_agent", "no")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=15_000)

    # the upload goes at once, with progress; the page comes back with the file listed
    page.locator("#materials .material").first.locator("input[type=file]").set_input_files(sample_pdf("身份证"))
    expect(page.locator("#materials")).to_contain_text("身份证.pdf", timeout=15_000)
    expect(page.locator("#form-receiving_unit")).to_have_value("昆明市示范科技有限公司")  # saved, not lost

    page.get_by_role("button", name="提交申请").click()
    number = receipt_number(page)
    assert CASE_NUMBER.fullmatch(number), number
    receipt = page.locator("main")
    for text in ("无犯罪记录证明开具", "石林彝族自治县公安局", "受理期限", "居民身份证"):
        expect(receipt).to_contain_text(text)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载回执（PDF）").click()
    saved = download.value.path()
    assert saved is not None and Path(saved).read_bytes().startswith(b"%PDF-")

    page.locator("main").get_by_role("link", name="我的办件").click()
    expect(page.locator("main")).to_contain_text(number)
    page.get_by_role("link", name=re.compile("无犯罪记录证明开具")).first.click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.locator("main")).to_contain_text("您提交了申请")


def test_an_enterprise_agent_applies_for_the_enterprise_without_javascript(new_page: MakePage) -> None:
    page = new_page(site=SHILIN, javascript=False)
    citizen_log_in(page, "13800000003")
    page.goto("/items/010050604000/")
    page.get_by_role("link", name="在线办理").click()
    expect(page.get_by_role("radio", name=re.compile("本人"))).to_have_count(0)
    page.get_by_role("radio", name=re.compile(ORG_NAME)).check()
    page.get_by_role("button", name="开始填写").click()
    expect(page).to_have_url(re.compile(r"/apply/drafts/\d+/\?org=\d+$"))

    expect(page.locator("#form-operator_name")).to_have_value("阿依古丽·买买提")
    choose(page, "organization_form", "individual")
    page.locator('input[name="form-business_scope"][value="retail"]').check()
    region(page, "premises", SHILIN, address=True)
    page.locator("#form-capital").fill("50000")
    page.locator("#form-staff_count").fill("3")
    page.locator("#form-business_name").fill("石林示范便民超市")
    assert upload_required(page) == 3
    page.get_by_role("button", name="提交申请").click()
    number = receipt_number(page)
    assert CASE_NUMBER.fullmatch(number), number
    expect(page.locator("main")).to_contain_text("个体工商户设立登记")

    page.locator("main").get_by_role("link", name="我的办件").click()
    expect(page.locator("main")).to_contain_text(number)
    expect(page.get_by_role("heading", level=1)).to_contain_text(ORG_NAME)
    page.get_by_role("navigation", name="切换办事身份").get_by_role("link", name="本人").click()
    expect(page.locator("main")).not_to_contain_text(number)  # the organisation's case, not the agent's own


def test_a_bundle_makes_a_parent_and_a_child_case_per_member_each_in_my_cases(new_page: MakePage) -> None:
    page = new_page(site=SHILIN, javascript=False)
    citizen_log_in(page, "13800000002")
    page.goto("/bundles/birth/")
    page.get_by_role("link", name="一表申请").click()
    page.get_by_role("button", name="开始填写").click()
    members = page.locator(".members li")
    expect(members).to_have_count(5)

    born = (date.today() - timedelta(days=10)).isoformat()
    page.locator("#form-child_name").fill("王小宝")
    choose(page, "child_sex", "male")
    page.locator("#form-child_birth_date").fill(born)
    page.locator("#form-mother_name").fill("阿依古丽·买买提")
    page.locator("#form-mother_id_number").fill("530126199203158822")
    page.locator("#form-father_name").fill("王晓明")
    choose(page, "applicant_relation", "father")
    page.locator("#form-hospital").fill("石林彝族自治县人民医院")
    page.locator("#form-birth_certificate_no").fill("Q530012345")
    region(page, "birth_place", SHILIN)
    choose(page, "parents_married", "yes")
    page.locator("#form-household_head").fill("王晓明")
    region(page, "household_address", SHILIN, address=True)
    choose(page, "insured_is_applicant", "yes")
    choose(page, "insured_category", "newborn")
    region(page, "residence", SHILIN, address=True)
    choose(page, "card_action", "new")
    choose(page, "delivery", "window")
    page.locator("#form-vaccination_site").fill("鹿阜街道社区卫生服务中心")
    assert upload_required(page) >= 5
    page.get_by_role("button", name="提交申请").click()

    expect(page.get_by_role("heading", name="申请回执")).to_be_visible()
    parent_number = page.locator("[data-case-number]").inner_text().strip()
    assert parent_number.startswith("YJS-birth-")
    children = [n.strip() for n in page.locator(".children .meta").all_inner_texts() if "·" in n]
    child_numbers = [n.split("·")[0].strip() for n in children]
    assert len(child_numbers) == 5 and all(CASE_NUMBER.fullmatch(n) for n in child_numbers), child_numbers

    page.locator("main").get_by_role("link", name="我的办件").click()
    listed = page.locator("main")
    expect(listed).to_contain_text(parent_number)
    for number in child_numbers:
        expect(listed).to_contain_text(number)
    page.get_by_role("link", name=re.compile("出生一件事")).first.click()
    expect(page.get_by_role("heading", name=re.compile("包含的办件"))).to_be_visible()
    page.locator(".case-detail .children a").first.click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
