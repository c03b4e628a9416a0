"""Writes of the legal-person app (法人): registration and confirmation, sign-in (password, certificate), agents.

Services are keyword-only and atomic; every status change goes through :mod:`tongban.organizations.workflow`;
every action is audited, with the organisation as ``on_behalf_of``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import (
    SYSTEM,
    Actor,
    AuditOutcome,
    Target,
    atomic_service,
    audit_record,
    concealed_denial,
    denial,
)
from tongban.core.errors import Conflict, DomainError, Issue, NotFound, NotPermitted, ValidationFailed
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.identity import services as identity_services
from tongban.identity.interface import AccountKind, AssuranceLevel
from tongban.identity.passwords import password_validate
from tongban.identity.selectors import person_verified_identity, user_assurance_level
from tongban.identity.validators import same_name, validate_credit_code, validate_id_number, validate_person_name
from tongban.organizations import accounts
from tongban.organizations.models import (
    AgentAuthorization,
    AgentScope,
    KeyAlgorithm,
    LoginChallenge,
    Organization,
    OrganizationKey,
    OrgStatus,
    OrgType,
)
from tongban.organizations.records import (
    OrganizationSummary,
    legal_rep_id_index,
    org_actor,
    org_target,
    summary_of,
    user_actor,
)
from tongban.organizations.registry.base import EnterpriseNotFound, RegistrationStatus, RegistryUnavailable
from tongban.organizations.registry.registry import enterprise_registry
from tongban.organizations.workflow import (
    CONFIRMATION_DAYS,
    CONFIRMATION_WINDOW,
    NEW,
    confirmation_overdue,
    next_status,
)

NAME_MAX_LENGTH = 200
CHALLENGE_TTL = timedelta(minutes=5)
CHALLENGE_MAX_PER_IP = 30  # per CHALLENGE_WINDOW
CHALLENGE_WINDOW = timedelta(minutes=15)

AuthenticationFailed = identity_services.AuthenticationFailed
TooManyRequests = identity_services.TooManyRequests


class RegistryUnavailableError(DomainError):
    code = "registry_unavailable"
    http_status = 503


def _refused(*, action: str, actor: Actor, target: Target | None, message: str, code: str) -> NotPermitted:
    """A refusal recorded in the audit log at once (for services whose work is not one transaction)."""
    audit_record(action=action, actor=actor, target=target, outcome=AuditOutcome.DENIED, detail={"code": code})
    return NotPermitted(message, code=code)


def _set_status(org: Organization, event: str) -> None:
    """The only place that changes an organisation's status; its login account follows (only active signs in)."""
    org.status = next_status(org.status, event)
    org.status_changed_at = timezone.now()
    org.save(update_fields=["status", "status_changed_at", "legal_rep_user", "confirmed_at"])
    accounts.account_set_active(user_id=org.account_id, active=org.status == OrgStatus.ACTIVE)


# ------------------------------------------------------------------ registration


_BRACKETS = str.maketrans({"（": "(", "）": ")"})


def _same_org_name(a: str, b: str) -> bool:
    """Registered names compare exactly, except for whitespace and full-/half-width brackets."""
    def norm(text: str) -> str:
        return "".join(text.split()).translate(_BRACKETS)
    return norm(a) == norm(b)


def _validate_org_name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationFailed(_("请填写单位名称。"), code="name_required",
                               issues=[Issue("name_required", _("请填写单位名称。"), "name")])
    if len(name) > NAME_MAX_LENGTH or any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in name):
        message = _("单位名称不能超过%(n)d个字符，也不能包含控制字符。") % {"n": NAME_MAX_LENGTH}
        raise ValidationFailed(message, code="name_invalid", issues=[Issue("name_invalid", message, "name")])
    return name


def _collect(issues: list[Issue], check: Any, *args: Any) -> Any:
    try:
        return check(*args)
    except ValidationFailed as error:
        issues.extend(error.issues or [Issue(error.code, error.message)])
        return None


