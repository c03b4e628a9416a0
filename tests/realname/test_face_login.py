"""刷脸登录: verified persons sign in with a photo; failures share the password lockout and never reveal accounts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.realname.conftest import ID_NUMBER, NAME, UNAVAILABLE_ID, picture, register, upload
from tongban.core.errors import ValidationFailed
from tongban.core.models import AuditEvent
from tongban.identity import services as identity_services
from tongban.identity.models import AuthFailure, User
from tongban.realname.face_login import face_login, face_login_available

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


def verified(phone: str = PHONE, name: str = NAME, id_number: str = ID_NUMBER) -> User:
    user = register(phone)
    identity_services.person_assurance_raise(user_id=user.pk, level=2, method="population", provider="test",
                                             name=name, id_number=id_number)
    return user


def test_a_verified_person_signs_in_by_phone_or_id_number():
    user = verified()
    assert face_login_available()
    assert face_login(identifier=PHONE, photo=upload(), ip="10.3.0.1") == user
    assert face_login(identifier=ID_NUMBER.lower(), photo=upload(), ip="10.3.0.1") == user
    assert AuditEvent.objects.filter(action="identity.login", detail__method="face").count() == 2
    check = AuditEvent.objects.filter(action="realname.face_login.check").first()
    assert check.outcome == "success" and check.detail["provider"] == "simulator" and check.detail["score"] >= 0.9


def _refused(identifier: str, photo: bytes | None = None, ip: str = "10.3.0.2") -> str:
    with pytest.raises(identity_services.AuthenticationFailed) as caught:
        face_login(identifier=identifier, photo=upload(photo), ip=ip)
    return caught.value.message


def test_failures_look_the_same_whether_or_not_the_account_exists():
    verified()
    register("13787654321")  # level 1: face login is not for them
    unknown = _refused("13600000000")
    not_verified = _refused("13787654321")
    wrong_face = _refused(PHONE, picture(plain=True))  # one colour: liveness fails
    unknown_id = _refused("530102198001010015")
    assert unknown == not_verified == wrong_face == unknown_id
    assert "刷脸登录未通过" in unknown and "不存在" not in unknown


def test_five_failed_faces_lock_the_account_like_passwords():
    user = verified()
    for _ in range(identity_services.LOCK_AFTER_FAILURES):
        _refused(PHONE, picture(plain=True))
    assert User.objects.get(pk=user.pk).locked_until > timezone.now()
    _refused(PHONE)  # the right face while locked
    with pytest.raises(identity_services.AuthenticationFailed):
        identity_services.login_with_password(identifier=PHONE, password="Yunnan#2026road", ip="10.3.0.9")
    assert AuditEvent.objects.filter(action="identity.login.lock").count() == 1
    assert identity_services.login_needs_captcha(identifier=PHONE, ip=None), "the captcha follows the failures"


def test_an_outage_is_refused_without_counting_and_bad_input_before_any_check():
    user = verified(name="王五", id_number=UNAVAILABLE_ID)
    before = AuthFailure.objects.count()
    _refused(PHONE)
    assert AuthFailure.objects.count() == before and User.objects.get(pk=user.pk).failed_logins == 0
    with pytest.raises(ValidationFailed) as no_photo:
        face_login(identifier=PHONE, photo=None, ip=None)
    assert no_photo.value.issues[0].field == "photo"
    with pytest.raises(ValidationFailed) as not_a_number:
        face_login(identifier="zhang_san01", photo=upload(), ip=None)
    assert not_a_number.value.issues[0].field == "identifier"
    assert not AuditEvent.objects.filter(action="realname.face_login.check", outcome="success").exists()


def test_throttled_addresses_are_refused(settings):
    verified()
    AuthFailure.objects.bulk_create([AuthFailure(ip="10.3.0.7", identifier_index="x")
                                     for _ in range(identity_services.IP_MAX_FAILURES)])
    with pytest.raises(identity_services.TooManyRequests):
        face_login(identifier=PHONE, photo=upload(), ip="10.3.0.7")
