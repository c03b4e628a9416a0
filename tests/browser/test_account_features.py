"""Citizen account features in a real browser: 扫码登录 between a PC and a phone, and the optional TOTP.

The module changes accounts (a second factor is enabled), so it runs against its own demo server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import MakePage, run_demo_server
from tests.browser.test_identity import citizen_log_in

pytestmark = pytest.mark.browser

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) TongbanTest-PC"
PHONE_UA = "Mozilla/5.0 (Linux; Android 14) TongbanTest-Phone"


@pytest.fixture(scope="module")
def features_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private demo server: these tests change accounts."""
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-account-features"))


@pytest.fixture
def server_url(features_server: str) -> str:
    return features_server


def _show_qr(desktop: Page) -> str:
    desktop.goto("/account/login/")
    desktop.get_by_role("link", name="扫码登录").click()
    expect(desktop.get_by_role("heading", name="扫码登录")).to_be_visible()
    expect(desktop.locator(".qr svg")).to_be_visible()
    url = desktop.locator("[data-qr-url]").get_attribute("data-qr-url")
    assert url and "/account/qr/" in url
    return url


def _confirm_on_phone(phone: Page, url: str, account: str) -> None:
    citizen_log_in(phone, account)
    expect(phone.get_by_role("heading", name="我的账号")).to_be_visible()
    phone.goto(url)
    expect(phone.get_by_role("heading", name="在电脑上登录？")).to_be_visible()
    expect(phone.locator("dl.kv")).to_contain_text("TongbanTest-PC")
    phone.get_by_role("button", name="确认登录").click()
    expect(phone.get_by_role("heading", name="已确认登录")).to_be_visible()


def test_qr_login_the_pc_polls_and_signs_in_after_the_phone_confirms(new_page: MakePage) -> None:
    desktop = new_page(user_agent=DESKTOP_UA)
    phone = new_page(user_agent=PHONE_UA)
    url = _show_qr(desktop)
    _confirm_on_phone(phone, url, "13800000002")
    # The PC page asks every 2 seconds and continues by itself.
    expect(desktop.get_by_role("heading", name="我的账号")).to_be_visible(timeout=15_000)
    expect(desktop.locator("dl.kv")).to_contain_text("138****0002")
    # The same link cannot be used again.
    phone.goto(url)
    expect(phone.get_by_role("heading", name="无法确认登录")).to_be_visible()


def test_qr_login_without_javascript_uses_the_continue_button(new_page: MakePage) -> None:
    desktop = new_page(user_agent=DESKTOP_UA, javascript=False)
    phone = new_page(user_agent=PHONE_UA)
    url = _show_qr(desktop)
    desktop.get_by_role("button", name="我已确认，继续").click()
    expect(desktop.get_by_text("还没有在手机上确认登录")).to_be_visible()
    _confirm_on_phone(phone, url, "13800000003")
    desktop.get_by_role("button", name="我已确认，继续").click()
    expect(desktop.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(desktop.locator("dl.kv")).to_contain_text("138****0003")


def test_citizen_enables_totp_and_then_signs_in_with_the_second_factor(page: Page) -> None:
    citizen_log_in(page, "13800000004")
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    page.get_by_role("link", name="动态口令").click()
    page.get_by_role("link", name="启用动态口令").click()

    # Re-authentication first, then back to the enrolment page.
    expect(page.get_by_role("heading", name="确认身份")).to_be_visible()
    page.get_by_label("当前密码").fill("Demo@Tongban2026")
    page.get_by_role("button", name="确认").first.click()
    expect(page.get_by_role("heading", name="启用动态口令")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    totp = pyotp.TOTP(page.locator("#totp-secret").inner_text().strip())
    page.get_by_label("动态口令").fill(totp.now())
    page.get_by_role("button", name="启用").click()
    expect(page.get_by_text("动态口令已启用")).to_be_visible()

    page.goto("/account/")
    page.get_by_role("button", name="退出登录").click()
    citizen_log_in(page, "13800000004")
    expect(page.get_by_role("heading", name="输入动态口令")).to_be_visible()
    page.get_by_label("动态口令").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_text("动态口令不正确")).to_be_visible()
    # The enrolment used this 30-second step; the next step's code is accepted (clock drift window).
    page.get_by_label("动态口令").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()
    expect(page.locator("main")).to_contain_text("已启用")