def organization_register(
    *, applicant_user: Any, org_type: str, name: str, credit_code: str, legal_rep_name: str,
    legal_rep_id_number: str, password: str,
) -> OrganizationSummary:
    """法人注册. Checked: the code (GB 32100), the registry (name, type and legal representative must match), the
    applicant (real-name), the password policy. The legal representative registering in person → active at once;
    anyone else → waits for the legal representative to confirm from their own real-name account.
    """
    issues: list[Issue] = []
    code = _collect(issues, validate_credit_code, credit_code)
    org_name = _collect(issues, _validate_org_name, name)
    rep_name = _collect(issues, validate_person_name, legal_rep_name)
    rep_id = _collect(issues, lambda raw: validate_id_number(raw, field="legal_rep_id_number"), legal_rep_id_number)
    if org_type not in OrgType.values:
        issues.append(Issue("org_type_invalid", _("请选择法人类型。"), "org_type"))
    if code is not None:
        try:
            password_validate(password, username=code, id_number=rep_id or "")
        except ValidationFailed as error:
            issues.extend(error.issues)
    if issues:
        raise ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)

    actor = user_actor(applicant_user)
    target = Target(type="organizations.organization", id="", label=code)
    if _live_registrations(code).exists():
        raise Conflict(_("该统一社会信用代码已注册法人账号，请直接登录；如忘记密码，请由法定代表人办理或到政务服务窗口咨询。"),
                       code="credit_code_registered")
    verified = person_verified_identity(user_id=applicant_user.pk)
    if user_assurance_level(user=applicant_user) < AssuranceLevel.ID_CHECKED or verified is None:
        raise _refused(action="organizations.organization.register", actor=actor, target=target,
                       code="applicant_not_verified",
                       message=_("您的账号尚未完成实名认证。注册法人账号须由已实名认证的法定代表人或经办人办理，"
                                 "法定代表人须持有实名认证的自然人账号。"))
    is_legal_rep = verified[1] == rep_id
    if is_legal_rep and not same_name(verified[0], rep_name):
        raise ValidationFailed(_("法定代表人姓名与您实名认证的姓名不一致。"), code="legal_rep_name_mismatch",
                               issues=[Issue("legal_rep_name_mismatch", _("法定代表人姓名与您实名认证的姓名不一致。"),
                                             "legal_rep_name")])

    provider = enterprise_registry()
    try:
        record = provider.lookup(credit_code=code)
    except EnterpriseNotFound:
        raise ValidationFailed(_("未在登记机关查到该统一社会信用代码，请核对后重新填写。"),
                               code="registry_not_found") from None
    except RegistryUnavailable:
        raise RegistryUnavailableError(_("企业登记信息核验服务暂时不可用，您填写的内容未提交，请稍后再试。")) from None
    if record.status != RegistrationStatus.ACTIVE:
        raise ValidationFailed(_("该主体在登记机关的状态为“%(s)s”，不能注册法人账号。") % {
            "s": _("注销") if record.status == RegistrationStatus.DEREGISTERED else _("吊销")},
            code="registry_not_active")
    mismatch = []
    if not _same_org_name(record.name, org_name):
        mismatch.append(Issue("registry_name_mismatch", _("单位名称与登记信息不一致，请按营业执照或登记证书填写。"),
                              "name"))
    if record.org_type != org_type:
        mismatch.append(Issue("registry_type_mismatch", _("法人类型与登记信息不一致。"), "org_type"))
    if not same_name(record.legal_rep_name, rep_name):
        mismatch.append(Issue("registry_legal_rep_mismatch", _("法定代表人姓名与登记信息不一致。"), "legal_rep_name"))
    if mismatch:
        raise ValidationFailed("".join(issue.message for issue in mismatch), code=mismatch[0].code, issues=mismatch)

    event = "register_by_legal_rep" if is_legal_rep else "register_for_confirmation"
    status = next_status(NEW, event)
    now = timezone.now()
    try:
        with transaction.atomic():
            for overdue in Organization.objects.select_for_update().filter(
                    credit_code=code, status=OrgStatus.PENDING_CONFIRMATION, created_at__lte=now - CONFIRMATION_WINDOW):
                _expire(overdue, reason="superseded")  # a new registration of the same code replaces it
            account = accounts.organization_account_create(
                credit_code=code, password=password, display_name=org_name, active=status == OrgStatus.ACTIVE)
            org = Organization.objects.create(
                org_type=org_type, name=org_name, credit_code=code, legal_rep_name=rep_name,
                legal_rep_id_number=rep_id, legal_rep_id_index=legal_rep_id_index(rep_id),
                legal_rep_user=applicant_user if is_legal_rep else None, applicant=applicant_user, account=account,
                status=status, status_changed_at=now, registry_provider=provider.name, registry_checked_at=now,
                confirmed_at=now if is_legal_rep else None)
            audit_record(action="organizations.organization.register", actor=actor, target=org_target(org),
                         on_behalf_of=org_actor(org), detail={"status": status, "registry": provider.name})
    except IntegrityError:
        raise Conflict(_("该统一社会信用代码已注册法人账号，请直接登录。"), code="credit_code_registered") from None
    return summary_of(org)


