"""Writes of the unified identity: SMS codes, registration, sign-in with lockout and throttling.

Messages never reveal whether an account exists. Every authentication event goes to the audit log.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, AuditOutcome, Target, atomic_service, audit_record
from tongban.core.crypto import blind_index
from tongban.core.errors import Conflict, DomainError, ValidationFailed
from tongban.identity.models import (
    AccountKind,
    AssuranceEvent,
    AssuranceLevel,
    AuthFailure,
    CodePurpose,
    Person,
    User,
    UserSession,
    VerificationCode,
)
from tongban.identity.passwords import password_validate
from tongban.identity.sessions import session_key_digest
from tongban.identity.totp import totp_verify
from tongban.identity.validators import validate_id_number, validate_mobile, validate_person_name, validate_username
from tongban.notifications.services import sms_send

CODE_TTL = timedelta(minutes=5)
CODE_RESEND_AFTER = timedelta(seconds=60)
CODE_MAX_PER_PHONE_PER_DAY = 10
CODE_MAX_PER_IP_PER_HOUR = 30
CODE_MAX_ATTEMPTS = 5
LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
CAPTCHA_AFTER_FAILURES = 3
IP_FAILURE_WINDOW = timedelta(minutes=15)
IP_MAX_FAILURES = 30

PHONE_CONTEXT = "identity.person.phone"
ID_CONTEXT = "identity.person.id_number"


class TooManyRequests(DomainError):
    code = "too_many_requests"
    http_status = 429


class AuthenticationFailed(DomainError):
    code = "authentication_failed"
    http_status = 401


def phone_index(phone: str) -> str:
    return blind_index(phone, context=PHONE_CONTEXT)


def id_number_index(id_number: str) -> str:
    return blind_index(id_number, context=ID_CONTEXT)


def _code_digest(code: str, phone_idx: str, purpose: str) -> str:
    return blind_index(code, context=f"identity.sms_code:{purpose}:{phone_idx}")


def _person_actor(user: User) -> Actor:
    return Actor(kind="person" if user.kind == AccountKind.PERSON else str(user.kind), id=str(user.pk),
                 label=user.get_username())


# ------------------------------------------------------------------ SMS codes


@atomic_service
def sms_code_send(*, phone: str, purpose: str, ip: str | None) -> None:
    """Send a 6-digit code valid for 5 minutes; resend after 60 s; rate-limited per phone and per IP."""
    phone = validate_mobile(phone)
    if purpose not in CodePurpose.values:
        raise ValidationFailed(_("验证码用途不正确。"), code="bad_purpose")
    now = timezone.now()
    index = phone_index(phone)
    recent = VerificationCode.objects.filter(phone_index=index, purpose=purpose).order_by("-created_at").first()
    if recent is not None and now - recent.created_at < CODE_RESEND_AFTER:
        wait = int((CODE_RESEND_AFTER - (now - recent.created_at)).total_seconds()) + 1
        raise TooManyRequests(_("验证码已发送，请%(s)d秒后再重新获取。") % {"s": wait}, code="code_resend_too_soon")
    if VerificationCode.objects.filter(phone_index=index, created_at__gte=now - timedelta(days=1)).count() \
            >= CODE_MAX_PER_PHONE_PER_DAY:
        raise TooManyRequests(_("该手机号今天获取验证码的次数已达上限，请明天再试。"), code="code_phone_limit")
    if ip and VerificationCode.objects.filter(ip=ip, created_at__gte=now - timedelta(hours=1)).count() \
            >= CODE_MAX_PER_IP_PER_HOUR:
        raise TooManyRequests(_("获取验证码过于频繁，请稍后再试。"), code="code_ip_limit")
    code = f"{secrets.randbelow(10**6):06d}"
    VerificationCode.objects.create(purpose=purpose, phone_index=index, code_hash=_code_digest(code, index, purpose),
                                    ip=ip, expires_at=now + CODE_TTL)
    sms_send(phone=phone, purpose=purpose,
             text=_("【通办】您的验证码是%(code)s，5分钟内有效。请勿把验证码告诉他人。") % {"code": code})
    audit_record(action="identity.sms_code.send", actor=Actor(kind="anonymous"),
                 target=Target(type="identity.phone", id=index[:16]), detail={"purpose": purpose})


def sms_code_consume(*, phone: str, purpose: str, code: str) -> None:
    """Check and use up the latest code. A wrong attempt is counted even though the caller is refused."""
    with transaction.atomic():
        error = _sms_code_check(phone=phone, purpose=purpose, code=code)
    if error is not None:
        raise error


def _sms_code_check(*, phone: str, purpose: str, code: str) -> ValidationFailed | None:
    index = phone_index(phone)
    latest = (VerificationCode.objects.select_for_update().filter(phone_index=index, purpose=purpose)
              .order_by("-created_at").first())
    if latest is None:
        return ValidationFailed(_("请先获取短信验证码。"), code="code_missing")
    if latest.consumed_at is not None:
        return ValidationFailed(_("该验证码已使用，请重新获取。"), code="code_used")
    if timezone.now() > latest.expires_at:
        return ValidationFailed(_("验证码已过期，请重新获取。"), code="code_expired")
    if latest.attempts >= CODE_MAX_ATTEMPTS:
        return ValidationFailed(_("验证码输错次数过多，请重新获取。"), code="code_attempts")
    code = (code or "").strip()
    if not (len(code) == 6 and code.isdigit()) or _code_digest(code, index, purpose) != latest.code_hash:
        VerificationCode.objects.filter(pk=latest.pk).update(attempts=latest.attempts + 1)
        return ValidationFailed(_("短信验证码不正确。"), code="code_wrong")
    latest.consumed_at = timezone.now()
    latest.save(update_fields=["consumed_at"])
    return None


# ------------------------------------------------------------------ registration


def person_register(*, phone: str, sms_code: str, password: str, username: str = "", ip: str | None = None) -> User:
    """注册: a natural person with a verified mobile number. Two registrations racing for one phone: one wins."""
    phone = validate_mobile(phone)
    user_model = get_user_model()
    custom = ""
    if username.strip():
        custom = validate_username(username, taken=lambda name: user_model.objects.filter(
            username__iexact=name).exists())
    password_validate(password, username=custom, phone=phone)
    index = phone_index(phone)
    # The code is checked (and a wrong attempt counted) in its own transaction; only someone holding the phone
    # learns whether it is already registered.
    sms_code_consume(phone=phone, purpose=CodePurpose.REGISTER, code=sms_code)
    if Person.objects.filter(phone_index=index).exists():
        raise Conflict(_("该手机号已注册，请直接登录或找回密码。"), code="phone_registered")
    try:
        with transaction.atomic():
            user = user_model.objects.create_user(username=custom or f"p{uuid.uuid4().hex[:20]}", password=password,
                                                  kind=AccountKind.PERSON, username_is_custom=bool(custom))
            Person.objects.create(user=user, phone=phone, phone_index=index)
            audit_record(action="identity.person.register", actor=_person_actor(user),
                         target=Target(type="identity.user", id=str(user.pk)))
    except IntegrityError:
        raise Conflict(_("该手机号或用户名已被注册，请直接登录。"), code="already_registered") from None
    return user


# ------------------------------------------------------------------ sign-in


def _resolve_identifier(identifier: str) -> tuple[str, User | None]:
    """A username, mobile number or ID number → (its blind index for throttling, the account or None)."""
    raw = (identifier or "").strip()
    user_model = get_user_model()
    try:
        phone = validate_mobile(raw)
    except ValidationFailed:
        pass
    else:
        index = phone_index(phone)
        person = Person.objects.select_related("user").filter(phone_index=index).first()
        return index, person.user if person else None
    try:
        id_number = validate_id_number(raw)
    except ValidationFailed:
        pass
    else:
        index = id_number_index(id_number)
        person = Person.objects.select_related("user").filter(id_number_index=index).first()
        return index, person.user if person else None
    return blind_index(raw.lower(), context="identity.username"), user_model.objects.filter(
        username__iexact=raw, username_is_custom=True).first()


def login_needs_captcha(*, identifier: str, ip: str | None) -> bool:
    """After 3 failures for this identifier (or from this address) the form also asks for the image captcha."""
    index, _user = _resolve_identifier(identifier)
    since = timezone.now() - IP_FAILURE_WINDOW
    return AuthFailure.objects.filter(identifier_index=index, occurred_at__gte=since).count() >= \
        CAPTCHA_AFTER_FAILURES or (ip is not None and AuthFailure.objects.filter(
            ip=ip, occurred_at__gte=since).count() >= CAPTCHA_AFTER_FAILURES)


GENERIC_FAILURE = "账号或密码不正确。连续输错5次，账号将被锁定15分钟。"


def _fail(*, index: str, user: User | None, ip: str | None, reason: str) -> AuthenticationFailed:
    with transaction.atomic():
        AuthFailure.objects.create(ip=ip, identifier_index=index)
        detail: dict[str, Any] = {"reason": reason}
        if user is not None:
            user.failed_logins += 1
            fields = ["failed_logins"]
            if user.failed_logins >= LOCK_AFTER_FAILURES:
                user.locked_until = timezone.now() + LOCK_FOR
                user.failed_logins = 0
                fields.append("locked_until")
                detail["locked_until"] = user.locked_until.isoformat()
                audit_record(action="identity.login.lock", actor=_person_actor(user),
                             target=Target(type="identity.user", id=str(user.pk)), outcome=AuditOutcome.SUCCESS)
            user.save(update_fields=fields)
        audit_record(action="identity.login", actor=_person_actor(user) if user else Actor(kind="anonymous"),
                     target=Target(type="identity.user", id=str(user.pk) if user else ""),
                     outcome=AuditOutcome.FAILURE, detail=detail)
    return AuthenticationFailed(_(GENERIC_FAILURE))


def account_find(*, identifier: str) -> User | None:
    """An account by mobile number, ID number or custom username (for other apps, e.g. naming an agent)."""
    return _resolve_identifier(identifier)[1]


def login_with_password(*, identifier: str, password: str, ip: str | None, kind: str | None = None) -> User:
    """Sign in with a username, mobile number or ID number and a password; ``kind`` limits the account kind."""
    if ip and AuthFailure.objects.filter(ip=ip, occurred_at__gte=timezone.now() - IP_FAILURE_WINDOW).count() \
            >= IP_MAX_FAILURES:
        raise TooManyRequests(_("登录尝试过于频繁，请15分钟后再试。"), code="login_ip_limit")
    index, user = _resolve_identifier(identifier)
    if user is None or not user.is_active or (kind is not None and user.kind != kind):
        user_model = get_user_model()
        user_model().set_password(password)  # spend the same time as a real check
        raise _fail(index=index, user=None, ip=ip, reason="unknown")
    if user.locked_until and user.locked_until > timezone.now():
        raise _fail(index=index, user=None, ip=ip, reason="locked")
    if not user.check_password(password):  # also upgrades an older hash on success
        raise _fail(index=index, user=user, ip=ip, reason="password")
    return _succeed(user, method="password")


def login_with_sms(*, phone: str, sms_code: str, ip: str | None) -> User:
    """Sign in with a mobile number and an SMS code (短信验证码登录)."""
    phone = validate_mobile(phone)
    sms_code_consume(phone=phone, purpose=CodePurpose.LOGIN, code=sms_code)
    person = Person.objects.select_related("user").filter(phone_index=phone_index(phone)).first()
    if person is None or not person.user.is_active:
        raise AuthenticationFailed(_("该手机号尚未注册，请先注册。"), code="not_registered")
    return _succeed(person.user, method="sms")


def _succeed(user: User, *, method: str) -> User:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login=timezone.now())
        audit_record(action="identity.login", actor=_person_actor(user),
                     target=Target(type="identity.user", id=str(user.pk)), detail={"method": method})
    return user


# ------------------------------------------------------------------ real-name assurance


@atomic_service
def person_assurance_raise(
    *, user_id: int, level: int, method: str, provider: str, name: str | None = None, id_number: str | None = None,
) -> None:
    """Record a successful real-name check (实名核验): the level only goes up, and the verified name and ID number
    are locked from then on (a change needs a reviewed correction request, 纠错).

    Called by the real-name verification routes after their provider confirmed the identity.
    """
    person = Person.objects.select_for_update().select_related("user").get(user_id=user_id)
    if level not in AssuranceLevel.values:
        raise ValidationFailed(_("实名等级不正确。"), code="bad_level")
    if id_number is not None:
        id_number = validate_id_number(id_number)
        index = id_number_index(id_number)
        if person.identity_locked and person.id_number_index != index:
            raise Conflict(_("身份信息已核验锁定，如需更正请提交纠错申请。"), code="identity_locked")
        if Person.objects.filter(id_number_index=index).exclude(pk=person.pk).exists():
            raise Conflict(_("该身份证号已绑定其他账号。如非本人操作，请到政务服务窗口办理。"), code="id_number_taken")
        person.id_number, person.id_number_index = id_number, index
    if name is not None:
        name = validate_person_name(name)
        if person.identity_locked and person.name != name:
            raise Conflict(_("身份信息已核验锁定，如需更正请提交纠错申请。"), code="identity_locked")
        person.name = name
    if person.id_number is None or not person.name:
        raise ValidationFailed(_("实名核验需要姓名和身份证号。"), code="identity_incomplete")
    now = timezone.now()
    if level > person.assurance_level:
        person.assurance_level, person.assurance_method, person.assurance_at = level, method, now
    person.identity_locked = True
    person.save()
    AssuranceEvent.objects.create(person=person, level=level, method=method, provider=provider)
    audit_record(action="identity.assurance.raise", actor=_person_actor(person.user),
                 target=Target(type="identity.user", id=str(user_id)),
                 detail={"level": level, "method": method, "provider": provider})


@atomic_service
def person_identity_correct(*, user_id: int, name: str, id_number: str, reviewer: Actor, reason: str) -> None:
    """纠错: staff, after reviewing a correction request, replace a locked verified identity."""
    if not reason.strip():
        raise ValidationFailed(_("请填写更正原因。"), code="reason_required")
    person = Person.objects.select_for_update().get(user_id=user_id)
    id_number = validate_id_number(id_number)
    index = id_number_index(id_number)
    if Person.objects.filter(id_number_index=index).exclude(pk=person.pk).exists():
        raise Conflict(_("该身份证号已绑定其他账号。"), code="id_number_taken")
    person.name, person.id_number, person.id_number_index = validate_person_name(name), id_number, index
    person.save()
    audit_record(action="identity.identity.correct", actor=reviewer, target=Target(type="identity.user",
                 id=str(user_id)), detail={"reason": reason})


# ------------------------------------------------------------------ staff sign-in (password, then TOTP)


def staff_password_check(*, username: str, password: str, ip: str | None) -> User:
    """First factor of a staff sign-in. The session is opened only after :func:`staff_second_factor`."""
    if ip and AuthFailure.objects.filter(ip=ip, occurred_at__gte=timezone.now() - IP_FAILURE_WINDOW).count() \
            >= IP_MAX_FAILURES:
        raise TooManyRequests(_("登录尝试过于频繁，请15分钟后再试。"), code="login_ip_limit")
    raw = (username or "").strip()
    index = blind_index(raw.lower(), context="identity.staff_username")
    user = get_user_model().objects.filter(username__iexact=raw, kind=AccountKind.STAFF, is_active=True).first()
    if user is None:
        get_user_model()().set_password(password)
        raise _fail(index=index, user=None, ip=ip, reason="unknown")
    if user.locked_until and user.locked_until > timezone.now():
        raise _fail(index=index, user=None, ip=ip, reason="locked")
    if not user.check_password(password):
        raise _fail(index=index, user=user, ip=ip, reason="password")
    return user


def staff_second_factor(*, user: User, code: str, ip: str | None, enrolling: bool) -> User:
    """Second factor (mandatory for staff): a TOTP code, or the first code of a new enrolment."""
    if not totp_verify(user=user, code=code, confirming=enrolling):
        index = blind_index(user.get_username().lower(), context="identity.staff_username")
        _fail(index=index, user=user, ip=ip, reason="totp")  # counts towards the lock like a wrong password
        raise AuthenticationFailed(_("动态口令不正确或已使用过，请输入验证器应用上最新的6位数字。"), code="totp_wrong")
    return _succeed(user, method="pwd+otp")


@atomic_service
def person_register_at_window(*, phone: str, password: str, actor: Actor, username: str = "") -> User:
    """窗口代注册: staff register a person whose mobile number they checked in person (no SMS code needed).

    Also used by the demo loader. The person sets a new password at first sign-in in a later version.
    """
    phone = validate_mobile(phone)
    user_model = get_user_model()
    custom = validate_username(username, taken=lambda name: user_model.objects.filter(
        username__iexact=name).exists()) if username.strip() else ""
    password_validate(password, username=custom, phone=phone)
    index = phone_index(phone)
    if Person.objects.filter(phone_index=index).exists():
        raise Conflict(_("该手机号已注册。"), code="phone_registered")
    user = user_model.objects.create_user(username=custom or f"p{uuid.uuid4().hex[:20]}", password=password,
                                          kind=AccountKind.PERSON, username_is_custom=bool(custom))
    Person.objects.create(user=user, phone=phone, phone_index=index)
    audit_record(action="identity.person.register_at_window", actor=actor,
                 target=Target(type="identity.user", id=str(user.pk)))
    return user


def person_password_change(
    *, user: User, current_password: str, new_password: str, ip: str | None, keep_session_key: str | None = None,
) -> None:
    """Change the password after re-entering the current one (re-authentication); every other session ends."""
    if not user.check_password(current_password):
        raise _fail(index=blind_index(str(user.pk), context="identity.password_change"), user=user, ip=ip,
                    reason="reauth")
    person = Person.objects.filter(user_id=user.pk).first()
    password_validate(new_password, username=user.get_username() if user.username_is_custom else "",
                      phone=person.phone if person else "", id_number=(person.id_number or "") if person else "")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        others = UserSession.objects.filter(user=user, ended_at__isnull=True)
        if keep_session_key:
            others = others.exclude(session_key=session_key_digest(keep_session_key))
        others.update(ended_at=timezone.now())
        audit_record(action="identity.password.change", actor=_person_actor(user),
                     target=Target(type="identity.user", id=str(user.pk)))
