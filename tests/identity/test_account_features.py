"""Citizen account features behind the pages: TOTP at sign-in, re-authentication, phone change, profile,
export and closing the account."""

import re
from datetime import timedelta

import pyotp
import pytest
from django.db import connection
from django.utils import timezone

from tests.organizations.helpers import WANG_ID
from tests.organizations.helpers import person as org_person
from tests.organizations.helpers import register as org_register
from tongban.core.audit import audit_verify
from tongban.core.errors import Conflict, NotFound, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.identity import profile, services
from tongban.identity.export import person_data_export
from tongban.identity.models import Address, EmergencyContact, Person, TotpDevice, User, UserSession, VerificationCode
from tongban.identity.selectors import address_list_for_person, contact_list_for_person, person_profile
from tongban.identity.totp import totp_disable, totp_enrollment, totp_verify
from tongban.notifications.models import SimulatedSms

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
NEW_PHONE = "13698765432"
PASSWORD = "Yunnan#2026road"


def last_sms(phone: str) -> SimulatedSms:
    sms = next((m for m in SimulatedSms.objects.order_by("-created_at", "-pk") if m.phone == phone), None)
    assert sms is not None
    return sms


def last_code(phone: str) -> str:
    return re.search(r"\d{6}", last_sms(phone).text).group(0)


def register(phone: str = PHONE) -> User:
    services.sms_code_send(phone=phone, purpose="register", ip=None)
    return services.person_register(phone=phone, sms_code=last_code(phone), password=PASSWORD)


def enable_totp(user: User) -> pyotp.TOTP:
    secret, uri = totp_enrollment(user=user, label="139****5678")
    assert "otpauth://" in uri
    totp = pyotp.TOTP(secret)
    assert totp_verify(user=user, code=totp.now(), confirming=True)
    TotpDevice.objects.filter(user=user).update(last_step=0)  # let the sign-in below use the current step again
    return totp


# ------------------------------------------------------------------ TOTP as second factor


def test_password_sign_in_of_a_person_with_totp_stops_after_the_first_factor():
    user = register()
    totp = enable_totp(user)
    with pytest.raises(services.SecondFactorRequired) as caught:
        services.login_with_password(identifier=PHONE, password=PASSWORD, ip="10.1.0.1")
    pending = caught.value.pending
    assert pending.user_id == user.pk and pending.amr == ("pwd",)
    assert services.PendingLogin.from_session(pending.as_session()) == pending
    assert User.objects.get(pk=user.pk).last_login is None, "no session before the second factor"
    signed_in = services.login_second_factor(pending=pending, code=totp.now(), ip="10.1.0.1")
    assert signed_in == user
    assert AuditEvent.objects.filter(action="identity.login", detail__method="pwd+otp").exists()
    with pytest.raises(services.AuthenticationFailed):
        services.login_second_factor(pending=pending, code=totp.now(), ip="10.1.0.1")  # replayed step


def test_sms_sign_in_also_asks_for_the_second_factor():
    user = register()
    totp = enable_totp(user)
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    services.sms_code_send(phone=PHONE, purpose="login", ip=None)
    with pytest.raises(services.SecondFactorRequired) as caught:
        services.login_with_sms(phone=PHONE, sms_code=last_code(PHONE), ip=None)
    assert caught.value.pending.amr == ("sms",)
    assert services.login_second_factor(pending=caught.value.pending, code=totp.now(), ip=None) == user


def test_wrong_totp_codes_lock_the_account_like_wrong_passwords():
    user = register()
    totp = enable_totp(user)
    pending = services.PendingLogin(user_id=user.pk, amr=("pwd",))
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(services.LOCK_AFTER_FAILURES):
        with pytest.raises(services.AuthenticationFailed) as caught:
            services.login_second_factor(pending=pending, code=wrong, ip="10.1.0.2")
        assert "动态口令不正确" in caught.value.message
    assert User.objects.get(pk=user.pk).locked_until > timezone.now()
    with pytest.raises(services.AuthenticationFailed):
        services.login_second_factor(pending=pending, code=totp.now(), ip="10.1.0.2")
    # The right password does not reset the counter while the second factor is missing.
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=4)
    with pytest.raises(services.SecondFactorRequired):
        services.login_with_password(identifier=PHONE, password=PASSWORD, ip="10.1.0.3")
    assert User.objects.get(pk=user.pk).failed_logins == 4


def test_without_totp_the_sign_in_is_complete_and_disabling_removes_the_factor():
    user = register()
    assert services.login_with_password(identifier=PHONE, password=PASSWORD, ip=None) == user
    enable_totp(user)
    assert person_profile(user=user).totp_enabled
    assert totp_disable(user=user)
    assert not person_profile(user=user).totp_enabled
    assert services.login_with_password(identifier=PHONE, password=PASSWORD, ip=None) == user
    assert AuditEvent.objects.filter(action="identity.totp.disable").count() == 1