def _live_registrations(code: str) -> Any:
    """Registrations that hold the credit code: all but expired ones and pending ones past the window."""
    return Organization.objects.filter(credit_code=code).exclude(status=OrgStatus.EXPIRED).exclude(
        status=OrgStatus.PENDING_CONFIRMATION, created_at__lte=timezone.now() - CONFIRMATION_WINDOW)


def _expire(org: Organization, *, reason: str) -> None:
    """pending → expired (locked row): the account is switched off and gives the credit code back."""
    _set_status(org, "expire")
    accounts.account_retire(user_id=org.account_id, username=f"expired-{org.pk}-{org.credit_code}")
    audit_record(action="organizations.organization.expire", actor=SYSTEM, target=org_target(org),
                 on_behalf_of=org_actor(org),
                 detail={"reason": reason, "registered_at": org.created_at.isoformat(), "days": CONFIRMATION_DAYS})


def organization_registrations_expire(*, now: datetime | None = None) -> int:
    """Expire every registration that waited longer than :data:`CONFIRMATION_DAYS` for the legal representative
    (``manage.py expire_org_registrations``). One transaction per registration; idempotent. Returns how many."""
    cutoff = (now or timezone.now()) - CONFIRMATION_WINDOW
    expired = 0
    for org_id in list(Organization.objects.filter(status=OrgStatus.PENDING_CONFIRMATION, created_at__lte=cutoff)
                       .order_by("pk").values_list("pk", flat=True)):
        with transaction.atomic():
            org = Organization.objects.select_for_update().filter(
                pk=org_id, status=OrgStatus.PENDING_CONFIRMATION, created_at__lte=cutoff).first()
            if org is not None:  # confirmed or expired meanwhile: nothing to do
                _expire(org, reason="not_confirmed")
                expired += 1
    return expired


@atomic_service
def organization_confirm(*, org_id: int, legal_rep_user: Any) -> OrganizationSummary:
    """The legal representative confirms a registration from their own real-name account (法定代表人确认)."""
    org = Organization.objects.select_for_update().filter(pk=org_id).first()
    actor = user_actor(legal_rep_user)
    if org is None:
        raise NotFound(_("没有这条注册申请。"))
    target = org_target(org)
    if user_assurance_level(user=legal_rep_user) < AssuranceLevel.ID_CHECKED:
        raise denial(action="organizations.organization.confirm", actor=actor, target=target,
                     message=_("您的账号尚未完成实名认证（姓名和身份证号核验），不能确认法人注册。请先完成实名认证。"))
    verified = person_verified_identity(user_id=legal_rep_user.pk)
    if verified is None or legal_rep_id_index(verified[1]) != org.legal_rep_id_index \
            or not same_name(verified[0], org.legal_rep_name):
        raise denial(action="organizations.organization.confirm", actor=actor, target=target,
                     message=_("只有登记的法定代表人本人可以确认该注册。"))
    if confirmation_overdue(status=org.status, created_at=org.created_at, now=timezone.now()):
        refused = Conflict(_("注册申请已超过%(d)d天未确认，已失效，请重新提交。") % {"d": CONFIRMATION_DAYS},
                           code="registration_expired")
        refused.audit = {"action": "organizations.organization.confirm", "actor": actor, "target": target,
                         "outcome": AuditOutcome.DENIED}
        raise refused
    org.legal_rep_user = legal_rep_user
    org.confirmed_at = timezone.now()
    _set_status(org, "confirm")
    audit_record(action="organizations.organization.confirm", actor=actor, target=target, on_behalf_of=org_actor(org))
    return summary_of(org)


