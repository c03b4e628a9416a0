"""Whole case journeys in a real browser (issue 4, "done when"): apply → accept → process → decide → result, for a
natural person and for an enterprise agent, on ten seeded items with forms and on the 出生一件事 bundle.

* The applicant opens the guide, 在线办理, uploads every required material (a generated JPEG or PDF), fills what
  the form did not prefill (a generic filler reading the catalogue renderer's markup: kind, 必填, visibility,
  locked), submits, and gets the receipt with its 43-character number.
* The department's window clerk accepts the case from 待受理 (即办 items: accepts and decides at once), each step
  handler passes their step from 我的待办, the approver decides 准予 with electronic delivery and closes the case
  (办结), and the window clerk records the delivery (送达).
* The applicant finds the case in 我的办件 and sees every step on the timeline, the decision document and the result.
* The bundle: one combined form, a parent with a child per member, each child handled by its own department's
  staff, delivered together by the lead department; the applicant sees the parent's progress and every child.
* Twice, a staff member of another department looks for a waiting case: not in their queues, not found by its
  number, and its page answers 404.

One private demo server for the module; every staff member and applicant signs in once, in their own browser
context, and their page is reused across items (the TOTP code of a staff member is accepted only once).
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import PHONE, SHILIN, run_demo_server
from tests.browser.test_identity import citizen_log_in
from tests.browser.test_workbench import log_in as staff_log_in
from tongban.demo.loader import DEMO_STAFF

pytestmark = pytest.mark.browser

KUNMING = "530100000000"
BEIJING = ZoneInfo("Asia/Shanghai")
PERSON = "13800000004"  # 𠮷祥, real-name level 4
PARENT = "13800000002"  # 王晓明, level 2: applies for 出生一件事
AGENT = "13800000003"  # 阿依古丽·买买提, agent (apply + view_cases) of the demo enterprise
ORG_NAME = "云南滇池示范科技有限公司"
CASE_NUMBER = re.compile(r"^[0-9A-Z]{31}\d{12}$")  # 实施编码 (31) + yyyyMMdd + 4-digit serial
STAFF_NAMES = {username: name for username, _password, name, *_rest in DEMO_STAFF}


@dataclass(frozen=True)
class Department:
    name: str
    clerk: str  # 窗口受理人员
    examiner: str  # 审核人员
    approver: str  # 审批人员

    def handler(self, step: str) -> str:
        """The demo account holding the role of a step of the demo chain (承办 → 审核 → 审批)."""
        return {"承办": self.clerk, "审核": self.examiner, "审批": self.approver}[step]


GONGAN = Department("石林彝族自治县公安局", "demo_sl_clerk", "demo_sl_examiner", "demo_sl_approver")
WEIJIAN = Department("石林彝族自治县卫生健康局", *["demo_sl_weijian"] * 3)
YIBAO = Department("石林彝族自治县医疗保障局", *["demo_sl_yibao"] * 3)
RENSHE = Department("石林彝族自治县人力资源和社会保障局", *["demo_sl_renshe"] * 3)
KM_SCJG = Department("昆明市市场监督管理局", "demo_km_clerk", "demo_km_examiner", "demo_km_approver")


@dataclass(frozen=True)
class Item:
    code: str  # basic code
    name: str
    department: Department
    chain: tuple[str, ...]  # the processing steps after acceptance; () for 即办 (accepted and decided at once)
    enterprise: bool = False  # applied for by the agent, for the demo enterprise, on the 昆明市 site
    outsider: str = ""  # a staff member of another department who must not see the waiting case

    @property
    def site(self) -> str:
        return KUNMING if self.enterprise else SHILIN


# The seeded items with forms whose demo implementation sits in a department with demo case staff
# (tongban/demo/loader.py: processing configurations from the promised limit; 预防接种证办理 is not offered
# online on its own and is covered by the bundle below; 个体工商户设立登记 is handled only in 石林县, without staff).
ITEMS = [
    Item("070010001000", "出生登记", GONGAN, ("审核", "审批"), outsider="demo_sl_weijian"),
    Item("070010002000", "户口迁移", GONGAN, ("承办", "审核", "审批")),
    Item("200010006000", "无犯罪记录证明开具", GONGAN, ("审核", "审批")),
    Item("200100353000", "出生医学证明首次签发", WEIJIAN, ()),
    Item("200040332000", "基本医疗保险参保登记", YIBAO, ()),
    Item("200040333000", "异地就医备案", YIBAO, ()),
    Item("200030301000", "社会保障卡申领、补换、挂失", RENSHE, ()),
    Item("200030305000", "失业保险金申领", RENSHE, ("承办", "审核", "审批")),
    Item("010050608000", "食品经营许可", KM_SCJG, ("承办", "审核", "审批"), enterprise=True, outsider="demo_sl_clerk"),
    Item("010050600000", "企业设立登记", KM_SCJG, ("审核", "审批"), enterprise=True),
]
# 出生一件事: its members in order (the first one's department delivers the results together).
BIRTH_BUNDLE = [("出生医学证明首次签发", WEIJIAN, ()), ("出生登记", GONGAN, ("审核", "审批")),
                ("基本医疗保险参保登记", YIBAO, ()), ("社会保障卡申领、补换、挂失", RENSHE, ()),
                ("预防接种证办理", WEIJIAN, ())]


def beijing_today() -> str:
    """Today in Beijing: the forms' "today" (min/max of dates) and the date inside case numbers."""
    return datetime.now(BEIJING).date().isoformat()


