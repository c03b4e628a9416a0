"""账号安全 pages: re-authentication before sensitive changes, TOTP, phone change, export and closing the account."""

import json
import time
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone

from tests.organizations.helpers import WANG_ID
from tests.organizations.helpers import person as org_person
from tests.organizations.helpers import register as org_register
from tests.web.helpers import PASSWORD, last_code, register, signed_in
from tongban.core.models import AuditEvent
from tongban.identity.models import Person, TotpDevice, User, UserSession, VerificationCode
from tongban.web.signin import REAUTH_FRESH_SECONDS, REAUTH_KEY

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
NEW_PHONE = "13698765432"
SENSITIVE = ["/account/password/", "/account/phone/", "/account/totp/enable/", "/account/export/", "/account/close/"]


def test_every_sensitive_page_asks_for_a_fresh_reauthentication_and_comes_back():
    client = signed_in(register(PHONE))
    for path in SENSITIVE:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/account/reauth/?next="), path
    page = client.get("/account/reauth/?next=/account/phone/").content.decode()
    assert "139****5678" in page and PHONE not in page
    back = client.post("/account/reauth/", {"action": "password", "password": PASSWORD, "next": "/account/phone/"})
    assert back["Location"] == "/account/phone/"
    for path in SENSITIVE:
        assert client.get(path).status_code == 200, path
    session = client.session
    session[REAUTH_KEY] = time.time() - REAUTH_FRESH_SECONDS - 1
    session.save()
    assert client.get("/account/export/").status_code == 302, "older than 5 minutes"


def test_reauthentication_by_sms_code_and_no_outside_redirect():
    client = signed_in(register(PHONE))
    client.post("/account/reauth/", {"action": "send_code"})
    wrong = client.post("/account/reauth/", {"action": "sms", "sms_code": "12", "next": "/account/close/"})
    assert wrong.status_code == 200 and "短信验证码不正确" in wrong.content.decode()
    back = client.post("/account/reauth/", {"action": "sms", "sms_code": last_code(PHONE),
                                            "next": "https://evil.example/"})
    assert back["Location"] == "/account/"


def test_totp_enrolment_then_disabling_with_confirmation():
    user = register(PHONE)
    client = signed_in(user, fresh_reauth=True)
    page = client.get("/account/totp/enable/").content.decode()
    assert "<svg" in page and 'data-totp-secret="' in page
    secret = page.split('data-totp-secret="')[1].split('"')[0]
    assert client.get("/account/totp/enable/").content.decode().count(secret) >= 1, "reloading keeps the secret"
    wrong = client.post("/account/totp/enable/", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "1"})
    assert "动态口令不正确" in wrong.content.decode()
    done = client.post("/account/totp/enable/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/account/totp/"
    assert TotpDevice.objects.get(user=user).confirmed_at is not None
    assert "已启用" in client.get("/account/totp/").content.decode()
    confirm = client.get("/account/totp/disable/").content.decode()
    assert "确认关闭" in confirm and TotpDevice.objects.filter(user=user).exists(), "GET only asks"
    client.post("/account/totp/disable/")
    assert not TotpDevice.objects.filter(user=user).exists()


def test_phone_change_page(django_capture_on_commit_callbacks):
    user = register(PHONE)
    register(NEW_PHONE.replace("65", "66"))
    client = signed_in(user, fresh_reauth=True, agent="本机")
    other = signed_in(user, agent="旧设备")
    other.get("/account/")
    client.get("/account/")
    client.post("/account/phone/", {"new_phone": NEW_PHONE, "action": "send_code"})
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/account/phone/", {"new_phone": NEW_PHONE, "sms_code": last_code(NEW_PHONE),
                                               "action": "change"})
    assert done["Location"] == "/account/"
    assert Person.objects.get(user=user).phone == NEW_PHONE
    assert "136****5432" in client.get("/account/").content.decode()
    assert other.get("/account/").status_code == 302, "the other device is signed out"
    taken = NEW_PHONE.replace("65", "66")
    client.post("/account/phone/", {"new_phone": taken, "action": "send_code"})
    refused = client.post("/account/phone/", {"new_phone": taken, "sms_code": last_code(taken), "action": "change"})
    assert "已绑定其他账号" in refused.content.decode()


def test_export_downloads_json_after_reauthentication():
    user = register(PHONE)
    client = signed_in(user, fresh_reauth=True)
    assert client.get("/account/export/").status_code == 200
    response = client.post("/account/export/")
    assert response["Content-Disposition"].startswith('attachment; filename="tongban-my-data-')
    data = json.loads(response.content)
    assert data["profile"]["phone"] == PHONE and data["format"] == "tongban.person-export/1"
    assert AuditEvent.objects.filter(action="identity.person.export").count() == 1


def test_closing_needs_the_explicit_confirmation_and_signs_out():
    user = register(PHONE)
    client = signed_in(user, fresh_reauth=True)
    page = client.get("/account/close/").content.decode()
    assert "加密保存3年" in page and "注销后不能恢复" in page
    unconfirmed = client.post("/account/close/", {})
    assert "请勾选确认" in unconfirmed.content.decode() and User.objects.get(pk=user.pk).is_active
    done = client.post("/account/close/", {"understood": "on"})
    assert done["Location"] == "/"
    assert not User.objects.get(pk=user.pk).is_active
    assert client.get("/account/").status_code == 302
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert register(PHONE).pk != user.pk, "the number can register again"


def test_closing_is_refused_while_legal_representative():
    wang = org_person(name="王晓明", id_number=WANG_ID)
    org_register(wang)
    client = signed_in(wang, fresh_reauth=True)
    page = client.get("/account/close/").content.decode()
    assert "暂时不能注销账号" in page and "法定代表人" in page and 'name="understood"' not in page
    refused = client.post("/account/close/", {"understood": "on"})
    assert "法定代表人" in refused.content.decode() and User.objects.get(pk=wang.pk).is_active