MARKET_REGULATION = "scjg"  # 市场监督管理部门: the registration authority of enterprises


def _org_region(org: Organization) -> str:
    """GB 32100: characters 3–8 of the credit code are the division code of the registration authority."""
    return org.credit_code[2:8]


def may_suspend_organizations(staff: StaffContext) -> bool:
    """Who may suspend and reinstate legal persons (停用/恢复法人账号): a platform administrator (whole platform), or
    a department administrator of a market-regulation department (市场监督管理局, the registration authority).
    The latter only for organisations registered within their region subtree (by the credit code's division code),
    see :func:`_org_for_staff`. Catalogue, review and window roles may not: suspending a legal person is an act of
    the registration authority or of the platform operator."""
    return staff.is_platform_admin or (staff.is_department_admin and staff.department_category == MARKET_REGULATION)


def _org_for_staff(user: Any, *, action: str, org_id: int) -> Organization:
    """The organisation, locked, if ``user`` may suspend or reinstate it: 403 (audited) for staff without the role,
    404 (audited) for an organisation outside a market-regulation administrator's region (or missing)."""
    staff = staff_context_for_user(user)
    actor = user_actor(user)
    target = Target(type="organizations.organization", id=str(org_id))
    if staff is None or not may_suspend_organizations(staff):
        raise denial(action=action, actor=actor, target=target,
                     message=_("只有平台管理员或市场监督管理部门的部门管理员可以停用或恢复法人账号。"))
    org = Organization.objects.select_for_update().filter(pk=org_id).first()
    if org is None or not (staff.is_platform_admin or staff.scope.covers_region(_org_region(org))):
        raise concealed_denial(action=action, actor=actor, target=target, message=_("没有找到这个法人。"))
    return org


@atomic_service
def organization_suspend(*, org_id: int, staff_user: Any, reason: str) -> None:
    """停用: the organisation's account stops signing in; agents and the legal representative cannot act for it.
    Permission: :func:`may_suspend_organizations`."""
    org = _org_for_staff(staff_user, action="organizations.organization.suspend", org_id=org_id)
    if not reason.strip():
        raise ValidationFailed(_("请填写停用原因。"), code="reason_required")
    _set_status(org, "suspend")
    audit_record(action="organizations.organization.suspend", actor=user_actor(staff_user), target=org_target(org),
                 detail={"reason": reason})


@atomic_service
def organization_reinstate(*, org_id: int, staff_user: Any, reason: str) -> None:
    """恢复 a suspended organisation. Permission: :func:`may_suspend_organizations`."""
    org = _org_for_staff(staff_user, action="organizations.organization.reinstate", org_id=org_id)
    _set_status(org, "reinstate")
    audit_record(action="organizations.organization.reinstate", actor=user_actor(staff_user), target=org_target(org),
                 detail={"reason": reason})


# ------------------------------------------------------------------ sign-in with credit code + password


def organization_login_needs_captcha(*, credit_code: str, ip: str | None) -> bool:
    return identity_services.login_needs_captcha(identifier=(credit_code or "").strip().upper(), ip=ip)


def organization_login_password(*, credit_code: str, password: str, ip: str | None) -> Any:
    """Credit code + password. Lockout (5 failures → 15 minutes), per-IP throttling, the generic message and the
    audit come from identity's password sign-in, which resolves the organisation's account by its username."""
    code = validate_credit_code(credit_code)
    user = identity_services.login_with_password(identifier=code, password=password, ip=ip,
                                                kind=AccountKind.ORGANIZATION)
    if user.kind != AccountKind.ORGANIZATION:
        raise AuthenticationFailed(_(identity_services.GENERIC_FAILURE))
    return user


