"""What a citizen sees on the portal, on a phone, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SHILIN, MakePage, item_names, visible_item_names

pytestmark = pytest.mark.browser

BODY_FONT_SIZE = "parseFloat(getComputedStyle(document.body).fontSize)"
# Every visible form control has a label: a <label> element, aria-label or aria-labelledby.
UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.hidden)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""


def search_for(page: Page, query: str) -> None:
    """Type into the header search box and press Enter, as a person would."""
    box = page.get_by_role("searchbox", name="搜索事项")
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"


# ------------------------------------------------------------------ home


def test_home_on_a_phone_shows_search_high_frequency_items_themes_and_province_hint(page: Page) -> None:
    page.goto("/")
    expect(page).to_have_title(re.compile("首页 · 云南省政务服务"))
    box = page.get_by_role("searchbox", name="搜索事项")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("placeholder", re.compile("上户口"))
    expect(page.get_by_role("button", name="搜索")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("演示环境")

    expect(page.get_by_role("heading", name="高频事项")).to_be_visible()
    high_frequency = item_names(page, "section[aria-labelledby=hf] ul.items")
    assert len(high_frequency) == 12
    assert "住房公积金提取" in high_frequency
    expect(page.get_by_role("link", name=re.compile(r"查看本站全部 \d+ 个事项"))).to_be_visible()

    # The province site lists only province-level items and says where the rest are.
    hint = page.locator("p.hint")
    expect(hint).to_contain_text("省级站点只列出省级办理的事项")
    expect(hint.get_by_role("link", name="切换到您所在地的站点")).to_have_attribute("href", "/site/")

    themes = page.locator("section[aria-labelledby=th] .chips a")
    expect(themes.first).to_be_visible()
    assert "户籍证件" in themes.all_inner_texts()
    assert "企业开办与变更注销" not in themes.all_inner_texts()
    expect(page.get_by_role("heading", name="人生大事")).to_be_visible()

    audience = page.get_by_role("navigation", name="服务对象")
    expect(audience.get_by_role("link", name="个人办事")).to_have_attribute("aria-current", "page")
    no_horizontal_scroll(page)

    audience.get_by_role("link", name="法人办事").click()
    expect(audience.get_by_role("link", name="法人办事")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="企业全生命周期")).to_be_visible()
    org_themes = page.locator("section[aria-labelledby=th] .chips a").all_inner_texts()
    assert "企业开办与变更注销" in org_themes
    assert "户籍证件" not in org_themes
    assert "企业设立登记" in item_names(page, "section[aria-labelledby=hf] ul.items")

    # The choice of 法人 is remembered on the next visit.
    page.goto("/")
    expect(page.get_by_role("navigation", name="服务对象").get_by_role("link", name="法人办事")) \
        .to_have_attribute("aria-current", "page")


# ------------------------------------------------------------------ site switch


def test_site_switch_without_javascript_lists_county_items_and_is_remembered(nojs_page: Page) -> None:
    page = nojs_page
    page.goto("/")
    assert "出生登记" not in item_names(page)
    page.get_by_role("link", name=re.compile("云南省站.*切换站点")).click()
    expect(page.get_by_role("heading", name="切换站点")).to_be_visible()

    shilin = page.locator("#site option", has_text="石林彝族自治县")
    page.get_by_label("选择站点").select_option(value=shilin.get_attribute("value"))
    page.get_by_role("button", name="进入站点").click()

    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name=re.compile("石林彝族自治县站.*切换站点"))).to_have_text(re.compile("石林彝族自治县站"))
    high_frequency = item_names(page, "section[aria-labelledby=hf] ul.items")
    assert "出生登记" in high_frequency
    assert "结婚登记" in high_frequency
    expect(page.locator("p.hint")).to_have_count(0)

    assert {c["name"]: c["value"] for c in page.context.cookies()}["tb_site"] == SHILIN
    page.get_by_role("link", name="全部事项", exact=True).click()
    expect(page.get_by_text(re.compile(r"石林彝族自治县站共 \d+ 个事项"))).to_be_visible()
    expect(page).to_have_title(re.compile("石林彝族自治县政务服务"))


def test_site_switch_refuses_an_unknown_site(nojs_page: Page) -> None:
    response = nojs_page.goto("/site/?site=999999999999")
    assert response is not None and response.status == 400
    expect(nojs_page.get_by_role("alert")).to_have_text("没有找到这个站点，请从列表中选择。")


# ------------------------------------------------------------------ browse


def test_browse_by_theme_and_life_event_from_the_home_page(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    page.goto("/")
    page.locator("section[aria-labelledby=th]").get_by_role("link", name="户籍证件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("户籍证件")
    names = item_names(page)
    assert {"出生登记", "户口迁移", "居民身份证申领、换领、补领"} <= set(names)
    assert "住房公积金提取" not in names

    page.goto("/")
    page.locator("section[aria-labelledby=le]").get_by_role("link", name="出生", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("出生")
    names = item_names(page)
    assert {"出生登记", "新生儿参保登记", "生育登记"} <= set(names)
    assert "结婚登记" not in names


def test_browse_by_department_pages_through_more_than_twenty_items(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="按部门").click()
    expect(page.get_by_role("heading", name="按部门查找")).to_be_visible()
    page.get_by_role("link", name="公安", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("公安")
    total = int(re.search(r"共 (\d+) 个事项", page.locator("main").inner_text()).group(1))
    assert total > 20
    pages = -(-total // 20)
    pager = page.get_by_role("navigation", name="分页")
    expect(pager).to_contain_text(f"第 1 / {pages} 页")
    first = item_names(page)
    assert len(first) == 20
    assert "出生登记" in first
    assert "住房公积金提取" not in first

    pager.get_by_role("link", name="下一页").click()
    expect(page.get_by_role("navigation", name="分页")).to_contain_text(f"第 2 / {pages} 页")
    expect(page.get_by_role("heading", level=1)).to_have_text("公安")
    second = item_names(page)
    assert second
    assert not set(first) & set(second)
    page.get_by_role("navigation", name="分页").get_by_role("link", name="上一页").click()
    assert item_names(page) == first


def test_browse_filters_by_level_and_department(new_page: MakePage) -> None:
    page = new_page(javascript=False, site=SHILIN)
    page.goto("/items/")
    all_items = int(re.search(r"共 (\d+) 个事项", page.locator("main").inner_text()).group(1))

    filters = page.get_by_role("form", name="筛选")
    filters.get_by_label("层级").select_option(label="省级")
    filters.get_by_role("button", name="筛选").click()
    expect(page.get_by_label("层级")).to_have_value("2")
    province = int(re.search(r"共 (\d+) 个事项", page.locator("main").inner_text()).group(1))
    assert 0 < province < all_items
    names = item_names(page)
    assert "住房公积金提取" in names
    assert "出生登记" not in names

    filters = page.get_by_role("form", name="筛选")
    filters.get_by_label("层级").select_option(label="县（市、区）级")
    filters.get_by_label("部门").select_option(label="公安")
    filters.get_by_role("button", name="筛选").click()
    assert "level=4" in page.url and "department=gongan" in page.url
    expect(page.get_by_label("部门")).to_have_value("gongan")
    names = item_names(page)
    assert "出生登记" in names
    assert "住房公积金提取" not in names


# ------------------------------------------------------------------ item guide


def test_item_guide_for_birth_registration_on_the_shilin_site(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    page.goto("/")
    page.locator("section[aria-labelledby=hf]").get_by_role("link", name=re.compile("^出生登记")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("出生登记")
    facts = page.locator("dl.facts")
    expect(facts.locator("div", has_text="多久办好").locator("dd")).to_contain_text(re.compile(r"承诺 \d+个工作日"))
    expect(facts.locator("div", has_text="多久办好").locator("dd")).to_contain_text("法定 20个工作日")
    expect(facts.locator("div", has_text="跑几次").locator("dd")).to_have_text("最多跑1次")
    expect(facts.locator("div", has_text="收费吗").locator("dd")).to_have_text("不收费")

    materials = page.locator("section", has=page.get_by_role("heading", name="要带什么材料"))
    expect(materials.locator("ol.materials > li")).to_have_count(5)
    expect(materials).to_contain_text("《出生医学证明》")
    expect(materials).to_contain_text("居民户口簿")
    expect(materials.locator("li", has_text="结婚证")).to_contain_text("非必需")

    where = page.locator("section", has=page.get_by_role("heading", name="在哪里办、什么时间"))
    expect(where.locator("strong", has_text="石林彝族自治县公安局")).to_be_visible()
    expect(where).to_contain_text("地点：石林彝族自治县")
    expect(where.get_by_role("link", name="查看本地指南")).to_be_visible()

    basis = page.locator("section", has=page.get_by_role("heading", name="办理依据"))
    expect(basis).to_contain_text("《中华人民共和国户口登记条例》第七条")

    faqs = page.locator("section", has=page.get_by_role("heading", name="常见问题")).locator("details")
    assert faqs.count() >= 2
    first = faqs.first
    answer = first.locator("p")
    expect(first).not_to_have_attribute("open", "")
    expect(answer).to_be_hidden()
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    expect(answer).to_be_visible()
    expect(answer).to_contain_text("可以")
    first.locator("summary").click()
    expect(answer).to_be_hidden()
    no_horizontal_scroll(page)


def test_local_guide_shows_the_implementing_department(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    page.goto("/items/070010001000/")
    page.get_by_role("link", name="查看本地指南").click()
    expect(page).to_have_url(re.compile(r"/guide/\w+/$"))
    expect(page.locator("p.muted").first).to_contain_text("实施编码")
    expect(page.get_by_role("link", name="我要咨询")).to_have_attribute("href", re.compile(r"^tel:0871-"))


# ------------------------------------------------------------------ search


def test_search_colloquial_pinyin_and_traditional_queries(new_page: MakePage) -> None:
    page = new_page(site=SHILIN)
    page.goto("/")
    search_for(page, "上户口")
    expect(page.get_by_text(re.compile(r"在石林彝族自治县站找到 \d+ 个相关事项"))).to_be_visible()
    assert item_names(page)[0] == "出生登记"

    search_for(page, "sfz")
    assert "居民身份证申领、换领、补领" in item_names(page)[:3]

    search_for(page, "護照")
    assert item_names(page)[0] == "普通护照签发"
    expect(page.get_by_role("searchbox", name="搜索事项")).to_have_value("護照")

    page.get_by_role("link", name="普通护照签发").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("普通护照签发")


def test_empty_search_shows_the_hint(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("main p.hint")).to_contain_text("请输入想办的事")
    expect(page.locator("main ul.items")).to_have_count(0)


@pytest.mark.parametrize(("site", "query"), [(None, "qqqqxxxx"), (SHILIN, "火星登月")])
def test_hopeless_search_is_helpful(new_page: MakePage, site: str | None, query: str) -> None:
    page = new_page(site=site)
    response = page.goto("/search/?q=" + query)
    assert response is not None and response.status == 200
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"没有找到与“{query}”相关的事项")
    expect(page.get_by_role("heading", name="大家都在办")).to_be_visible()
    popular = item_names(page, "main > ul.items")
    assert len(popular) >= 5
    page.get_by_role("link", name=popular[0]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(popular[0])


# ------------------------------------------------------------------ 长辈模式 (elder mode)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_elder_mode_enlarges_text_persists_and_turns_off(new_page: MakePage, javascript: bool) -> None:
    page = new_page(javascript=javascript)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/items/?theme=huji")
    assert page.evaluate(BODY_FONT_SIZE) < 20
    toggle = page.get_by_role("banner").get_by_role("button", name="长辈模式")
    expect(toggle).to_have_attribute("aria-pressed", "false")

    toggle.click()
    expect(page.get_by_role("button", name="标准版")).to_have_attribute("aria-pressed", "true")
    assert page.url.endswith("/items/?theme=huji"), "toggling should stay on the same page"
    assert page.evaluate(BODY_FONT_SIZE) >= 20
    expect(page.locator("html")).to_have_class(re.compile(r"\bcare\b"))
    if javascript:
        expect(page.get_by_role("button", name="朗读本页")).to_be_visible()

    page.goto("/")
    assert page.evaluate(BODY_FONT_SIZE) >= 20
    page.get_by_role("button", name="标准版").click()
    expect(page.get_by_role("button", name="长辈模式")).to_have_attribute("aria-pressed", "false")
    assert page.evaluate(BODY_FONT_SIZE) < 20
    page.goto("/search/?q=%E8%BA%AB%E4%BB%BD%E8%AF%81")
    assert page.evaluate(BODY_FONT_SIZE) < 20
    assert not errors


def test_elder_mode_still_shows_every_result_on_browse_and_search(new_page: MakePage) -> None:
    page = new_page(site=SHILIN, care=True)
    page.goto("/items/")
    assert len(visible_item_names(page)) == 20
    page.goto("/search/?q=%E5%85%AC%E5%AE%89")
    assert len(visible_item_names(page)) == len(item_names(page)) > 6


# ------------------------------------------------------------------ accessibility basics


def test_first_tab_focuses_the_skip_link(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused == ["跳到正文", "#main"]
    skip = page.get_by_role("link", name="跳到正文")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path", ["/", "/?audience=organization", "/items/", "/items/?department=gongan",
                                  "/search/?q=%E8%BA%AB%E4%BB%BD%E8%AF%81", "/search/", "/site/",
                                  "/items/070010001000/"])
def test_every_control_has_a_label_and_the_language_is_simplified_chinese(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200
    assert page.evaluate("document.documentElement.lang") == "zh-Hans"
    assert page.evaluate(UNLABELLED_CONTROLS) == []


# ------------------------------------------------------------------ no JavaScript


def test_home_search_guide_flow_without_javascript(nojs_page: Page) -> None:
    page = nojs_page
    page.goto("/")
    search_for(page, "提公积金")
    names = item_names(page)
    assert names[0] == "住房公积金提取"
    page.get_by_role("link", name="住房公积金提取", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("住房公积金提取")
    expect(page.locator("dl.facts")).to_contain_text("多久办好")
    expect(page.locator("ul.places strong").first).to_have_text("云南省住房资金管理中心")
    expect(page.get_by_role("button", name="朗读本页")).to_have_count(0)

    faq = page.locator("details").first
    faq.locator("summary").click()
    expect(faq.locator("p")).to_be_visible()
