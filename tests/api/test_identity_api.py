"""Identity through the API: registration with captcha and SMS code, sign-in, bearer sessions, profile, real-name."""

from __future__ import annotations

import time
from importlib import import_module

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.api.conftest import (
    MISMATCH_ID,
    PASSWORD,
    UNAVAILABLE_ID,
    delete,
    get,
    login,
    picture,
    post,
    register_person,
    send_code,
    verify_population,
)
from tongban.core.models import AuditEvent
from tongban.identity import services as identity_services
from tongban.identity.models import UserSession
from tongban.identity.sessions import SEEN, STARTED
from tongban.identity.totp import totp_enroll_demo
from tongban.notifications.models import SimulatedSms

pytestmark = pytest.mark.django_db
PHONE = "13912345678"
NAME = "阿依古丽·买买提"
ID_NUMBER = "53010219900307018X"


def error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "issues"}, body
    return body["error"]


def issue_codes(response) -> list[str]:
    return [issue["code"] for issue in error(response)["issues"]]


def test_register_login_profile_and_population_check_raise_the_level(client):
    account = register_person(client, PHONE)
    assert account == {"kind": "person", "display_name": "139****5678", "assurance_level": 1}
    signed_in = post(client, "/sessions", {"identifier": PHONE, "password": PASSWORD})
    assert signed_in.status_code == 201
    body = signed_in.json()
    assert body["token_type"] == "Bearer" and body["amr"] == ["pwd"] and body["expires_in"] > body["idle_timeout"] > 0
    token = body["token"]
    assert "sessionid" not in signed_in.cookies or signed_in.cookies["sessionid"].value != token, \
        "the token is never set as a cookie"

    me = get(client, "/me", token=token).json()
    assert me["kind"] == "person" and me["amr"] == ["pwd"] and me["organization"] is None
    assert me["person"]["phone_masked"] == "139****5678" and PHONE not in str(me)
    assert me["person"]["assurance"] == {"level": 1, "label": "注册用户", "method": "", "verified_at": None}

    checked = verify_population(client, token, name=NAME, id_number=ID_NUMBER.lower())
    assert checked["outcome"] == "match" and checked["assurance"]["level"] == 2
    me = get(client, "/me", token=token).json()["person"]
    assert me["name"] == NAME and me["identity_locked"] is True
    assert me["id_number_masked"].startswith("5301") and ID_NUMBER not in me["id_number_masked"]
    assert me["assurance"]["method"] == "population" and me["assurance"]["verified_at"]


def test_an_sms_needs_the_image_captcha_of_the_same_session(client):
    client.get("/api/v1/identity/captcha")
    wrong = post(client, "/sms-codes", {"phone": PHONE, "purpose": "register", "captcha": "nope"})
    assert wrong.status_code == 422 and error(wrong)["code"] == "captcha_required"
    other = Client()  # another cookie session never saw the captcha
    assert post(other, "/sms-codes", {"phone": PHONE, "purpose": "register", "captcha": "KKKK"}).status_code == 422
    assert not SimulatedSms.objects.exists()
    send_code(client, PHONE)
    again = post(client, "/sms-codes", {"phone": PHONE, "purpose": "register", "captcha": "KKKK"})
    assert again.status_code == 422, "a captcha answers once"
    client.get("/api/v1/identity/captcha")
    too_soon = post(client, "/sms-codes", {"phone": PHONE, "purpose": "register", "captcha": "KKKK"})
    assert too_soon.status_code == 429 and error(too_soon)["code"] == "too_many_requests"
    assert issue_codes(too_soon) == ["code_resend_too_soon"]


def test_captcha_is_a_png_that_is_never_cached(client):
    response = client.get("/api/v1/identity/captcha")
    assert response["Content-Type"] == "image/png" and response.content.startswith(b"\x89PNG")
    assert "no-store" in response["Cache-Control"] and "sessionid" in response.cookies


def test_registration_refuses_a_wrong_or_replayed_code_and_a_taken_phone(client):
    code = send_code(client, PHONE)
    wrong = post(client, "/persons", {"phone": PHONE, "sms_code": "000000" if code != "000000" else "111111",
                                      "password": PASSWORD})
    assert wrong.status_code == 422 and error(wrong)["code"] == "validation_failed"
    assert issue_codes(wrong) == ["code_wrong"]
    assert post(client, "/persons", {"phone": PHONE, "sms_code": code, "password": PASSWORD}).status_code == 201
    replay = post(client, "/persons", {"phone": PHONE, "sms_code": code, "password": PASSWORD})
    assert replay.status_code == 422 and issue_codes(replay) == ["code_used"]
    weak = post(client, "/persons", {"phone": "13912345679", "sms_code": "123456", "password": "12345678"})
    assert weak.status_code == 422 and error(weak)["code"] == "validation_failed"
    bad_shape = post(client, "/sms-codes", {"phone": PHONE, "purpose": "hack", "captcha": "KKKK"})
    assert bad_shape.status_code == 422 and error(bad_shape)["issues"][0]["field"] == "purpose"