# ------------------------------------------------------------------ re-authentication


def test_reauthentication_by_password_counts_failures_and_by_sms_uses_the_current_phone():
    user = register()
    with pytest.raises(services.AuthenticationFailed):
        services.person_reauthenticate_password(user=user, password="nope", ip=None)
    assert User.objects.get(pk=user.pk).failed_logins == 1
    services.person_reauthenticate_password(user=user, password=PASSWORD, ip=None)
    VerificationCode.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    services.reauth_code_send(user=user, ip=None)
    sms = SimulatedSms.objects.order_by("-created_at", "-pk").first()
    assert sms.phone == PHONE and sms.purpose == "reauth"
    with pytest.raises(ValidationFailed):
        services.person_reauthenticate_sms(user=user, sms_code="000000" if last_code(PHONE) != "000000" else "1")
    services.person_reauthenticate_sms(user=user, sms_code=last_code(PHONE))
    assert AuditEvent.objects.filter(action="identity.reauth").count() == 2


# ------------------------------------------------------------------ change of mobile number


def _change_phone(user: User, new_phone: str, keep: str | None = None) -> None:
    services.phone_change_code_send(user=user, new_phone=new_phone, ip=None)
    services.person_phone_change(user=user, new_phone=new_phone, sms_code=last_code(new_phone), keep_session_key=keep)