# ------------------------------------------------------------------ certificate login (数字证书登录)


def _parse_public_key(pem: str) -> tuple[str, bytes, str]:
    """(algorithm, SubjectPublicKeyInfo DER, normalised PEM) of an Ed25519 or ECDSA P-256 public key."""
    try:
        key = serialization.load_pem_public_key((pem or "").strip().encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        raise ValidationFailed(_("公钥格式不正确：请粘贴以“-----BEGIN PUBLIC KEY-----”开头的PEM公钥。"),
                               code="key_invalid") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = KeyAlgorithm.ED25519
    elif isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        algorithm = KeyAlgorithm.ECDSA_P256
    else:
        raise ValidationFailed(_("只支持Ed25519或ECDSA P-256公钥。"), code="key_algorithm")
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    normalised = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return algorithm, der, normalised.decode("ascii")


def _org_of_legal_rep(*, org_id: int, user: Any, action: str) -> Organization:
    org = Organization.objects.select_for_update().filter(pk=org_id).first()
    if org is None or org.legal_rep_user_id != getattr(user, "pk", None) or org.status != OrgStatus.ACTIVE:
        raise denial(action=action, actor=user_actor(user),
                     target=org_target(org) if org else Target(type="organizations.organization", id=str(org_id)),
                     message=_("只有正常状态法人的法定代表人本人可以进行该操作。"))
    return org


@atomic_service
def organization_key_register(*, org_id: int, legal_rep_user: Any, public_key_pem: str, label: str = "") -> str:
    """The legal representative registers a public key for certificate login; returns its SHA-256 fingerprint."""
    org = _org_of_legal_rep(org_id=org_id, user=legal_rep_user, action="organizations.key.register")
    algorithm, der, pem = _parse_public_key(public_key_pem)
    fingerprint = hashlib.sha256(der).hexdigest()
    if OrganizationKey.objects.filter(fingerprint=fingerprint).exists():
        raise Conflict(_("该公钥已登记，不能重复登记。"), code="key_registered")
    key = OrganizationKey.objects.create(organization=org, label=(label or "").strip()[:100], algorithm=algorithm,
                                         public_key_pem=pem, fingerprint=fingerprint, registered_by=legal_rep_user,
                                         activated_at=timezone.now())
    audit_record(action="organizations.key.register", actor=user_actor(legal_rep_user),
                 target=Target(type="organizations.key", id=str(key.pk), label=fingerprint[:16]),
                 on_behalf_of=org_actor(org), detail={"algorithm": algorithm, "fingerprint": fingerprint})
    return fingerprint


@atomic_service
def organization_key_revoke(*, key_id: int, legal_rep_user: Any) -> None:
    key = OrganizationKey.objects.select_for_update().filter(pk=key_id).first()
    if key is None:
        raise NotFound(_("没有这份证书。"))
    org = _org_of_legal_rep(org_id=key.organization_id, user=legal_rep_user, action="organizations.key.revoke")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    audit_record(action="organizations.key.revoke", actor=user_actor(legal_rep_user),
                 target=Target(type="organizations.key", id=str(key.pk), label=key.fingerprint[:16]),
                 on_behalf_of=org_actor(org))


@dataclass(frozen=True)
class Challenge:
    nonce: str
    credit_code: str
    message: str  # the exact text to sign (ASCII, no trailing newline)
    expires_at: datetime


def challenge_message(*, credit_code: str, nonce: str) -> str:
    return f"tongban-org-login:{credit_code}:{nonce}"


@atomic_service
def login_challenge_issue(*, credit_code: str, ip: str | None) -> Challenge:
    """A one-time challenge valid for 5 minutes. Issued for any valid code, so it reveals no account."""
    code = validate_credit_code(credit_code)
    now = timezone.now()
    if ip and LoginChallenge.objects.filter(ip=ip, created_at__gte=now - CHALLENGE_WINDOW).count() \
            >= CHALLENGE_MAX_PER_IP:
        raise TooManyRequests(_("登录尝试过于频繁，请15分钟后再试。"), code="challenge_ip_limit")
    nonce = secrets.token_urlsafe(24)
    challenge = LoginChallenge.objects.create(nonce=nonce, credit_code=code, ip=ip, expires_at=now + CHALLENGE_TTL)
    return Challenge(nonce=nonce, credit_code=code, message=challenge_message(credit_code=code, nonce=nonce),
                     expires_at=challenge.expires_at)


def _decode_signature(text: str) -> bytes | None:
    compact = re.sub(r"\s+", "", text or "")
    if not compact:
        return None
    try:
        return base64.b64decode(compact.replace("-", "+").replace("_", "/") + "=" * (-len(compact) % 4),
                                validate=True)
    except (binascii.Error, ValueError):
        return None


def _signature_valid(keys: Iterable[OrganizationKey], message: bytes, signature: bytes) -> OrganizationKey | None:
    for key in keys:
        public = serialization.load_pem_public_key(key.public_key_pem.encode("ascii"))
        candidates = [signature]
        if key.algorithm == KeyAlgorithm.ECDSA_P256 and len(signature) == 64:  # raw r‖s instead of DER
            candidates.append(encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                                   int.from_bytes(signature[32:], "big")))
        for candidate in candidates:
            for text in (message, message + b"\n"):  # `echo` adds a newline; accept it
                try:
                    if isinstance(public, ed25519.Ed25519PublicKey):
                        public.verify(candidate, text)
                    elif isinstance(public, ec.EllipticCurvePublicKey):
                        public.verify(candidate, text, ec.ECDSA(hashes.SHA256()))
                    else:
                        continue
                except (InvalidSignature, ValueError):
                    continue
                return key
    return None