def test_failed_logins_are_generic_then_need_the_captcha(client):
    register_person(client, PHONE)
    unknown = post(client, "/sessions", {"identifier": "13900000000", "password": "Wrong#pass1"})
    wrong = post(client, "/sessions", {"identifier": PHONE, "password": "Wrong#pass1"})
    assert unknown.status_code == wrong.status_code == 401
    assert error(unknown)["message"] == error(wrong)["message"], "messages never reveal whether an account exists"
    assert error(wrong)["code"] == "authentication_failed"
    third = post(client, "/sessions", {"identifier": PHONE, "password": "Wrong#pass1"})
    assert "captcha_required" in issue_codes(third), "the third failure announces the captcha"
    refused = post(client, "/sessions", {"identifier": PHONE, "password": PASSWORD})
    assert refused.status_code == 422 and error(refused)["code"] == "captcha_required"
    assert error(refused)["issues"][0]["field"] == "captcha"
    client.get("/api/v1/identity/captcha")
    assert login(client, PHONE, captcha="kkkk")


def test_sms_login_is_recorded_as_amr_sms(client):
    register_person(client, PHONE)
    code = send_code(client, PHONE, purpose="login")
    wrong = post(client, "/sessions/sms", {"phone": PHONE, "sms_code": "12345"})
    assert wrong.status_code == 422 and issue_codes(wrong) == ["code_wrong"]
    signed_in = post(client, "/sessions/sms", {"phone": PHONE, "sms_code": code})
    assert signed_in.status_code == 201 and signed_in.json()["amr"] == ["sms"]
    assert get(client, "/me", token=signed_in.json()["token"]).json()["amr"] == ["sms"]


def test_posts_need_no_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    register_person(strict, PHONE)
    assert login(strict, PHONE)


def test_bearer_is_required_and_checked(client):
    for response in (get(client, "/me"), get(client, "/me", token="not-a-session-key"),
                     client.get("/api/v1/identity/me", HTTP_AUTHORIZATION="Basic abc")):
        assert response.status_code == 401 and error(response)["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_browser_session_cookie_does_not_authenticate_the_api(client):
    user = get_user_model().objects.create_user(username="cookie_only", password=PASSWORD, kind="person")
    client.force_login(user)
    assert get(client, "/me").status_code == 401


def test_api_sessions_are_in_the_device_list_and_can_be_revoked(client):
    register_person(client, PHONE)
    phone_token = login(client, PHONE, HTTP_USER_AGENT="一部手机办事通/3.0 (Android)")
    pc_token = login(client, PHONE, HTTP_USER_AGENT="PC 客户端")
    devices = get(client, "/sessions", token=pc_token).json()
    assert {d["device"] for d in devices} == {"一部手机办事通/3.0 (Android)", "PC 客户端"}
    mine = next(d for d in devices if d["current"])
    assert mine["device"] == "PC 客户端"
    other = next(d for d in devices if not d["current"])

    browser = Client()
    browser.force_login(UserSession.objects.get(pk=other["id"]).user)
    assert "一部手机办事通" in browser.get("/account/sessions/").content.decode(), "the web device list shows it too"

    assert delete(client, f"/sessions/{other['id']}", token=pc_token).status_code == 204
    assert get(client, "/me", token=phone_token).status_code == 401, "the revoked device is signed out"
    assert delete(client, f"/sessions/{other['id']}", token=pc_token).status_code == 404
    assert AuditEvent.objects.filter(action="identity.session.revoke").count() == 1


def test_a_person_cannot_end_someone_elses_session(client):
    register_person(client, PHONE)
    register_person(Client(), "13787654321")
    theirs = login(client, "13787654321")
    mine = login(client, PHONE)
    target = UserSession.objects.get(user__person__phone_index=identity_services.phone_index("13787654321"))
    response = delete(client, f"/sessions/{target.pk}", token=mine)
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    assert get(client, "/me", token=theirs).status_code == 200


def test_logout_ends_the_token(client):
    register_person(client, PHONE)
    token = login(client, PHONE)
    assert delete(client, "/sessions/current", token=token).status_code == 204
    assert get(client, "/me", token=token).status_code == 401
    assert AuditEvent.objects.filter(action="identity.session.end", detail__reason="logout").exists()


@pytest.mark.parametrize("key, age", [(SEEN, "idle"), (STARTED, "absolute")])
def test_expired_tokens_are_refused(client, settings, key, age):
    register_person(client, PHONE)
    token = login(client, PHONE)
    assert get(client, "/me", token=token).status_code == 200
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=token)
    seconds = settings.SESSION_IDLE_SECONDS if age == "idle" else settings.SESSION_ABSOLUTE_SECONDS
    store[key] = time.time() - seconds - 5
    store.save()
    assert get(client, "/me", token=token).status_code == 401
    assert UserSession.objects.get().ended_at is not None


