"""Writes of the unified identity: SMS codes, registration, sign-in with lockout and throttling.

Messages never reveal whether an account exists. Every authentication event goes to the audit log.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, AuditOutcome, Target, atomic_service, audit_record
from tongban.core.crypto import blind_index, mask_phone
from tongban.core.errors import Conflict, DomainError, Issue, NotPermitted, ValidationFailed
from tongban.identity.hooks import closure_actions_run, closure_blockers
from tongban.identity.methods import AMR_FACE, AMR_OTP, AMR_PWD, AMR_SMS
from tongban.identity.models import (
    AccountKind,
    AssuranceEvent,
    AssuranceLevel,
    AuthFailure,
    CodePurpose,
    Person,
    TotpDevice,
    User,
    UserSession,
    VerificationCode,
)
from tongban.identity.passwords import password_validate
from tongban.identity.qrlogin import qr_ticket_consume
from tongban.identity.sessions import session_key_digest
from tongban.identity.totp import totp_has_device, totp_verify
from tongban.identity.validators import validate_id_number, validate_mobile, validate_person_name, validate_username
from tongban.notifications.services import sms_send

log = logging.getLogger(__name__)
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


TOTP_FAILURE = "动态口令不正确或已使用过，请输入验证器应用上最新的6位数字。连续输错5次，账号将被锁定15分钟。"


@dataclass(frozen=True)
class PendingLogin:
    """A sign-in that passed its first factor and waits for the TOTP code (kept in the browser session)."""

    user_id: int
    amr: tuple[str, ...]

    def as_session(self) -> dict[str, Any]:
        return {"uid": self.user_id, "amr": list(self.amr)}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> PendingLogin:
        return cls(user_id=int(data["uid"]), amr=tuple(str(m) for m in data["amr"]))


class SecondFactorRequired(DomainError):
    """The password or SMS code was right, and the person also asks for a TOTP code (optional for citizens)."""

    code = "second_factor_required"
    http_status = 401

    def __init__(self, pending: PendingLogin) -> None:
        super().__init__(_("请输入验证器应用上的动态口令。"))
        self.pending = pending


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


def _ip_throttled(ip: str | None) -> bool:
    return bool(ip) and AuthFailure.objects.filter(
        ip=ip, occurred_at__gte=timezone.now() - IP_FAILURE_WINDOW).count() >= IP_MAX_FAILURES


def _fail(*, index: str, user: User | None, ip: str | None, reason: str,
          message: str = GENERIC_FAILURE) -> AuthenticationFailed:
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
    return AuthenticationFailed(_(message))


def account_find(*, identifier: str) -> User | None:
    """An account by mobile number, ID number or custom username (for other apps, e.g. naming an agent)."""
    return _resolve_identifier(identifier)[1]


def login_with_password(*, identifier: str, password: str, ip: str | None, kind: str | None = None) -> User:
    """Sign in with a username, mobile number or ID number and a password; ``kind`` limits the account kind.

    A person who enabled TOTP gets :class:`SecondFactorRequired` instead of the account: the caller keeps the
    pending sign-in and completes it with :func:`login_second_factor`.
    """
    if _ip_throttled(ip):
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
    _second_factor_check(user, first_method=AMR_PWD)
    return _succeed(user, method="password")


def login_with_sms(*, phone: str, sms_code: str, ip: str | None) -> User:
    """Sign in with a mobile number and an SMS code (短信验证码登录)."""
    phone = validate_mobile(phone)
    sms_code_consume(phone=phone, purpose=CodePurpose.LOGIN, code=sms_code)
    person = Person.objects.select_related("user").filter(phone_index=phone_index(phone)).first()
    if person is None or not person.user.is_active:
        raise AuthenticationFailed(_("该手机号尚未注册，请先注册。"), code="not_registered")
    _second_factor_check(person.user, first_method=AMR_SMS)
    return _succeed(person.user, method="sms")


def _second_factor_check(user: User, *, first_method: str) -> None:
    """Stop after the first factor when the account has a TOTP device (the failure counter is not reset yet)."""
    if not totp_has_device(user=user):
        return
    audit_record(action="identity.login.first_factor", actor=_person_actor(user),
                 target=Target(type="identity.user", id=str(user.pk)), detail={"method": first_method})
    raise SecondFactorRequired(PendingLogin(user_id=user.pk, amr=(first_method,)))


def login_second_factor(*, pending: PendingLogin, code: str, ip: str | None) -> User:
    """Complete a sign-in that passed its first factor: the TOTP code (动态口令), once per time step.

    A wrong code counts towards the same lock as a wrong password (5 failures → 15 minutes).
    """
    if _ip_throttled(ip):
        raise TooManyRequests(_("登录尝试过于频繁，请15分钟后再试。"), code="login_ip_limit")
    user = User.objects.filter(pk=pending.user_id, is_active=True).first()
    index = blind_index(str(pending.user_id), context="identity.totp_login")
    if user is None:
        raise _fail(index=index, user=None, ip=ip, reason="unknown", message=TOTP_FAILURE)
    if user.locked_until and user.locked_until > timezone.now():
        raise _fail(index=index, user=None, ip=ip, reason="locked", message=TOTP_FAILURE)
    if not totp_verify(user=user, code=code):
        raise _fail(index=index, user=user, ip=ip, reason="totp", message=TOTP_FAILURE)
    return _succeed(user, method="+".join([*pending.amr, AMR_OTP]))


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
    person_password_set(user=user, new_password=new_password, keep_session_key=keep_session_key)


def person_password_set(*, user: Any, new_password: str, keep_session_key: str | None = None) -> None:
    """Set a new password for a person who re-authenticated just now (the caller checks that); every other
    session ends."""
    person = Person.objects.filter(user_id=user.pk).first()
    password_validate(new_password, username=user.get_username() if user.username_is_custom else "",
                      phone=person.phone if person else "", id_number=(person.id_number or "") if person else "")
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _end_sessions(user_id=user.pk, keep_session_key=keep_session_key)
        audit_record(action="identity.password.change", actor=_person_actor(user),
                     target=Target(type="identity.user", id=str(user.pk)))


def _end_sessions(*, user_id: int, keep_session_key: str | None) -> int:
    """End the person's tracked sessions except ``keep_session_key`` (they are signed out on their next request)."""
    others = UserSession.objects.filter(user_id=user_id, ended_at__isnull=True)
    if keep_session_key:
        others = others.exclude(session_key=session_key_digest(keep_session_key))
    return others.update(ended_at=timezone.now())


