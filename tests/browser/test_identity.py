"""The unified identity (统一身份认证) in a real browser: sign-in, real-name verification, devices and SSO.

These tests change accounts (a level rises, sessions end, a client is registered), so the module runs against its
own demo server (``identity_server``). Every password failure also counts against the browser's address
(127.0.0.1 for all of them), and after three such failures every password sign-in asks for the image captcha,
which a test cannot read: the failure test therefore runs last in this module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, MakePage, run_demo_server
from tests.browser.test_workbench import log_in as staff_log_in

pytestmark = pytest.mark.browser

GENERIC_FAILURE = "账号或密码不正确。连续输错5次，账号将被锁定15分钟。"
# Accepted by the population simulator ("anything else → match"), check character correct, bound to no demo person.
NEW_NAME, NEW_ID = "张云南", "530126199001011232"
OTHER_NAME, OTHER_ID = "李石林", "53012619850707456X"


@pytest.fixture(scope="module")
def identity_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private demo server: these tests change accounts."""
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-identity"))


@pytest.fixture
def server_url(identity_server: str) -> str:
    return identity_server


def citizen_log_in(page: Page, phone: str, password: str = DEMO_PASSWORD, *, path: str = "/account/login/") -> None:
    """The citizen's password sign-in (no captcha is asked before three failures)."""
    if path:
        page.goto(path)
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()
    page.get_by_label("手机号 / 身份证号 / 用户名").fill(phone)
    page.get_by_label("密码", exact=True).fill(password)
    page.locator("form.account-form").get_by_role("button", name="登录").click()


def profile_value(page: Page, term: str) -> str:
    return page.locator("dl.kv dt", has_text=term).locator("xpath=following-sibling::dd[1]").inner_text().strip()