def test_a_password_change_and_a_disabled_account_end_api_tokens(client):
    register_person(client, PHONE)
    first, second = login(client, PHONE), login(client, PHONE)
    user = get_user_model().objects.get(person__phone_index=identity_services.phone_index(PHONE))
    identity_services.person_password_change(user=user, current_password=PASSWORD, new_password="Fresh#2026pass",
                                             ip=None)
    assert get(client, "/me", token=first).status_code == 401
    assert get(client, "/me", token=second).status_code == 401
    third = login(client, PHONE, password="Fresh#2026pass")
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert get(client, "/me", token=third).status_code == 401


def test_realname_mismatch_and_outage_have_stable_codes(client):
    register_person(client, PHONE)
    token = login(client, PHONE)
    mismatch = post(client, "/realname/population", {"name": NAME, "id_number": MISMATCH_ID}, token=token)
    assert mismatch.status_code == 422 and error(mismatch)["code"] == "realname_mismatch"
    outage = post(client, "/realname/population", {"name": NAME, "id_number": UNAVAILABLE_ID}, token=token)
    assert outage.status_code == 503 and error(outage)["code"] == "provider_unavailable"
    bad = post(client, "/realname/population", {"name": "<script>", "id_number": "530102199003070181"}, token=token)
    assert bad.status_code == 422 and error(bad)["code"] == "validation_failed"
    assert {i["field"] for i in error(bad)["issues"]} >= {"id_number"}
    attempts = get(client, "/realname/requests", token=token).json()["attempts"]
    assert [a["outcome"] for a in attempts] == ["unavailable", "mismatch"]


def test_face_and_bankcard_raise_to_level_three(client):
    register_person(client, PHONE)
    token = login(client, PHONE)
    photo = picture()
    face = client.post("/api/v1/identity/realname/face",
                       {"name": NAME, "id_number": ID_NUMBER, "photo": SimpleUploadedFile("me.png", photo)},
                       HTTP_AUTHORIZATION=f"Bearer {token}")
    assert face.status_code == 200, face.content
    assert face.json()["assurance"]["level"] == 3 and face.json()["assurance"]["method"] == "face"
    again = post(client, "/realname/bankcard", {"name": NAME, "id_number": ID_NUMBER,
                                                "card_number": "6222020000000000000", "phone": PHONE}, token=token)
    assert again.status_code == 409 and issue_codes(again) == ["already_verified"]


def test_face_without_a_photo_is_refused_in_chinese(client):
    register_person(client, PHONE)
    token = login(client, PHONE)
    response = client.post("/api/v1/identity/realname/face", {"name": NAME, "id_number": ID_NUMBER},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and "请上传本人照片" in error(response)["message"]


def test_manual_review_is_submitted_and_listed(client):
    register_person(client, PHONE)
    token = login(client, PHONE)
    files = {name: SimpleUploadedFile(f"{name}.png", picture()) for name in ("id_front", "id_back", "handheld")}
    response = client.post("/api/v1/identity/realname/manual", {"name": NAME, "id_number": ID_NUMBER, **files},
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 201, response.content
    requests = get(client, "/realname/requests", token=token).json()
    assert requests["manual_reviews"][0] == {**requests["manual_reviews"][0], "id": response.json()["id"],
                                             "status": "pending", "reviewed_at": None}
    assert requests["corrections"] == []


def test_a_person_with_totp_completes_the_sign_in_with_the_code(client):
    register_person(client, PHONE)
    user = get_user_model().objects.get(person__phone_index=identity_services.phone_index(PHONE))
    secret = pyotp.random_base32()
    totp_enroll_demo(user=user, secret=secret)
    first = post(client, "/sessions", {"identifier": PHONE, "password": PASSWORD})
    assert first.status_code == 401 and error(first)["code"] == "second_factor_required"
    assert "token" not in first.json()
    assert post(Client(), "/sessions/otp", {"code": pyotp.TOTP(secret).now()}).status_code == 401, \
        "the pending sign-in belongs to the cookie session that passed the password"
    wrong = post(client, "/sessions/otp", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert wrong.status_code == 401 and error(wrong)["code"] == "authentication_failed"
    done = post(client, "/sessions/otp", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 201, done.content
    assert done.json()["amr"] == ["pwd", "otp"]
    assert get(client, "/me", token=done.json()["token"]).json()["amr"] == ["pwd", "otp"]
    again = post(client, "/sessions/otp", {"code": pyotp.TOTP(secret).now()})
    assert again.status_code == 401, "the pending sign-in is used up"