def _person_of(user: Any) -> Person:
    person = Person.objects.select_related("user").filter(user_id=user.pk, closed_at__isnull=True).first()
    if person is None or not user.is_active:
        raise NotPermitted(_("这里只面向个人（自然人）账号。"), code="not_a_person")
    return person


# ------------------------------------------------------------------ re-authentication (身份确认)


def person_reauthenticate_password(*, user: Any, password: str, ip: str | None) -> None:
    """Re-authentication before a sensitive change: the current password. A wrong one counts towards the lock."""
    index = blind_index(str(user.pk), context="identity.reauth")
    if _ip_throttled(ip):
        raise TooManyRequests(_("尝试过于频繁，请15分钟后再试。"), code="login_ip_limit")
    fresh = User.objects.get(pk=user.pk)
    if fresh.locked_until and fresh.locked_until > timezone.now():
        raise AuthenticationFailed(_("密码输错次数过多，账号已暂时锁定，请15分钟后再试。"), code="account_locked")
    if not fresh.check_password(password):
        raise _fail(index=index, user=fresh, ip=ip, reason="reauth",
                    message="密码不正确。连续输错5次，账号将被锁定15分钟。")
    audit_record(action="identity.reauth", actor=_person_actor(user),
                 target=Target(type="identity.user", id=str(user.pk)), detail={"method": AMR_PWD})


def reauth_code_send(*, user: Any, ip: str | None) -> None:
    """An SMS code to the person's current mobile number, for re-authentication."""
    person = _person_of(user)
    sms_code_send(phone=person.phone, purpose=CodePurpose.REAUTH, ip=ip)


def person_reauthenticate_sms(*, user: Any, sms_code: str) -> None:
    """Re-authentication with the SMS code sent to the current mobile number."""
    person = _person_of(user)
    sms_code_consume(phone=person.phone, purpose=CodePurpose.REAUTH, code=sms_code)
    audit_record(action="identity.reauth", actor=_person_actor(user),
                 target=Target(type="identity.user", id=str(user.pk)), detail={"method": AMR_SMS})


