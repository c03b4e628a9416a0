"""扫码登录 and 刷脸登录 pages, and the TOTP step of password and SMS sign-in."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.realname.conftest import ID_NUMBER, NAME, picture
from tests.web.helpers import PASSWORD, enable_totp, last_code, register, signed_in
from tongban.core.models import AuditEvent
from tongban.identity import captcha, services
from tongban.identity.interface import AMR_SESSION_KEY
from tongban.identity.models import TotpDevice

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _qr_url(page: str) -> str:
    return re.search(r'data-qr-url="([^"]+)"', page).group(1)


def test_totp_step_after_password_and_after_sms(monkeypatch):
    user = register(PHONE)
    totp = enable_totp(user)
    client = Client()
    response = client.post("/account/login/", {"mode": "password", "identifier": PHONE, "password": PASSWORD,
                                               "next": "/items/"})
    assert response["Location"] == "/account/login/otp/"
    assert client.get("/account/").status_code == 302, "not signed in yet"
    wrong = client.post("/account/login/otp/", {"code": "000000" if totp.now() != "000000" else "111111"})
    assert "动态口令不正确" in wrong.content.decode()
    done = client.post("/account/login/otp/", {"code": totp.now()})
    assert done["Location"] == "/items/"
    assert client.session[AMR_SESSION_KEY] == ["pwd", "otp"]
    assert client.get("/account/").status_code == 200

    phone = Client()
    monkeypatch.setattr(captcha, "_random_text", lambda: "KKKK")
    phone.get("/account/captcha.png")
    phone.post("/account/login/", {"mode": "sms", "phone": PHONE, "captcha": "kkkk", "action": "send_code"})
    response = phone.post("/account/login/", {"mode": "sms", "phone": PHONE, "sms_code": last_code(PHONE),
                                              "action": "login"})
    assert response["Location"] == "/account/login/otp/"
    TotpDevice.objects.filter(user=user).update(last_step=0)  # the same 30-second step as the first sign-in
    phone.post("/account/login/otp/", {"code": totp.now()})
    assert phone.session[AMR_SESSION_KEY] == ["sms", "otp"]


def test_the_otp_page_without_a_pending_sign_in_goes_back_to_login():
    assert Client().get("/account/login/otp/")["Location"] == "/account/login/"


def test_qr_login_between_a_pc_and_a_signed_in_phone():
    person = register(PHONE)
    pc = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) 办公室电脑", REMOTE_ADDR="10.9.8.7")
    page = pc.get("/account/login/qr/?next=/items/").content.decode()
    assert "<svg" in page and "我已确认，继续" in page
    url = _qr_url(page)
    assert url.startswith("http://testserver/account/qr/")
    assert pc.get("/account/login/qr/status/").json() == {"state": "pending"}
    early = pc.post("/account/login/qr/", {"next": "/items/"})
    assert early.status_code == 200 and "还没有在手机上确认登录" in early.content.decode()

    anonymous_phone = Client()
    assert anonymous_phone.get(url)["Location"].startswith("/account/login/?next=%2Faccount%2Fqr%2F")
    phone = signed_in(person)
    shown = phone.get(url).content.decode()
    assert "在电脑上登录？" in shown and "10.9.8.7" in shown and "办公室电脑" in shown
    assert pc.get("/account/login/qr/status/").json() == {"state": "scanned"}
    phone.post(url, {"decision": "confirm"})
    assert pc.get("/account/login/qr/status/").json() == {"state": "confirmed"}

    thief = Client()
    thief.get("/account/login/qr/")
    session = thief.session
    session["tb_qr_ticket"] = url.rstrip("/").rsplit("/", 1)[1]
    session.save()
    stolen = thief.post("/account/login/qr/", {})
    assert stolen.status_code == 302 and thief.get("/account/").status_code == 302, "bound to the PC's session"

    done = pc.post("/account/login/qr/", {"next": "/items/"})
    assert done["Location"] == "/items/" and pc.session[AMR_SESSION_KEY] == ["qr"]
    assert pc.get("/account/").status_code == 200
    again = Client()
    assert again.post("/account/login/qr/", {}).status_code == 302
    assert AuditEvent.objects.filter(action="identity.login", detail__method="qr").count() == 1


def test_qr_login_denied_on_the_phone():
    person = register(PHONE)
    pc = Client()
    url = _qr_url(pc.get("/account/login/qr/").content.decode())
    phone = signed_in(person)
    phone.get(url)
    assert "已拒绝登录" in phone.post(url, {"decision": "deny"}).content.decode()
    assert pc.get("/account/login/qr/status/").json() == {"state": "denied"}
    refused = pc.post("/account/login/qr/", {})
    assert refused.status_code == 302 and pc.get("/account/").status_code == 302


def test_face_login_page():
    user = register(PHONE)
    services.person_assurance_raise(user_id=user.pk, level=2, method="population", provider="test", name=NAME,
                                    id_number=ID_NUMBER)
    page = Client().get("/account/login/face/").content.decode()
    assert 'capture="user"' in page and 'enctype="multipart/form-data"' in page
    client = Client()
    failed = client.post("/account/login/face/", {
        "identifier": PHONE, "photo": SimpleUploadedFile("me.png", picture(plain=True), "image/png")})
    assert "刷脸登录未通过" in failed.content.decode()
    done = client.post("/account/login/face/", {
        "identifier": ID_NUMBER, "photo": SimpleUploadedFile("me.png", picture(), "image/png"), "next": "/items/"})
    assert done["Location"] == "/items/" and client.session[AMR_SESSION_KEY] == ["face"]
