"""Registration, SMS codes and sign-in: the services behind the account pages."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tongban.core.audit import audit_verify
from tongban.core.errors import Conflict, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.identity import services
from tongban.identity.models import Person, User, VerificationCode
from tongban.notifications.models import SimulatedSms

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
PASSWORD = "Yunnan#2026road"


def last_code(phone: str = PHONE) -> str:
    sms = SimulatedSms.objects.order_by("-created_at").first()
    assert sms is not None and sms.phone == phone
    return re.search(r"\d{6}", sms.text).group(0)


def register(phone: str = PHONE, username: str = "") -> User:
    services.sms_code_send(phone=phone, purpose="register", ip="10.0.0.1")
    return services.person_register(phone=phone, sms_code=last_code(phone), password=PASSWORD, username=username)


def test_register_stores_phone_encrypted_and_finds_it_by_blind_index():
    user = register(username="Dian_chi01")
    person = Person.objects.get(user=user)
    assert person.phone == PHONE and person.phone_index == services.phone_index(PHONE)
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM identity_person WHERE id = %s", [person.pk])
        assert PHONE not in cursor.fetchone()[0]
    assert user.username_is_custom and user.kind == "person"
    assert AuditEvent.objects.filter(action="identity.person.register").count() == 1


def test_sms_code_rules_expiry_replay_and_resend():
    services.sms_code_send(phone=PHONE, purpose="register", ip=None)
    with pytest.raises(services.TooManyRequests):
        services.sms_code_send(phone=PHONE, purpose="register", ip=None)  # within 60 s
    code = last_code()
    with pytest.raises(ValidationFailed) as wrong:
        services.sms_code_consume(phone=PHONE, purpose="register", code="000000" if code != "000000" else "111111")
    assert wrong.value.code == "code_wrong"
    assert VerificationCode.objects.get().attempts == 1, "a wrong attempt is counted even though it was refused"
    services.sms_code_consume(phone=PHONE, purpose="register", code=code)
    with pytest.raises(ValidationFailed) as replay:
        services.sms_code_consume(phone=PHONE, purpose="register", code=code)
    assert replay.value.code == "code_used"
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=6),
                                    expires_at=timezone.now() - timedelta(minutes=1), consumed_at=None)
    with pytest.raises(ValidationFailed) as expired:
        services.sms_code_consume(phone=PHONE, purpose="register", code=code)
    assert expired.value.code == "code_expired"
    services.sms_code_send(phone=PHONE, purpose="register", ip=None)  # allowed again after 60 s


def test_second_registration_of_a_phone_gets_a_clear_message():
    register()
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    services.sms_code_send(phone=PHONE, purpose="register", ip=None)
    with pytest.raises(Conflict) as caught:
        services.person_register(phone=PHONE, sms_code=last_code(), password=PASSWORD)
    assert "已注册" in caught.value.message
    assert Person.objects.count() == 1


def test_weak_password_is_refused_with_every_reason():
    services.sms_code_send(phone=PHONE, purpose="register", ip=None)
    with pytest.raises(ValidationFailed) as caught:
        services.person_register(phone=PHONE, sms_code=last_code(), password="13912345678")
    assert len(caught.value.issues) >= 2
    assert not Person.objects.exists()


def test_login_by_phone_and_username_and_lockout_after_five_failures():
    user = register(username="Dian_chi01")
    assert services.login_with_password(identifier=PHONE, password=PASSWORD, ip="10.0.0.2") == user
    assert services.login_with_password(identifier="dian_CHI01", password=PASSWORD, ip="10.0.0.2") == user
    for _ in range(5):
        with pytest.raises(services.AuthenticationFailed) as failed:
            services.login_with_password(identifier=PHONE, password="wrong-Password1", ip="10.0.0.3")
    assert failed.value.message == services.GENERIC_FAILURE
    user.refresh_from_db()
    assert user.locked_until is not None
    with pytest.raises(services.AuthenticationFailed) as locked:
        services.login_with_password(identifier=PHONE, password=PASSWORD, ip="10.0.0.3")
    assert locked.value.message == services.GENERIC_FAILURE, "a locked account is not revealed"
    assert AuditEvent.objects.filter(action="identity.login.lock").count() == 1
    assert list(audit_verify()) == []


def test_unknown_account_gets_the_same_message_and_captcha_after_three():
    for _ in range(3):
        with pytest.raises(services.AuthenticationFailed) as failed:
            services.login_with_password(identifier="13800000000", password="whatever1A", ip="10.0.0.4")
        assert failed.value.message == services.GENERIC_FAILURE
    assert services.login_needs_captcha(identifier="13800000000", ip="10.0.0.9")
    assert services.login_needs_captcha(identifier="someone_else", ip="10.0.0.4")
    assert not services.login_needs_captcha(identifier="someone_else", ip="10.0.0.9")


def test_per_ip_throttling():
    for n in range(services.IP_MAX_FAILURES):
        with pytest.raises(services.AuthenticationFailed):
            services.login_with_password(identifier=f"user_{n:04d}x", password="x", ip="10.9.9.9")
    with pytest.raises(services.TooManyRequests):
        services.login_with_password(identifier="another_one", password="x", ip="10.9.9.9")


def test_sms_login():
    user = register()
    services.sms_code_send(phone=PHONE, purpose="login", ip=None)
    assert services.login_with_sms(phone=PHONE, sms_code=last_code(), ip=None) == user