# ------------------------------------------------------------------ change of mobile number (更换手机号)


def phone_change_code_send(*, user: Any, new_phone: str, ip: str | None) -> None:
    """Step 1: an SMS code to the NEW number. Whether it is registered is told only after the code is checked."""
    person = _person_of(user)
    new_phone = validate_mobile(new_phone, field="new_phone")
    if phone_index(new_phone) == person.phone_index:
        raise ValidationFailed(_("新手机号与当前手机号相同。"), code="phone_same",
                               issues=[Issue("phone_same", _("新手机号与当前手机号相同。"), "new_phone")])
    sms_code_send(phone=new_phone, purpose=CodePurpose.CHANGE_PHONE, ip=ip)


def _notify_old_phone(phone: str, new_masked: str) -> None:
    try:
        sms_send(phone=phone, purpose=CodePurpose.CHANGE_PHONE, text=_(
            "【通办】您的通办账号绑定的手机号已更换为%(p)s。如非本人操作，请立即拨打12345或到政务服务窗口处理。")
            % {"p": new_masked})
    except Exception:  # the change stands; the notice is best effort and logged
        log.warning("old-number notice for a phone change was not sent", exc_info=True)


def person_phone_change(*, user: Any, new_phone: str, sms_code: str, keep_session_key: str | None) -> None:
    """Step 2 (after re-authentication): the code sent to the new number; the encrypted number and its blind index
    change together, the old number is told by SMS and every other session ends."""
    new_phone = validate_mobile(new_phone, field="new_phone")
    sms_code_consume(phone=new_phone, purpose=CodePurpose.CHANGE_PHONE, code=sms_code)
    index = phone_index(new_phone)
    taken = Conflict(_("该手机号已绑定其他账号，不能再绑定。如该号码确属本人，请先用它登录并注销或更换号码，"
                       "或携带身份证到政务服务窗口办理。"), code="phone_taken")
    try:
        with transaction.atomic():
            person = Person.objects.select_for_update().select_related("user").get(
                user_id=user.pk, closed_at__isnull=True)
            if Person.objects.filter(phone_index=index).exclude(pk=person.pk).exists():
                raise taken
            old_phone = person.phone
            person.phone, person.phone_index = new_phone, index
            person.save(update_fields=["phone", "phone_index"])
            ended = _end_sessions(user_id=user.pk, keep_session_key=keep_session_key)
            audit_record(action="identity.phone.change", actor=_person_actor(user),
                         target=Target(type="identity.user", id=str(user.pk)),
                         detail={"old": mask_phone(old_phone), "new": mask_phone(new_phone), "sessions_ended": ended})
            transaction.on_commit(lambda: _notify_old_phone(old_phone, mask_phone(new_phone)))
    except IntegrityError:  # two accounts racing for the same new number: one wins
        raise taken from None


# ------------------------------------------------------------------ face login (刷脸登录)


FACE_FAILURE = ("刷脸登录未通过。请确认手机号或身份证号填写正确、本人已完成实名认证，并在光线充足处正对镜头重新拍照；"
                "也可以改用密码或短信验证码登录。连续失败5次，账号将被锁定15分钟。")


@dataclass(frozen=True)
class FaceLoginCandidate:
    """Who a face login claims to be: the verified name and ID number to compare the photo with. Never shown."""

    index: str
    user_id: int
    name: str
    id_number: str


def login_face_begin(*, identifier: str, ip: str | None) -> FaceLoginCandidate:
    """刷脸登录, step 1: the account by mobile or ID number; only verified persons (level ≥ 2) can use it.

    Refusals look the same whether or not the account exists, and count like wrong passwords.
    """
    if _ip_throttled(ip):
        raise TooManyRequests(_("登录尝试过于频繁，请15分钟后再试。"), code="login_ip_limit")
    raw = (identifier or "").strip()
    if not (_looks_like(validate_mobile, raw) or _looks_like(validate_id_number, raw)):
        message = _("请填写手机号或身份证号。")
        raise ValidationFailed(message, code="identifier_invalid", issues=[Issue("identifier_invalid", message,
                                                                                  "identifier")])
    index, user = _resolve_identifier(raw)
    if user is None or not user.is_active or user.kind != AccountKind.PERSON:
        raise _fail(index=index, user=None, ip=ip, reason="unknown", message=FACE_FAILURE)
    if user.locked_until and user.locked_until > timezone.now():
        raise _fail(index=index, user=None, ip=ip, reason="locked", message=FACE_FAILURE)
    person = Person.objects.filter(user_id=user.pk).first()
    if (person is None or person.assurance_level < AssuranceLevel.ID_CHECKED or not person.identity_locked
            or not person.id_number):
        raise _fail(index=index, user=user, ip=ip, reason="not_verified", message=FACE_FAILURE)
    return FaceLoginCandidate(index=index, user_id=user.pk, name=person.name, id_number=person.id_number)


