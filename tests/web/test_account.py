import re

import pytest
from django.test import override_settings

from tongban.notifications.models import SimulatedSms

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
PASSWORD = "Yunnan#2026road"


@pytest.fixture(autouse=True)
def known_captcha(monkeypatch):
    from tongban.identity import captcha

    monkeypatch.setattr(captcha, "_random_text", lambda: "KKKK")


def _code() -> str:
    return re.search(r"\d{6}", SimulatedSms.objects.order_by("-created_at").first().text).group(0)


def _register(client, **extra):
    client.get("/account/captcha.png")
    page = client.post("/account/register/", {"phone": PHONE, "captcha": "kkkk", "action": "send_code"})
    assert "短信验证码已发送" in page.content.decode()
    data = {"phone": PHONE, "sms_code": _code(), "password": PASSWORD, "password2": PASSWORD, "agree": "on",
            "action": "register", **extra}
    return client.post("/account/register/", data)


def test_register_without_javascript_then_profile_is_masked(client):
    response = _register(client)
    assert response.status_code == 302 and response["Location"] == "/account/"
    page = client.get("/account/").content.decode()
    assert "139****5678" in page and PHONE not in page


def test_captcha_is_required_before_an_sms_is_sent(client):
    client.get("/account/captcha.png")
    page = client.post("/account/register/", {"phone": PHONE, "captcha": "nope", "action": "send_code"})
    assert "图形验证码不正确" in page.content.decode() and not SimulatedSms.objects.exists()


def test_register_form_reports_problems_in_chinese(client):
    client.get("/account/captcha.png")
    client.post("/account/register/", {"phone": PHONE, "captcha": "KKKK", "action": "send_code"})
    page = client.post("/account/register/", {"phone": PHONE, "sms_code": _code(), "password": "abc",
                                              "password2": "abd", "agree": "on", "action": "register"})
    assert "两次输入的密码不一致" in page.content.decode()
    page = client.post("/account/register/", {"phone": "12345", "captcha": "", "action": "send_code"})
    assert "手机号" in page.content.decode()


def test_login_page_generic_failure_then_captcha_then_success(client):
    _register(client)
    client.post("/account/logout/")
    for _ in range(3):
        page = client.post("/account/login/", {"mode": "password", "identifier": PHONE, "password": "Wrong#pass1"})
        assert "账号或密码不正确" in page.content.decode()
    assert "图形验证码" in page.content.decode()
    client.get("/account/captcha.png")
    response = client.post("/account/login/", {"mode": "password", "identifier": PHONE, "password": PASSWORD,
                                               "captcha": "KKKK", "next": "/items/"})
    assert response.status_code == 302 and response["Location"] == "/items/"


def test_login_refuses_an_outside_next(client):
    _register(client)
    client.post("/account/logout/")
    response = client.post("/account/login/", {"mode": "password", "identifier": PHONE, "password": PASSWORD,
                                               "next": "https://evil.example/"})
    assert response["Location"] == "/account/"


def test_sms_inbox_only_with_the_simulator(client):
    assert client.get("/dev/sms/").status_code == 200
    with override_settings(SMS_PROVIDER="carrier"):
        assert client.get("/dev/sms/").status_code == 404


def test_captcha_reveal_only_when_configured(client, settings):
    settings.CAPTCHA_REVEAL = False
    assert client.get("/dev/captcha/").status_code == 404
    settings.CAPTCHA_REVEAL = True
    client.get("/account/captcha.png")
    text = client.get("/dev/captcha/").content.decode()
    assert len(text) == 4
    other = type(client)()
    assert other.get("/dev/captcha/").content == b"", "another browser sees nothing"