def test_level_1_citizen_verifies_name_and_id_number_and_they_are_then_locked(page: Page) -> None:
    citizen_log_in(page, "13800000001")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    assert profile_value(page, "手机号") == "138****0001"
    assert "13800000001" not in page.locator("main").inner_text()
    assert profile_value(page, "实名等级").startswith("注册用户")
    assert profile_value(page, "身份证号") == "未实名"

    page.get_by_role("link", name="去实名认证").click()
    expect(page.get_by_role("heading", name="实名核验", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("姓名和身份证号")).first.click()
    expect(page.get_by_role("heading", name="姓名和身份证号核验")).to_be_visible()
    page.get_by_label("姓名").fill(NEW_NAME)
    page.get_by_label("身份证号").fill(NEW_ID)
    page.get_by_role("button", name="提交核验").click()

    expect(page.get_by_role("heading", name="实名核验", exact=True)).to_be_visible()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("实名用户（姓名和身份证号已核验）")
    expect(facts).to_contain_text("5301**********1232")
    expect(page.get_by_text("姓名和身份证号核验后已锁定，不能自行修改。")).to_be_visible()

    page.goto("/account/")
    assert profile_value(page, "实名等级").startswith("实名用户（姓名和身份证号已核验）")
    assert profile_value(page, "身份证号") == "5301**********1232"
    assert profile_value(page, "姓名") == NEW_NAME
    assert NEW_ID not in page.locator("main").inner_text()

    # A second attempt with someone else's data, straight at the form, is refused and changes nothing.
    page.goto("/account/realname/population/")
    page.get_by_label("姓名").fill(OTHER_NAME)
    page.get_by_label("身份证号").fill(OTHER_ID)
    page.get_by_role("button", name="提交核验").click()
    expect(page.locator("form [role=alert]")).to_contain_text(
        "您已是“实名用户（姓名和身份证号已核验）”，无需再做这项核验。")

    # The next level (bank card) with someone else's name and number: refused, the verified identity is locked.
    page.goto("/account/realname/bankcard/")
    expect(page.get_by_role("heading", name="银行卡四要素核验")).to_be_visible()
    page.get_by_label("姓名").fill(OTHER_NAME)
    page.get_by_label("身份证号").fill(OTHER_ID)
    page.get_by_label("银行卡号").fill("6217000000000000046")
    page.get_by_label("银行预留手机号").fill("13800000001")
    page.get_by_role("button", name="提交核验").click()
    expect(page.locator("form [role=alert]")).to_contain_text(
        "填写的姓名或身份证号与您已核验的身份信息不一致。已核验的信息不能自行修改，如需更正请提交纠错申请。")

    page.goto("/account/")
    assert profile_value(page, "身份证号") == "5301**********1232"
    assert profile_value(page, "姓名") == NEW_NAME
    assert profile_value(page, "实名等级").startswith("实名用户（姓名和身份证号已核验）")


def test_signing_out_another_device_ends_that_session(new_page: MakePage) -> None:
    desktop = new_page(user_agent="Mozilla/5.0 (X11; Linux x86_64) TongbanTest-Desktop")
    phone = new_page(user_agent="Mozilla/5.0 (Linux; Android 14) TongbanTest-Phone")
    citizen_log_in(phone, "13800000003")
    expect(phone.get_by_role("heading", name="我的账号")).to_be_visible()
    citizen_log_in(desktop, "13800000003")
    expect(desktop.get_by_role("heading", name="我的账号")).to_be_visible()

    desktop.get_by_role("link", name="登录设备管理").click()
    expect(desktop.get_by_role("heading", name="登录设备管理")).to_be_visible()
    mine = desktop.locator("ul.items > li", has_text="TongbanTest-Desktop")
    other = desktop.locator("ul.items > li", has_text="TongbanTest-Phone")
    expect(mine).to_contain_text("本机")
    expect(mine.get_by_role("button", name="让它退出")).to_have_count(0)
    expect(other).not_to_contain_text("本机")
    other.get_by_role("button", name="让它退出").click()
    expect(desktop.get_by_text("已让该设备退出登录。")).to_be_visible()
    expect(desktop.locator("ul.items > li", has_text="TongbanTest-Phone")).to_have_count(0)

    phone.goto("/account/")
    expect(phone.get_by_role("heading", name="登录", exact=True)).to_be_visible()
    desktop.goto("/account/")
    expect(desktop.get_by_role("heading", name="我的账号")).to_be_visible()


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _jwt_payload(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_sso_a_registered_client_signs_a_citizen_in_with_consent(new_page: MakePage, server_url: str) -> None:
    redirect_uri = f"{server_url}/healthz"
    admin = new_page()
    staff_log_in(admin, "demo_platform")
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.goto("/workbench/oidc/")
    expect(admin.get_by_role("heading", name="接入系统（统一身份认证）")).to_be_visible()
    admin.get_by_role("link", name="登记接入系统").click()
    admin.get_by_label("系统名称").fill("石林县社保查询")
    admin.get_by_label("所属部门").fill("石林县人力资源和社会保障局")
    admin.get_by_label("接入方式").select_option("web")
    admin.get_by_label("回调地址").fill(redirect_uri)
    admin.get_by_role("button", name="登记").click()
    notice = admin.locator(".notice")
    expect(notice).to_contain_text("“石林县社保查询”已登记")
    codes = notice.locator("code").all_inner_texts()
    client_id, client_secret = codes[0].strip(), codes[1].strip()

    verifier, challenge = _pkce()
    query = urlencode({"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": "openid profile", "code_challenge": challenge, "code_challenge_method": "S256",
                       "state": "xyz"})
    citizen = new_page()
    citizen.goto(f"/oidc/authorize/?{query}")
    citizen_log_in(citizen, "13800000002", path="")
    expect(citizen.get_by_role("heading", name="“石林县社保查询”请求使用您的统一身份认证账号登录")).to_be_visible()
    expect(citizen.get_by_text("所属部门：石林县人力资源和社会保障局")).to_be_visible()
    scopes = citizen.locator("ul.scopes")
    expect(scopes).to_contain_text("使用统一身份认证登录")
    expect(scopes).to_contain_text("实名核验后的姓名和实名等级")
    with citizen.expect_navigation(url=re.compile(r"/healthz\?")):
        citizen.get_by_role("button", name="同意并登录").click()
    landed = urlparse(citizen.url)
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == redirect_uri
    params = parse_qs(landed.query)
    assert params["state"] == ["xyz"]

    response = httpx.post(f"{server_url}/oidc/token/", data={
        "grant_type": "authorization_code", "code": params["code"][0], "redirect_uri": redirect_uri,
        "code_verifier": verifier, "client_id": client_id, "client_secret": client_secret}, timeout=10)
    assert response.status_code == 200, response.text
    claims = _jwt_payload(response.json()["id_token"])
    assert claims["acr"] == "tongban:loa:2"
    assert claims["aud"] == client_id

    # The same client asking for level 3 gets the step-up page, not a code.
    _verifier, challenge = _pkce()
    citizen.goto("/oidc/authorize/?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": "openid profile",
        "code_challenge": challenge, "code_challenge_method": "S256", "state": "abc",
        "acr_values": "tongban:loa:3"}))
    expect(citizen.get_by_role("heading", name="需要更高的实名等级")).to_be_visible()
    expect(citizen.get_by_text("“石林县社保查询”要求登录账号达到：实名用户（人脸或银行卡已核验）。")).to_be_visible()
    expect(citizen.get_by_text("您当前的实名等级：实名用户（姓名和身份证号已核验）")).to_be_visible()
    expect(citizen.get_by_role("link", name="去完成实名认证")).to_be_visible()
    assert "/healthz" not in citizen.url


def test_registration_refuses_a_wrong_image_captcha(page: Page) -> None:
    page.goto("/account/register/")
    page.get_by_label("手机号").fill("13900000009")
    page.get_by_label("图形验证码").fill("ZZZZ")
    page.get_by_role("button", name="获取短信验证码").click()
    expect(page.get_by_text("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。")).to_be_visible()


def test_failed_sign_ins_are_generic_and_bring_the_captcha(page: Page) -> None:
    """Runs last: three failures from this address make every later password sign-in ask for the captcha."""
    captcha = page.get_by_label("图形验证码")
    alert = page.locator("form.account-form [role=alert]")

    citizen_log_in(page, "13800000004", "wrong-password-1")
    expect(alert).to_have_text(GENERIC_FAILURE)
    expect(captcha).to_have_count(0)

    citizen_log_in(page, "13999999999", "wrong-password-1", path="")  # nobody has this number
    expect(alert).to_have_text(GENERIC_FAILURE)
    expect(captcha).to_have_count(0)

    citizen_log_in(page, "13800000004", "wrong-password-2", path="")
    expect(alert).to_have_text(GENERIC_FAILURE)
    expect(captcha).to_be_visible()
    expect(page.get_by_role("img", name="图形验证码图片：请输入图中的4个字符")).to_be_visible()

    # Even the right password is not checked without the captcha; a wrong captcha is refused in Chinese.
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    captcha.fill("ZZZZ")
    page.locator("form.account-form").get_by_role("button", name="登录").click()
    expect(page.get_by_text("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。")).to_be_visible()
    expect(page.get_by_role("heading", name="登录", exact=True)).to_be_visible()