def _looks_like(check: Any, raw: str) -> bool:
    try:
        check(raw)
    except ValidationFailed:
        return False
    return True


def login_face_finish(*, candidate: FaceLoginCandidate, matched: bool | None, ip: str | None) -> User:
    """刷脸登录, step 2: the face provider's answer. ``None`` (provider unavailable) is refused without counting."""
    user = User.objects.get(pk=candidate.user_id)
    if matched is None:
        audit_record(action="identity.login", actor=_person_actor(user), outcome=AuditOutcome.FAILURE,
                     target=Target(type="identity.user", id=str(user.pk)),
                     detail={"reason": "provider_unavailable", "method": AMR_FACE})
        raise AuthenticationFailed(_(FACE_FAILURE), code="face_unavailable")
    if not matched:
        raise _fail(index=candidate.index, user=user, ip=ip, reason="face", message=FACE_FAILURE)
    return _succeed(user, method="face")


# ------------------------------------------------------------------ QR login (扫码登录)


def login_with_qr(*, ticket: str, browser_session_key: str | None, ip: str | None) -> User:
    """The PC browser completes a QR login its owner confirmed on a signed-in phone (ticket used once)."""
    user_id = qr_ticket_consume(ticket=ticket, browser_session_key=browser_session_key)
    user = User.objects.filter(pk=user_id, is_active=True, kind=AccountKind.PERSON).first()
    if user is None:
        raise AuthenticationFailed(_("扫码登录未完成，请刷新二维码重新扫码。"), code="qr_invalid")
    return _succeed(user, method="qr")


# ------------------------------------------------------------------ closing the account (注销账号)


# How long the personal data of a closed account stays (encrypted) before it is deleted: docs/adr/0011.
CLOSED_ACCOUNT_RETENTION = timedelta(days=3 * 365)


def person_close_blockers(*, user: Any) -> list[str]:
    """Why the account cannot be closed now (from other apps' hooks, e.g. an active legal representative)."""
    return closure_blockers(user.pk)


@atomic_service
def person_account_close(*, user: Any) -> datetime:
    """注销: after re-authentication and an explicit confirmation. The account is disabled, every session ends,
    other apps run their closing actions (OIDC tokens revoked), the phone and ID blind indexes are released so the
    number can register again, and the personal fields stay encrypted until the returned date."""
    person = Person.objects.select_for_update().select_related("user").filter(
        user_id=user.pk, closed_at__isnull=True).first()
    if person is None:
        raise NotPermitted(_("这里只面向个人（自然人）账号。"), code="not_a_person")
    reasons = closure_blockers(user.pk)
    if reasons:
        raise Conflict(_("暂时不能注销账号：") + "；".join(reasons), code="closure_blocked",
                       issues=[Issue("closure_blocked", reason) for reason in reasons])
    now = timezone.now()
    person.closed_at, person.retain_until = now, now + CLOSED_ACCOUNT_RETENTION
    person.phone_index, person.id_number_index = None, None
    person.save(update_fields=["closed_at", "retain_until", "phone_index", "id_number_index"])
    User.objects.filter(pk=user.pk).update(is_active=False)
    TotpDevice.objects.filter(user_id=user.pk).delete()
    ended = _end_sessions(user_id=user.pk, keep_session_key=None)
    actions = closure_actions_run(user.pk)
    audit_record(action="identity.person.close", actor=_person_actor(user),
                 target=Target(type="identity.user", id=str(user.pk)),
                 detail={"retain_until": person.retain_until.isoformat(), "sessions_ended": ended,
                         "hooks": actions})
    return person.retain_until