# ------------------------------------------------------------------ the server and the people at their screens


@pytest.fixture(scope="module")
def journey_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-case-journeys"))


@pytest.fixture
def server_url(journey_server: str) -> str:
    return journey_server


class People:
    """Applicants and staff, each signed in once in their own browser context; their pages are reused."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.contexts: list[BrowserContext] = []
        self.pages: dict[str, Page] = {}

    def _page(self, *, site: str | None = None, **options: Any) -> Page:
        context = self.browser.new_context(locale="zh-CN", base_url=self.base, **options)
        context.set_default_timeout(15_000)
        if site:
            context.add_cookies([{"name": "tb_site", "value": site, "url": self.base}])
        self.contexts.append(context)
        return context.new_page()

    def applicant(self, phone: str, site: str) -> Page:
        if phone not in self.pages:
            page = self._page(site=site, viewport=PHONE)
            citizen_log_in(page, phone)
            expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
            self.pages[phone] = page
        return self.pages[phone]

    def staff(self, username: str) -> Page:
        if username not in self.pages:
            page = self._page(viewport={"width": 1280, "height": 900})
            staff_log_in(page, username)
            expect(page.get_by_role("banner")).to_contain_text(STAFF_NAMES[username])
            self.pages[username] = page
        return self.pages[username]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def people(browser: Browser, journey_server: str) -> Iterator[People]:
    crowd = People(browser, journey_server)
    yield crowd
    crowd.close()


# ------------------------------------------------------------------ the applicant: guide, form, materials, receipt


def sample_pdf(title: str) -> dict[str, Any]:
    marker = uuid.uuid4().hex.encode()
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
            b"trailer<</Root 1 0 R/ID[<" + marker + b"><" + marker + b">]>>\n%%EOF\n")
    return {"name": f"{title}.pdf", "mimeType": "application/pdf", "buffer": body}


def sample_jpeg(title: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (uuid.uuid4().int % 256, 120, 200)).save(buffer, "JPEG")
    return {"name": f"{title}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def upload_required_materials(page: Page) -> int:
    """Upload a file for every required material not yet supplied (with JavaScript each goes up at once and the
    page comes back with it listed): the first a JPEG, the others PDFs."""
    expect(page.locator("#materials .material").first).to_be_visible()  # the section is there before counting
    done = 0
    while True:
        missing = page.locator("#materials .material").filter(has=page.locator(".tag.req")).filter(
            has_not=page.locator(".tag.ok"))
        if not missing.count():
            return done
        block = missing.first
        block_id = block.get_attribute("id")
        title = f"材料{done + 1}"
        block.locator("input[type=file]").set_input_files(sample_jpeg(title) if done == 0 else sample_pdf(title))
        expect(page.locator(f"#{block_id} .tag.ok")).to_be_visible()
        page.wait_for_load_state()
        done += 1


# What the generic filler types, by field name where a plain value reads better, else by kind.
VALUES = {
    "child_name": "李小满", "mother_name": "李华", "father_name": "王晓明", "household_head": "王晓明",
    "birth_certificate_no": "Q530123456", "hospital": "石林彝族自治县人民医院",
    "vaccination_site": "鹿阜街道社区卫生服务中心", "receiving_unit": "昆明示范科技有限公司",
    "last_employer": "昆明示范制造有限公司", "destination": "四川省成都市", "safety_manager": "李安全",
    "company_name": "云南滇池示范餐饮管理有限公司", "legal_rep_name": "王晓明",
    "legal_rep_id_number": "530102198805051234", "business_scope": "餐饮管理；食品销售", "name": "张示范",
    "health_certificate": "JK2026001", "online_platforms": "示范外卖平台",
}
BY_KIND = {"text": "示例内容", "textarea": "示例内容", "number": "10", "id_number": "530102198507152344",
           "credit_code": "91530102MA6N7Q8R2M", "phone": "13912345678", "email": "demo@example.com"}

# The fields of the rendered form (catalog/forms/_field.html): id, name, kind, and whether the applicant still has
# to fill it — required (in a repeating row: and the rows are required), shown (conditions), not locked, empty.
FIELDS_JS = """() => Array.from(document.querySelectorAll("#form .tbf-field")).map((w) => {
  const required = (el) => !!el.querySelector(":scope > .tbf-label .tbf-req, :scope > fieldset > legend .tbf-req");
  const row = w.parentElement.closest(".tbf-row");
  const rows = row ? row.closest(".tbf-field") : null;
  const kind = w.classList[1].slice(4);
  const own = Array.from(w.querySelectorAll("input, select, textarea")).filter((i) => i.closest(".tbf-field") === w);
  const main = w.querySelector("[data-region-main]");
  const detail = w.querySelector("input[id$='-detail']");
  let filled;
  if (kind === "region") filled = !!main.value;
  else if (kind === "address") filled = !!main.value && !!detail.value;
  else if (own.some((i) => i.type === "radio" || i.type === "checkbox")) filled = own.some((i) => i.checked);
  else filled = own.some((i) => i.type !== "hidden" && i.value);
  return {id: w.id, name: w.dataset.name, kind: kind,
          todo: required(w) && (!rows || required(rows)) && w.checkVisibility() && !w.classList.contains("is-locked")
                && !filled && !["rows", "attachment"].includes(kind)};
})"""


def fill_field(page: Page, field: dict[str, str]) -> None:
    wrap = page.locator(f'[id="{field["id"]}"]')
    kind = field["kind"]
    if kind == "choice":
        radios = wrap.locator("input[type=radio]")
        if radios.count():
            radios.first.check()
        else:
            wrap.locator("select").select_option(index=1)
    elif kind == "multichoice":
        wrap.locator("input[type=checkbox]").first.check()
    elif kind in ("region", "address"):
        prefecture = wrap.locator("select.tbf-region-prefecture")
        if prefecture.count():
            prefecture.select_option(label="昆明市")
        wrap.locator("select[data-region-main]").select_option(value=SHILIN)
        if kind == "address":
            wrap.locator("input[id$='-detail']").fill("鹿阜街道石林大道1号")
    elif kind == "date":
        wrap.locator("input").fill(beijing_today())
    else:
        wrap.locator("input:not([type=hidden]), textarea").first.fill(VALUES.get(field["name"]) or BY_KIND[kind])


def fill_form(page: Page) -> list[str]:
    """Fill every required, shown, unlocked and empty field, one at a time (a choice may show further fields)."""
    filled: list[str] = []
    while True:
        todo = [f for f in page.evaluate(FIELDS_JS) if f["todo"] and f["id"] not in filled]
        if not todo:
            return filled
        fill_field(page, todo[0])
        filled.append(todo[0]["id"])


def start_online(page: Page, department: str) -> str:
    """在线办理 from the guide (the department's button when several places handle the item); returns the
    implementation code the start page names."""
    links = page.get_by_role("link", name=re.compile("^在线办理"))
    if links.count() > 1:
        links = links.filter(has_text=f"（{department}）")
    links.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("在线办理")
    facts = page.locator("main p.muted").first
    expect(facts).to_contain_text(department)
    found = re.search(r"实施编码\s*(\S{31})", facts.inner_text())
    assert found, facts.inner_text()
    return found.group(1)


def fill_and_submit(page: Page) -> str:
    """The draft page: materials, the form, 提交申请; returns the receipt's case number."""
    expect(page.get_by_role("heading", name="申请表")).to_be_visible()
    upload_required_materials(page)
    required = page.locator("#materials .material").filter(has=page.locator(".tag.req"))
    expect(required.first).to_be_visible()
    expect(required.filter(has_not=page.locator(".tag.ok"))).to_have_count(0)  # every required material supplied
    fill_form(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", name="申请回执")).to_be_visible()
    return page.locator("[data-case-number]").inner_text().strip()


def apply_online(page: Page, item: Item) -> str:
    days = {beijing_today()}
    page.goto(f"/items/{item.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(item.name)
    implementation_code = start_online(page, item.department.name)
    if item.enterprise:
        page.get_by_role("radio", name=re.compile(ORG_NAME)).check()
    else:
        expect(page.get_by_role("radio", name=re.compile("本人"))).to_be_checked()
    page.get_by_role("button", name="开始填写").click()
    number = fill_and_submit(page)
    days.add(beijing_today())  # (submitted around midnight: either day)
    assert len(number) == 43 and CASE_NUMBER.fullmatch(number), number
    assert number.startswith(implementation_code) and number[31:39] in {d.replace("-", "") for d in days}, number
    receipt = page.locator("main")
    expect(receipt).to_contain_text(item.name)
    expect(receipt).to_contain_text(item.department.name)
    return number


# ------------------------------------------------------------------ staff: queues, actions


def open_case(page: Page, queue: str, number: str) -> int:
    """Open a case from one of the staff member's queues (or 办件查询 by its number); returns its id."""
    nav = page.get_by_role("navigation", name="办件工作队列")
    if not nav.count():  # just signed in, or on a page without the queues
        page.goto("/workbench/cases/")
    if queue == "办件查询":
        nav.get_by_role("link", name="办件查询").click()
        page.get_by_label("办件编号").fill(number)
        page.get_by_role("button", name="查询").click()
    else:
        nav.get_by_role("link", name=re.compile(f"^{queue}")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(queue)
    page.get_by_role("link", name=number, exact=True).click()
    expect(page.get_by_text(f"办件编号 {number}")).to_be_visible()
    found = re.search(r"/workbench/cases/(\d+)/", page.url)
    assert found, page.url
    return int(found.group(1))


def do(page: Page, action: str) -> None:
    page.get_by_role("region", name="可以进行的操作").get_by_role("link", name=action, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(action)


def status_is(page: Page, status: str) -> None:
    expect(page.locator("#case-status")).to_have_text(status)


def accept(page: Page) -> None:
    do(page, "受理")
    page.get_by_label("意见").fill("材料齐全，予以受理")
    page.get_by_role("button", name="提交").click()
    status_is(page, "已受理")


def pass_step(page: Page, step: str) -> None:
    do(page, "办理本环节（通过／退回）")
    page.get_by_role("radio", name="通过").check()
    page.get_by_label("意见").fill(f"{step}通过")
    page.get_by_role("button", name="提交").click()
    status_is(page, "审查中")


def approve(page: Page, action: str, document: str) -> None:
    """作出决定 / 即办: 准予, with the decision document's name, delivered electronically."""
    do(page, action)
    page.get_by_role("radio", name="准予").check()
    page.get_by_label("决定意见").fill("符合条件，准予办理")
    page.get_by_label("决定文书名称").fill(document)
    page.get_by_role("radio", name="电子送达").check()
    page.get_by_role("button", name="下一步").click()
    status_is(page, "准予许可")
    decision = page.get_by_role("region", name="决定与结果")
    expect(decision).to_contain_text(document)
    expect(decision).to_contain_text("电子送达")


def complete(page: Page) -> None:
    do(page, "办结")
    page.get_by_label("意见").fill("已办结")
    page.get_by_role("button", name="提交").click()
    status_is(page, "办结")


def deliver(page: Page) -> None:
    do(page, "送达")
    page.get_by_label("送达说明").fill("电子证照已推送至申请人账户")
    page.get_by_role("button", name="提交").click()
    status_is(page, "已送达")


def outsider_cannot_see(people: People, username: str, number: str, case_id: int) -> None:
    """Another department's staff member: not in their queues, not found by number, the page answers 404."""
    page = people.staff(username)
    page.goto("/workbench/cases/queue/to_accept/")
    expect(page.get_by_role("heading", level=1)).to_have_text("待受理")
    expect(page.locator("main")).not_to_contain_text(number)
    page.goto("/workbench/cases/queue/my_steps/")
    expect(page.locator("main")).not_to_contain_text(number)
    page.goto("/workbench/cases/search/?" + f"case_number={number}")
    expect(page.locator("main")).to_contain_text("找到 0 件")
    response = page.goto(f"/workbench/cases/{case_id}/")
    assert response is not None and response.status == 404
    expect(page.locator("body")).not_to_contain_text(number)


def decide_and_close(people: People, department: Department, chain: tuple[str, ...], number: str,
                     document: str, *, outsider: str = "") -> None:
    """The department carries a waiting case to 办结: 即办, or 受理 then every step of the chain, the last one
    deciding. Returns with the case closed, still to be delivered."""
    clerk = people.staff(department.clerk)
    case_id = open_case(clerk, "待受理", number)
    expect(clerk.locator("#case-status")).to_contain_text("已申请")
    if outsider:
        outsider_cannot_see(people, outsider, number, case_id)
    if not chain:
        approve(clerk, "即办（受理并作出决定）", document)
        complete(clerk)
        return
    accept(clerk)
    for step in chain[:-1]:
        handler = people.staff(department.handler(step))
        open_case(handler, "我的待办", number)
        pass_step(handler, step)
    approver = people.staff(department.handler(chain[-1]))
    open_case(approver, "我的待办", number)
    approve(approver, "作出决定（准予／不予）", document)
    complete(approver)


def expected_timeline(chain: tuple[str, ...]) -> list[str]:
    """The applicant's timeline titles, in order (即办: the decision is the acceptance)."""
    steps = ["已受理", *["审查中"] * (len(chain) - 1)] if chain else []
    return ["提交申请", *steps, "准予", "办结", "已送达"]


# ------------------------------------------------------------------ the applicant sees every step


def open_my_case(page: Page, number: str, *, enterprise: bool) -> None:
    page.get_by_role("banner").get_by_role("link", name="我的办件").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的办件")
    if enterprise:
        page.get_by_role("navigation", name="切换办事身份").get_by_role("link", name=ORG_NAME).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(ORG_NAME)
    page.locator("main ul.cases > li > a", has_text=number).click()
    expect(page.get_by_role("heading", name="办理进度")).to_be_visible()
    expect(page.locator("dd.number")).to_have_text(number)


def timeline_titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("ol.timeline > li > strong").all_inner_texts()]


@pytest.mark.parametrize("item", ITEMS, ids=[item.code for item in ITEMS])
def test_an_item_goes_from_the_online_application_to_the_delivered_result(people: People, item: Item) -> None:
    applicant = people.applicant(AGENT if item.enterprise else PERSON, item.site)
    number = apply_online(applicant, item)

    document = f"{item.name}准予决定书"
    decide_and_close(people, item.department, item.chain, number, document, outsider=item.outsider)
    clerk = people.staff(item.department.clerk)
    open_case(clerk, "办件查询", number)
    deliver(clerk)
    timeline = clerk.get_by_role("region", name="办理记录")
    for step in item.chain:
        expect(timeline).to_contain_text(step)

    open_my_case(applicant, number, enterprise=item.enterprise)
    main = applicant.locator("main")
    expect(main.locator(".facts")).to_contain_text("已送达")
    expect(main.locator(".facts")).to_contain_text(item.department.name)
    assert timeline_titles(applicant) == expected_timeline(item.chain)
    progress = applicant.locator("ol.timeline")
    for step in item.chain[:-1]:
        expect(progress).to_contain_text(f"“{step}”已完成。")
    expect(progress).to_contain_text("已作出准予决定。")
    expect(progress).to_contain_text("办理结果已送达（电子送达）。")
    if item.chain:
        expect(progress).to_contain_text(f"{item.department.name}受理了您的申请。")
    expect(main.get_by_role("heading", name="文书与结果")).to_be_visible()
    expect(main).to_contain_text(document)
    expect(main).to_contain_text("送达方式：电子送达")
    expect(applicant.locator(".next-action")).to_contain_text("办理结果已送达，无需其他操作。")


def test_the_birth_bundle_is_applied_for_once_and_each_department_handles_its_own_case(people: People) -> None:
    applicant = people.applicant(PARENT, SHILIN)
    applicant.goto("/bundles/birth/")
    applicant.get_by_role("link", name="一表申请").click()
    expect(applicant.get_by_role("heading", level=1)).to_contain_text("一表申请：出生一件事")
    applicant.get_by_role("button", name="开始填写").click()
    expect(applicant.locator(".members li")).to_have_count(len(BIRTH_BUNDLE))
    parent_number = fill_and_submit(applicant)
    assert re.fullmatch(r"YJS-birth-\d{12}", parent_number), parent_number
    rows = applicant.locator(".children li")
    expect(rows).to_have_count(len(BIRTH_BUNDLE))
    children: dict[str, str] = {}
    for name, department, _chain in BIRTH_BUNDLE:
        meta = rows.filter(has=applicant.locator(".name", has_text=re.compile(f"^{re.escape(name)}$"))).locator(
            ".meta").first.inner_text()
        number, _dot, where = (part.strip() for part in meta.partition("·"))
        assert len(number) == 43 and CASE_NUMBER.fullmatch(number), meta
        assert where == department.name, meta
        children[name] = number
    assert len(set(children.values())) == len(BIRTH_BUNDLE)

    # each department decides and closes its own child case (no one else's)
    for name, department, chain in BIRTH_BUNDLE:
        decide_and_close(people, department, chain, children[name], f"{name}准予决定书")
    # the lead department (the first member's) delivers the results together, through the parent case
    lead = people.staff(BIRTH_BUNDLE[0][1].clerk)
    open_case(lead, "办件查询", parent_number)
    status_is(lead, "办结")
    deliver(lead)
    kids = lead.get_by_role("region", name="一件事的各事项")
    for number in children.values():
        expect(kids.get_by_role("row", name=re.compile(number))).to_contain_text("已送达")

    # the applicant: the parent with its progress, every child in 我的办件, each child's own steps
    applicant.get_by_role("banner").get_by_role("link", name="我的办件").click()
    listed = applicant.locator("main ul.cases > li", has_text=parent_number)
    for number in children.values():
        expect(listed.locator("ul.children")).to_contain_text(number)
    expect(listed.locator("ul.children .badge")).to_have_text(["已送达"] * len(BIRTH_BUNDLE))
    open_my_case(applicant, parent_number, enterprise=False)
    expect(applicant.get_by_role("heading", name=re.compile("包含的办件"))).to_have_text(
        f"包含的办件（共 {len(BIRTH_BUNDLE)} 个，已办结 {len(BIRTH_BUNDLE)} 个）")
    expect(applicant.locator(".facts")).to_contain_text("已送达")
    titles = timeline_titles(applicant)
    assert titles[0] == "提交申请" and titles[-1] == "已送达", titles
    for name, _department, chain in BIRTH_BUNDLE:
        assert f"{name}：准予" in titles and f"{name}：办结" in titles and f"{name}：已送达" in titles, titles
        if chain:
            assert f"{name}：已受理" in titles and f"{name}：审查中" in titles, titles

    name, department, chain = BIRTH_BUNDLE[1]  # 出生登记, with its chain
    applicant.locator(".case-detail .children a", has_text=children[name]).click()
    expect(applicant.locator("dd.number")).to_have_text(children[name])
    expect(applicant.locator(".facts")).to_contain_text(department.name)
    assert timeline_titles(applicant) == expected_timeline(chain)[1:]  # a child's submission is the parent's
    expect(applicant.locator("main")).to_contain_text(f"{name}准予决定书")