def test_phone_change_updates_the_encrypted_number_notifies_the_old_one_and_ends_other_sessions(
        django_capture_on_commit_callbacks):
    user = register()
    UserSession.objects.create(user=user, session_key="a" * 64)
    with django_capture_on_commit_callbacks(execute=True):
        _change_phone(user, NEW_PHONE)
    person = Person.objects.get(user=user)
    assert person.phone == NEW_PHONE and person.phone_index == services.phone_index(NEW_PHONE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM identity_person WHERE id = %s", [person.pk])
        assert NEW_PHONE not in cursor.fetchone()[0]
    notice = last_sms(PHONE)
    assert "136****5432" in notice.text and NEW_PHONE not in notice.text
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()
    assert services.login_with_password(identifier=NEW_PHONE, password=PASSWORD, ip=None) == user
    with pytest.raises(services.AuthenticationFailed):
        services.login_with_password(identifier=PHONE, password=PASSWORD, ip=None)
    event = AuditEvent.objects.get(action="identity.phone.change")
    assert event.detail["new"] == "136****5432" and NEW_PHONE not in str(event.detail)


def test_a_number_held_by_another_account_gets_a_clear_message_without_naming_it():
    user = register()
    register(NEW_PHONE)
    services.phone_change_code_send(user=user, new_phone=NEW_PHONE, ip=None)
    with pytest.raises(Conflict) as caught:
        services.person_phone_change(user=user, new_phone=NEW_PHONE, sms_code=last_code(NEW_PHONE),
                                     keep_session_key=None)
    assert caught.value.code == "phone_taken" and "已绑定其他账号" in caught.value.message
    assert Person.objects.get(user=user).phone == PHONE
    with pytest.raises(ValidationFailed) as same:
        services.phone_change_code_send(user=user, new_phone=PHONE, ip=None)
    assert same.value.code == "phone_same"


def test_a_wrong_code_for_the_new_number_changes_nothing():
    user = register()
    services.phone_change_code_send(user=user, new_phone=NEW_PHONE, ip=None)
    wrong = "000000" if last_code(NEW_PHONE) != "000000" else "111111"
    with pytest.raises(ValidationFailed):
        services.person_phone_change(user=user, new_phone=NEW_PHONE, sms_code=wrong, keep_session_key=None)
    assert Person.objects.get(user=user).phone == PHONE


# ------------------------------------------------------------------ profile: addresses, contacts, preferences


def test_addresses_are_encrypted_masked_and_scoped_to_their_owner():
    user, other = register(), register(NEW_PHONE)
    detail = "石林镇<script>alert(1)</script>' OR 1=1 --路88号"
    first = profile.address_add(user=user, region_code="530126000000", detail=detail, label="家")
    second = profile.address_add(user=user, region_code="530102000000", detail="北京路100号", label="单位")
    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM identity_address WHERE id = %s", [first])
        assert "石林镇" not in cursor.fetchone()[0]
    assert Address.objects.get(pk=first).detail == detail, "stored exactly"
    rows = address_list_for_person(user=user)
    assert [r.is_default for r in rows] == [True, False], "the first address is the default"
    assert rows[0].detail_masked.startswith("石林镇<sc") and detail not in rows[0].detail_masked
    profile.address_set_default(user=user, address_id=second)
    assert address_list_for_person(user=user)[0].id == second
    with pytest.raises(NotFound):
        profile.address_delete(user=other, address_id=first)
    with pytest.raises(ValidationFailed) as bad:
        profile.address_add(user=user, region_code="5301", detail="", label="")
    assert {i.field for i in bad.value.issues} == {"region_code", "detail"}
    profile.address_delete(user=user, address_id=second)
    assert [r.is_default for r in address_list_for_person(user=user)] == [True], "the default moves on"


def test_contacts_are_validated_encrypted_and_masked():
    user = register()
    contact_id = profile.contact_add(user=user, name="阿依古丽·买买提", phone="138 0000 0009", relation="child")
    row = EmergencyContact.objects.get(pk=contact_id)
    assert row.name == "阿依古丽·买买提" and row.phone == "13800000009"
    shown = contact_list_for_person(user=user)[0]
    assert shown.phone_masked == "138****0009" and "买买提" not in shown.name_masked
    assert shown.relation_label == "子女"
    with pytest.raises(ValidationFailed) as bad:
        profile.contact_add(user=user, name="", phone="12345", relation="boss")
    assert {i.field for i in bad.value.issues} == {"name", "phone", "relation"}
    other = register(NEW_PHONE)
    with pytest.raises(NotFound):
        profile.contact_delete(user=other, contact_id=contact_id)
    profile.contact_delete(user=user, contact_id=contact_id)
    assert not EmergencyContact.objects.exists()


def test_preferences():
    user = register()
    profile.preferences_update(user=user, elder_mode=True, notify_channel="site")
    shown = person_profile(user=user)
    assert shown.elder_mode and shown.notify_channel == "site"
    with pytest.raises(ValidationFailed):
        profile.preferences_update(user=user, elder_mode=False, notify_channel="pigeon")


# ------------------------------------------------------------------ export


def test_export_holds_everything_unmasked_and_is_audited_as_a_reveal():
    user = org_person(name="𠮷祥", id_number=WANG_ID)
    profile.address_add(user=user, region_code="530126000000", detail="石林镇1号")
    profile.contact_add(user=user, name="王小红", phone="13800000009", relation="spouse")
    data = person_data_export(user=user)
    assert data["profile"]["name"] == "𠮷祥" and data["profile"]["id_number"] == WANG_ID
    assert data["profile"]["phone"] == user.phone
    assert data["addresses"][0]["detail"] == "石林镇1号"
    assert data["emergency_contacts"][0]["phone"] == "13800000009"
    assert data["assurance_history"][0]["level"] == 2
    assert {"realname", "sso_consents"} <= set(data), "sections from the realname and oidc hooks"
    event = AuditEvent.objects.get(action="identity.person.export")
    assert "id_number" in event.detail["reveal"]
    assert list(audit_verify()) == []


# ------------------------------------------------------------------ closing the account


def test_closing_releases_the_phone_and_id_number_keeps_data_encrypted_and_ends_everything():
    user = org_person(name="李石林", id_number="53012619850707456X")
    phone = user.phone
    UserSession.objects.create(user=user, session_key="b" * 64)
    until = services.person_account_close(user=user)
    person = Person.objects.get(user=user)
    assert person.phone_index is None and person.id_number_index is None
    assert person.phone == phone and person.id_number == "53012619850707456X", "kept, encrypted"
    assert until - timezone.now() > timedelta(days=3 * 365 - 1)
    assert not User.objects.get(pk=user.pk).is_active
    assert not UserSession.objects.filter(user=user, ended_at__isnull=True).exists()
    assert person_profile(user=user) is None
    with pytest.raises(services.AuthenticationFailed):
        services.login_with_password(identifier=phone, password=PASSWORD, ip=None)
    again = register(phone)
    services.person_assurance_raise(user_id=again.pk, level=2, method="population", provider="test", name="李石林",
                                    id_number="53012619850707456X")
    event = AuditEvent.objects.get(action="identity.person.close")
    assert "oidc" in event.detail["hooks"]


def test_closing_is_refused_for_a_legal_representative_of_an_active_organisation():
    wang = org_person(name="王晓明", id_number=WANG_ID)
    org_register(wang)
    reasons = services.person_close_blockers(user=wang)
    assert reasons and "法定代表人" in reasons[0] and "云南滇池示范科技有限公司" in reasons[0]
    with pytest.raises(Conflict) as caught:
        services.person_account_close(user=wang)
    assert caught.value.code == "closure_blocked"
    assert User.objects.get(pk=wang.pk).is_active
    assert Person.objects.get(user=wang).phone_index is not None