def _challenge_consume(nonce: str) -> tuple[LoginChallenge | None, str]:
    """Use the challenge up (even if the signature then fails). Returns it, or None with the refusal code."""
    with transaction.atomic():
        challenge = LoginChallenge.objects.select_for_update().filter(nonce=(nonce or "").strip()).first()
        if challenge is None:
            return None, "challenge_unknown"
        if challenge.used_at is not None:
            return None, "challenge_used"
        challenge.used_at = timezone.now()
        challenge.save(update_fields=["used_at"])
        if challenge.expires_at <= challenge.used_at:
            return None, "challenge_expired"
        return challenge, ""


CHALLENGE_MESSAGES = {
    "challenge_unknown": "登录挑战无效，请重新获取。",
    "challenge_used": "该登录挑战已使用过，请重新获取（每个挑战只能用一次）。",
    "challenge_expired": "登录挑战已过期（有效期5分钟），请重新获取。",
}


def login_challenge_verify(*, nonce: str, signature: str, ip: str | None = None) -> Any:
    """Sign in with a registered key: the signature over :func:`challenge_message` (base64, Ed25519, or ECDSA
    P-256 with SHA-256 in DER or raw r‖s form). A challenge is used once; expired ones are refused."""
    challenge, problem = _challenge_consume(nonce)
    if challenge is None:
        audit_record(action="organizations.login.certificate", actor=Actor(kind="anonymous"),
                     outcome=AuditOutcome.FAILURE, detail={"reason": problem})
        raise AuthenticationFailed(_(CHALLENGE_MESSAGES[problem]), code=problem)
    org = Organization.objects.filter(credit_code=challenge.credit_code, status=OrgStatus.ACTIVE).first()
    raw = _decode_signature(signature)
    key = None
    if org is not None and raw is not None:
        keys = OrganizationKey.objects.filter(organization=org, revoked_at=None, activated_at__isnull=False)
        key = _signature_valid(keys, challenge_message(credit_code=challenge.credit_code,
                                                       nonce=challenge.nonce).encode("ascii"), raw)
    if org is None or key is None:
        audit_record(action="organizations.login.certificate", actor=Actor(kind="anonymous"),
                     target=org_target(org) if org else None, outcome=AuditOutcome.FAILURE,
                     detail={"reason": "signature"})
        raise AuthenticationFailed(_("签名验证失败：请确认使用已登记的私钥，对本页显示的挑战原文签名，"
                                     "并粘贴Base64编码的签名。"), code="signature_invalid")
    with transaction.atomic():
        accounts.account_mark_login(user_id=org.account_id)
        audit_record(action="organizations.login.certificate", actor=org_actor(org), target=org_target(org),
                     detail={"method": "certificate", "fingerprint": key.fingerprint})
    return accounts.account_get(user_id=org.account_id)


