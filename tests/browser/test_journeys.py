"""Whole journeys of the unified identity in a real browser, as the issue's "done when" lists them.

* A new citizen registers (image captcha, SMS code, password), signs in at a client's request, is asked for a higher
  real-name level (step-up), verifies, and comes back to finish the single sign-on.
* A citizen asks for manual review with ID photos; a real-name reviewer approves it in the workbench.
* A legal representative registers a co-operative, which then signs in to a client with its credit code; the
  representative authorises an agent, who signs in to the same client for the co-operative.

The module runs on its own demo server: it creates accounts and organisations. The captcha and the SMS code are
read from the development pages /dev/captcha/ and /dev/sms/ (settings refuse both outside debug and demo mode).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, MakePage, run_demo_server
from tests.browser.test_identity import _jwt_payload, _pkce, citizen_log_in
from tests.browser.test_workbench import log_in as staff_log_in

pytestmark = pytest.mark.browser

NEW_PHONE, NEW_PASSWORD = "13900002026", "Lijiang#Snow2026"
NEW_NAME, NEW_ID = "木春梅", "530721199305060026"  # 玉龙县; accepted by the population simulator
COOP = {"credit_code": "93530128MA6P3K5L7X", "name": "禄劝示范果蔬种植专业合作社"}  # legal rep: 阿依古丽·买买提
COOP_PASSWORD = "Luquan#Coop2026"


@pytest.fixture(scope="module")
def journey_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-journeys"))


@pytest.fixture
def server_url(journey_server: str) -> str:
    return journey_server


@pytest.fixture(scope="module")
def registered_client() -> dict[str, str]:
    return {}


@pytest.fixture
def sso_client(registered_client: dict[str, str], new_page: MakePage, server_url: str) -> dict[str, str]:
    """A client registered once per module by the platform administrator, allowed the organization scope."""
    if not registered_client:
        redirect_uri = f"{server_url}/healthz"
        admin = new_page()
        staff_log_in(admin, "demo_platform")
        expect(admin.get_by_role("heading", level=1)).to_be_visible()
        admin.goto("/workbench/oidc/new/")
        admin.get_by_label("系统名称").fill("禄劝县涉农服务平台")
        admin.get_by_label("所属部门").fill("禄劝县农业农村局")
        admin.get_by_label("接入方式").select_option("web")
        admin.get_by_label("回调地址").fill(redirect_uri)
        admin.get_by_label(re.compile("organization：")).check()
        admin.get_by_role("button", name="登记").click()
        notice = admin.locator(".notice")
        expect(notice).to_contain_text("“禄劝县涉农服务平台”已登记")
        codes = notice.locator("code").all_inner_texts()
        registered_client.update(client_id=codes[0].strip(), client_secret=codes[1].strip(),
                                 redirect_uri=redirect_uri)
    return registered_client


def authorize_url(client: dict[str, str], *, scope: str, challenge: str, **extra: str) -> str:
    return "/oidc/authorize/?" + urlencode({
        "response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
        "scope": scope, "code_challenge": challenge, "code_challenge_method": "S256", "state": "journey", **extra})


def finish_sign_on(page: Page, client: dict[str, str], server_url: str, verifier: str) -> dict[str, Any]:
    """Press 同意并登录, land on the client with a code, exchange it like the client would: the ID token's claims."""
    with page.expect_navigation(url=re.compile(r"/healthz\?")):
        page.get_by_role("button", name="同意并登录").click()
    params = parse_qs(urlparse(page.url).query)
    assert params["state"] == ["journey"]
    response = httpx.post(f"{server_url}/oidc/token/", data={
        "grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": client["redirect_uri"],
        "code_verifier": verifier, "client_id": client["client_id"], "client_secret": client["client_secret"]},
        timeout=10)
    assert response.status_code == 200, response.text
    return _jwt_payload(response.json()["id_token"])


def read_captcha(page: Page) -> str:
    expect(page.get_by_role("img", name=re.compile("图形验证码图片"))).to_be_visible()
    page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    text = page.request.get("/dev/captcha/").text().strip()
    assert len(text) == 4, "the captcha of this browser"
    return text