# ------------------------------------------------------------------ agents (经办人)


@atomic_service
def agent_authorize(
    *, org_id: int, legal_rep_user: Any, agent_phone_or_username: str, scopes: Iterable[str], valid_until: datetime,
) -> int:
    """The legal representative authorises a real-name natural person as an agent; returns the authorisation id.

    An open authorisation of the same agent is replaced (revoked, then granted anew), keeping the history.
    """
    org = _org_of_legal_rep(org_id=org_id, user=legal_rep_user, action="organizations.agent.authorize")
    identifier = (agent_phone_or_username or "").strip()
    chosen = sorted(set(scopes))
    issues: list[Issue] = []
    agent = None
    try:
        validate_id_number(identifier)
        is_id_number = True
    except ValidationFailed:
        is_id_number = False
    if identifier and not is_id_number:
        agent = accounts.person_account_find(identifier)
    if agent is None:
        issues.append(Issue("agent_not_found", _("未找到该经办人账号：请填写对方注册时的手机号或自定义用户名。"),
                            "agent"))
    elif agent.pk == legal_rep_user.pk:
        issues.append(Issue("agent_is_legal_rep", _("法定代表人本人无需授权。"), "agent"))
    elif user_assurance_level(user=agent) < AssuranceLevel.ID_CHECKED:
        issues.append(Issue("agent_not_verified", _("经办人须先完成实名认证。"), "agent"))
    if not chosen or any(scope not in AgentScope.values for scope in chosen):
        issues.append(Issue("scopes_invalid", _("请至少选择一项授权范围。"), "scopes"))
    if valid_until <= timezone.now():
        issues.append(Issue("valid_until_past", _("授权有效期应晚于现在。"), "valid_until"))
    if issues:
        raise ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)
    assert agent is not None
    now = timezone.now()
    AgentAuthorization.objects.filter(organization=org, agent=agent, revoked_at=None).update(
        revoked_at=now, revoked_by=legal_rep_user)
    authorization = AgentAuthorization.objects.create(organization=org, agent=agent, scopes=chosen,
                                                      valid_until=valid_until, granted_by=legal_rep_user)
    audit_record(action="organizations.agent.authorize", actor=user_actor(legal_rep_user),
                 target=Target(type="organizations.agent_authorization", id=str(authorization.pk),
                               label=agent.get_username()),
                 on_behalf_of=org_actor(org),
                 detail={"agent_user_id": agent.pk, "scopes": chosen, "valid_until": valid_until.isoformat()})
    return authorization.pk


@atomic_service
def agent_revoke(*, authorization_id: int, legal_rep_user: Any) -> None:
    """撤销授权: effective at once for every later action of the agent."""
    authorization = AgentAuthorization.objects.select_for_update().filter(pk=authorization_id).first()
    if authorization is None:
        raise NotFound(_("没有这条授权。"))
    org = _org_of_legal_rep(org_id=authorization.organization_id, user=legal_rep_user,
                            action="organizations.agent.revoke")
    if authorization.revoked_at is None:
        authorization.revoked_at, authorization.revoked_by = timezone.now(), legal_rep_user
        authorization.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(action="organizations.agent.revoke", actor=user_actor(legal_rep_user),
                 target=Target(type="organizations.agent_authorization", id=str(authorization.pk)),
                 on_behalf_of=org_actor(org), detail={"agent_user_id": authorization.agent_id})