def read_sms_code(page: Page, phone: str) -> str:
    inbox = page.request.get("/dev/sms/").text()
    masked = f"{phone[:3]}****{phone[7:]}"
    entry = inbox[inbox.index(masked):]  # the newest message to this number comes first
    found = re.search(r"验证码是(\d{6})", entry)
    assert found, inbox
    return found.group(1)


def photo(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.new("RGB", (160, 100), colour)
    for x in range(0, 160, 4):
        image.putpixel((x, x % 100), (x, 255 - x, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_new_citizen_registers_steps_up_and_signs_into_a_client(new_page: MakePage, server_url: str,
                                                                   sso_client: dict[str, str]) -> None:
    page = new_page()
    page.goto("/account/register/")
    expect(page.get_by_role("heading", name="注册个人账号")).to_be_visible()
    page.get_by_label("手机号").fill(NEW_PHONE)
    page.get_by_label("图形验证码").fill(read_captcha(page).lower())  # not case-sensitive
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.get_by_text("短信验证码已发送，5分钟内有效。")).to_be_visible()
    page.get_by_label("短信验证码").fill(read_sms_code(page, NEW_PHONE))
    page.get_by_label("密码", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("确认密码").fill(NEW_PASSWORD)
    page.get_by_label(re.compile("我已阅读并同意")).check()
    page.get_by_role("button", name="注册", exact=True).click()
    expect(page.get_by_text("注册成功。完成实名认证后可办理更多事项。")).to_be_visible()
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()

    # A fresh browser: the client asks for a real-name user; the citizen signs in first.
    page = new_page()
    verifier, challenge = _pkce()
    page.goto(authorize_url(sso_client, scope="openid profile", challenge=challenge, acr_values="tongban:loa:2"))
    citizen_log_in(page, NEW_PHONE, NEW_PASSWORD, path="")
    expect(page.get_by_role("heading", name="需要更高的实名等级")).to_be_visible()
    expect(page.get_by_text("您当前的实名等级：注册用户")).to_be_visible()
    page.get_by_role("link", name="去完成实名认证").click()
    expect(page.get_by_text("完成核验后将自动返回您刚才办理的页面。")).to_be_visible()
    page.get_by_role("link", name=re.compile("姓名和身份证号")).first.click()
    page.get_by_label("姓名").fill(NEW_NAME)
    page.get_by_label("身份证号").fill(NEW_ID)
    page.get_by_role("button", name="提交核验").click()

    # Back at the client's request, now at the level it asked for.
    expect(page.get_by_role("heading", name="“禄劝县涉农服务平台”请求使用您的统一身份认证账号登录")).to_be_visible()
    claims = finish_sign_on(page, sso_client, server_url, verifier)
    assert claims["acr"] == "tongban:loa:2" and claims["amr"] == ["pwd"]
    assert "name" not in claims and NEW_ID not in str(claims), "ID tokens carry no personal data"


def test_manual_review_is_approved_by_a_real_name_reviewer(new_page: MakePage, tmp_path: Path) -> None:
    citizen = new_page()
    citizen_log_in(citizen, "13800000001")
    citizen.goto("/account/realname/manual/")
    citizen.get_by_label("姓名").fill("段玉兰")
    citizen.get_by_label("身份证号").fill("530126198804040024")
    citizen.get_by_label("身份证人像面").set_input_files(photo(tmp_path / "front.jpg", (210, 190, 170)))
    citizen.get_by_label("身份证国徽面").set_input_files(photo(tmp_path / "back.jpg", (170, 190, 210)))
    citizen.get_by_label("手持身份证照片").set_input_files(photo(tmp_path / "hand.jpg", (190, 210, 170)))
    citizen.get_by_role("button", name=re.compile("提交")).click()
    expect(citizen.get_by_text("已提交人工审核，一般1–3个工作日内完成，结果将通过短信通知您。")).to_be_visible()

    reviewer = new_page()
    staff_log_in(reviewer, "demo_reviewer")
    expect(reviewer.get_by_role("heading", level=1)).to_be_visible()
    reviewer.goto("/account/realname/review/")
    reviewer.get_by_role("link", name="审核", exact=True).first.click()
    expect(reviewer.get_by_role("img").first).to_be_visible()
    reviewer.get_by_role("button", name="审核通过").click()
    reviewer.get_by_role("button", name="确认通过").click()
    expect(reviewer.get_by_text("已发送")).to_be_visible()

    citizen.goto("/account/")
    expect(citizen.locator("dl.kv")).to_contain_text("实名用户（人脸或银行卡已核验）")
    expect(citizen.locator("dl.kv")).to_contain_text("5301**********0024")


def test_a_legal_person_and_its_agent_sign_into_a_client(new_page: MakePage, server_url: str,
                                                        sso_client: dict[str, str]) -> None:
    # The legal representative (a real-name person) registers the co-operative: checked against the registry.
    rep = new_page()
    citizen_log_in(rep, "13800000003")
    expect(rep.get_by_role("heading", name="我的账号")).to_be_visible()
    rep.goto("/org/register/")
    rep.get_by_label("法人类型").select_option("farmer_coop")
    rep.get_by_label("单位名称").fill(COOP["name"])
    rep.get_by_label("统一社会信用代码").fill(COOP["credit_code"].lower())
    rep.get_by_label("法定代表人姓名").fill("阿依古丽·买买提")
    rep.get_by_label("法定代表人身份证号").fill("530126199203158822")
    rep.get_by_label("法人账号密码").fill(COOP_PASSWORD)
    rep.get_by_label("再次输入密码").fill(COOP_PASSWORD)
    rep.get_by_role("button", name=re.compile("注册|提交")).click()
    expect(rep.get_by_text("法人账号注册成功，可使用统一社会信用代码和密码登录。")).to_be_visible()
    org_path = urlparse(rep.url).path  # /org/<id>/

    # …and authorises 𠮷祥 (13800000004) as agent for applications, until a date.
    rep.goto(f"{org_path}agents/")
    rep.get_by_label("经办人手机号或用户名").fill("13800000004")
    rep.get_by_label("申请办理事项").check()
    rep.get_by_label("有效期至").fill((date.today() + timedelta(days=90)).isoformat())
    rep.get_by_role("button", name=re.compile("授权")).click()
    expect(rep.locator("table")).to_contain_text("申请办理事项")

    # The co-operative's own account signs in with its credit code at the client's request.
    org = new_page()
    verifier, challenge = _pkce()
    org.goto(authorize_url(sso_client, scope="openid organization", challenge=challenge))
    org.get_by_role("link", name="法人登录").click()
    org.get_by_label("统一社会信用代码").fill(COOP["credit_code"])
    org.get_by_label("密码", exact=True).fill(COOP_PASSWORD)
    org.locator("form.account-form").get_by_role("button", name="登录").click()
    expect(org.get_by_role("heading", name=re.compile("请求使用您的统一身份认证账号登录"))).to_be_visible()
    expect(org.locator("fieldset.org-choice")).to_have_count(0)
    claims = finish_sign_on(org, sso_client, server_url, verifier)
    assert claims["tongban_org"]["credit_code"] == COOP["credit_code"]
    assert claims["tongban_org"]["role"] == "organization"

    # The agent signs in as themself and chooses the co-operative.
    agent = new_page()
    verifier, challenge = _pkce()
    agent.goto(authorize_url(sso_client, scope="openid organization", challenge=challenge))
    citizen_log_in(agent, "13800000004", DEMO_PASSWORD, path="")
    choice = agent.locator("fieldset.org-choice")
    expect(choice).to_contain_text(COOP["name"])
    expect(choice).to_contain_text("经办人")
    choice.get_by_label(re.compile(COOP["name"])).check()
    claims = finish_sign_on(agent, sso_client, server_url, verifier)
    assert claims["tongban_org"] == {**claims["tongban_org"], "credit_code": COOP["credit_code"], "role": "agent",
                                     "scopes": ["apply"]}
    assert claims["amr"] == ["pwd"]
