"""用证授权 and 用证: a department (its staff, or its system through the API) or a third party (a registered client)
asks to use a licence for a stated purpose and chosen fields until a date; the holder grants some or all of those
fields until a date, or refuses, and may revoke later. Each use is checked against the consent and logged
(:class:`LicenseUse`, allowed or refused, shown to the holder as 谁用了我的证照) and audited.

A use is refused with a stable code: ``consent_not_granted`` (never granted, refused or revoked),
``consent_expired`` (after its date), ``consent_fields_exceeded`` (fields it does not cover) or
``license_not_valid`` (the licence is no longer valid). The refusal is logged even though the use fails.

Consent states change only through :data:`tongban.licenses.workflow.CONSENT_TRANSITIONS`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, AuditOutcome, Target, atomic_service, audit_record, concealed_denial
from tongban.core.errors import Conflict, DomainError, IssueList, NotFound, NotPermitted, ValidationFailed
from tongban.directory import selectors as directory
from tongban.directory.interface import StaffRole
from tongban.directory.scope import staff_audit_actor, staff_context_for_user
from tongban.licenses.copies import CopyContent, CopyField, license_copy_sealed
from tongban.licenses.holding import (
    ConsentRow,
    FieldValue,
    consent_row,
    effective_status,
    holder_scope,
    license_fields,
    type_field_labels,
)
from tongban.licenses.identifiers import IdentifierError, identifier_parse
from tongban.licenses.models import ConsentStatus, License, LicenseConsent, LicenseStatus, LicenseUse, RequesterKind
from tongban.licenses.workflow import consent_next_status

REQUESTER_ROLES = frozenset({StaffRole.WINDOW_CLERK, StaffRole.APPROVER, StaffRole.LICENSE_LOOKUP})
MAX_CONSENT_DAYS = 366
MIN_PURPOSE_CHARS = 4
# ------------------------------------------------------------------ who asks


@dataclass(frozen=True)
class Requester:
    """A party that uses licences: a department (through a staff member or its system) or a third party."""

    kind: str  # RequesterKind
    name: str
    department_id: int | None
    client_id: str
    user_id: int | None
    actor: Actor
    user_label: str  # as the holder sees it in 谁用了我的证照


def requester_for_staff(*, user: Any) -> Requester:
    """A staff member of a department with role 窗口受理, 审批 or 一证通办查询 (else :class:`NotPermitted`)."""
    staff = staff_context_for_user(user)
    if staff is None or not staff.roles & REQUESTER_ROLES:
        raise NotPermitted(_("只有部门的窗口受理、审批或一证通办查询人员可以申请用证。"), code="not_permitted")
    return Requester(kind=RequesterKind.DEPARTMENT, name=staff.department_name, department_id=staff.department_id,
                     client_id="", user_id=staff.user_id, actor=staff_audit_actor(staff),
                     user_label=f"{staff.department_name}（{staff.name}）")


def requester_for_client(*, client_id: str, name: str, department_id: int | None) -> Requester:
    """A registered system calling with client credentials: a department's system when the client is linked to
    a department, otherwise a third party (第三方机构)."""
    department = directory.department_get(department_id=department_id) if department_id else None
    if department is not None:
        label = f"{department.name}（{name}）"
        return Requester(kind=RequesterKind.DEPARTMENT, name=department.name, department_id=department.pk,
                         client_id=client_id, user_id=None, actor=Actor(kind="client", id=client_id, label=label),
                         user_label=label)
    return Requester(kind=RequesterKind.THIRD_PARTY, name=name, department_id=None, client_id=client_id,
                     user_id=None, actor=Actor(kind="client", id=client_id, label=name), user_label=name)


def _owned_by(requester: Requester) -> dict[str, Any]:
    """The consents a requester may see and use: its department's, or the third-party client's own."""
    if requester.kind == RequesterKind.DEPARTMENT and requester.department_id is not None:
        return {"requester_kind": RequesterKind.DEPARTMENT, "requester_department_id": requester.department_id}
    return {"requester_kind": RequesterKind.THIRD_PARTY, "requester_client_id": requester.client_id}


# ------------------------------------------------------------------ plain data


@dataclass(frozen=True)
class RequestedConsent:
    """A consent as its requester sees it (the holder's name masked, no surface values)."""

    id: int
    license_identifier: str
    license_type_name: str
    holder_name_masked: str
    consent: ConsentRow
    usable: bool


@dataclass(frozen=True)
class LicenseUseResult:
    use_id: int
    consent_id: int
    license_identifier: str
    license_type_name: str
    issuer_name: str
    holder_name: str
    fields: list[FieldValue]
    consent_valid_until: datetime.date
    copy_pdf: bytes | None = None
    copy_sha256: str = ""


def _requested(consent: LicenseConsent, *, today: datetime.date) -> RequestedConsent:
    from tongban.licenses.services.verification import mask_holder

    licence = consent.license
    row = consent_row(consent, licence, today=today)
    usable = (consent.status == ConsentStatus.GRANTED and not row.expired
              and effective_status(licence, today=today) == LicenseStatus.VALID)
    return RequestedConsent(id=consent.pk, license_identifier=licence.identifier,
                            license_type_name=licence.license_type.name,
                            holder_name_masked=mask_holder(str(licence.holder_name or "")), consent=row,
                            usable=usable)


def consent_list_for_requester(*, requester: Requester, limit: int = 200) -> list[RequestedConsent]:
    today = timezone.localdate()
    rows = (LicenseConsent.objects.filter(**_owned_by(requester))
            .select_related("license__license_type", "license__issuer_department")
            .order_by("-requested_at", "-pk")[:limit])
    return [_requested(c, today=today) for c in rows]


def consent_get_for_requester(*, requester: Requester, consent_id: int) -> RequestedConsent:
    consent = (LicenseConsent.objects.filter(pk=consent_id, **_owned_by(requester))
               .select_related("license__license_type", "license__issuer_department").first())
    if consent is None:
        raise NotFound(_("没有找到这项用证授权。"))
    return _requested(consent, today=timezone.localdate())


# ------------------------------------------------------------------ the request


def _check_fields(licence: License, fields: list[str], issues: IssueList, *, within: list[str] | None = None
                  ) -> list[str]:
    known = type_field_labels(licence)
    chosen = [f for f in dict.fromkeys(str(f).strip() for f in fields) if f]
    if not chosen:
        issues.add("fields_required", _("请选择要使用的证照字段。"), "fields")
    unknown = [f for f in chosen if f not in known]
    if unknown:
        issues.add("fields_unknown", _("该证照类型没有这些字段：%(f)s。") % {"f": "、".join(unknown)}, "fields")
    if within is not None and any(f not in within for f in chosen):
        issues.add("fields_not_requested", _("只能授权对方申请使用的字段。"), "fields")
    order = list(known)
    return sorted((f for f in chosen if f in known), key=order.index)


def _check_until(until: datetime.date | None, issues: IssueList, *, latest: datetime.date | None = None) -> None:
    today = timezone.localdate()
    if until is None:
        issues.add("valid_until_required", _("请填写授权截止日期。"), "valid_until")
    elif until < today:
        issues.add("valid_until_past", _("授权截止日期不能早于今天。"), "valid_until")
    elif until > today + datetime.timedelta(days=MAX_CONSENT_DAYS):
        issues.add("valid_until_too_far", _("授权期限最长一年。"), "valid_until")
    elif latest is not None and until > latest:
        issues.add("valid_until_after_request",
                   _("授权截止日期不能晚于对方申请的 %(d)s。") % {"d": latest.isoformat()}, "valid_until")


@atomic_service
def consent_request(*, requester: Requester, identifier: str, purpose: str, fields: list[str],
                    valid_until: datetime.date | None) -> RequestedConsent:
    """Ask the holder of a valid licence for consent. The holder is notified (消息) when the licence names an
    account."""
    issues = IssueList()
    try:
        parsed = identifier_parse(identifier)
    except IdentifierError as exc:
        raise ValidationFailed(str(exc), code=exc.code, issues=[]) from None
    licence = (License.objects.select_related("license_type", "issuer_department")
               .filter(identifier=str(parsed)).first())
    if licence is None:
        raise NotFound(_("没有找到该证照，请核对证照标识。"))
    if effective_status(licence) != LicenseStatus.VALID:
        raise Conflict(_("该证照当前不是有效状态，不能申请使用。"), code="license_not_valid")
    purpose = (purpose or "").strip()
    if len(purpose) < MIN_PURPOSE_CHARS or len(purpose) > 500:
        issues.add("purpose_invalid", _("请写明用证事由（4 至 500 个字）。"), "purpose")
    chosen = _check_fields(licence, fields, issues)
    _check_until(valid_until, issues)
    if issues:
        raise ValidationFailed(issues.issues[0].message, issues=issues.issues)
    consent = LicenseConsent.objects.create(
        license=licence, requester_kind=requester.kind, requester_name=requester.name[:200],
        requester_department_id=requester.department_id if requester.kind == RequesterKind.DEPARTMENT else None,
        requester_client_id=requester.client_id, purpose=purpose, requested_fields=chosen, granted_fields=[],
        valid_until=valid_until, requested_by_id=requester.user_id)
    audit_record(action="licenses.consent.request", actor=requester.actor,
                 target=Target(type="licenses.consent", id=str(consent.pk), label=licence.identifier),
                 detail={"license_id": licence.pk, "fields": chosen, "purpose": purpose,
                         "valid_until": valid_until})
    if licence.holder_user_id:
        _notify(licence, consent)
    return _requested(consent, today=timezone.localdate())


def _notify(licence: License, consent: LicenseConsent) -> None:
    from tongban.notifications.services import notice_create

    holder_user_id = licence.holder_user_id
    assert holder_user_id is not None

    def send() -> None:
        notice_create(user_id=holder_user_id, title=_("有人申请使用您的证照"),
                      body=_("%(r)s申请使用您的“%(t)s”，事由：%(p)s。请在“我的证照”中同意或拒绝。")
                      % {"r": consent.requester_name, "t": licence.license_type.name, "p": consent.purpose},
                      link=f"/my/licenses/{licence.pk}/", key=f"licenses.consent.{consent.pk}")

    transaction.on_commit(send)


# ------------------------------------------------------------------ the holder decides


def _holder_consent(*, user: Any, consent_id: int, org_id: int | None, action: str) -> tuple[LicenseConsent, Any]:
    scope = holder_scope(user=user, org_id=org_id)
    consent = (LicenseConsent.objects.select_for_update().filter(pk=consent_id, license__in=scope.licences())
               .first())
    if consent is None:
        raise concealed_denial(action=action, actor=scope.actor,
                               target=Target(type="licenses.consent", id=str(consent_id)),
                               message=_("没有找到这项用证授权。"))
    return consent, scope


def _decided(consent: LicenseConsent, scope: Any, *, transition: str, action: str,
             detail: dict[str, Any]) -> ConsentRow:
    consent.status = consent_next_status(status=consent.status, transition=transition)
    consent.decided_at = timezone.now()
    consent.save()
    licence = License.objects.select_related("license_type").get(pk=consent.license_id)
    audit_record(action=action, actor=scope.actor, on_behalf_of=scope.on_behalf_of,
                 target=Target(type="licenses.consent", id=str(consent.pk), label=licence.identifier),
                 detail={"license_id": licence.pk, "requester": consent.requester_name, **detail})
    return consent_row(consent, licence)


@atomic_service
def consent_grant(*, user: Any, consent_id: int, fields: list[str], valid_until: datetime.date | None,
                  org_id: int | None = None) -> ConsentRow:
    """The holder consents to some or all of the requested fields, until a date no later than the one asked."""
    consent, scope = _holder_consent(user=user, consent_id=consent_id, org_id=org_id,
                                     action="licenses.consent.grant")
    consent_next_status(status=consent.status, transition="grant")
    licence = License.objects.select_related("license_type").get(pk=consent.license_id)
    if effective_status(licence) != LicenseStatus.VALID:
        raise Conflict(_("该证照当前不是有效状态，不能授权使用。"), code="license_not_valid")
    issues = IssueList()
    chosen = _check_fields(licence, fields, issues, within=list(consent.requested_fields or []))
    _check_until(valid_until, issues, latest=consent.valid_until)
    if issues:
        raise ValidationFailed(issues.issues[0].message, issues=issues.issues)
    consent.granted_fields = chosen
    consent.valid_until = valid_until
    return _decided(consent, scope, transition="grant", action="licenses.consent.grant",
                    detail={"fields": chosen, "valid_until": valid_until})


@atomic_service
def consent_refuse(*, user: Any, consent_id: int, org_id: int | None = None) -> ConsentRow:
    consent, scope = _holder_consent(user=user, consent_id=consent_id, org_id=org_id,
                                     action="licenses.consent.refuse")
    return _decided(consent, scope, transition="refuse", action="licenses.consent.refuse", detail={})


@atomic_service
def consent_revoke(*, user: Any, consent_id: int, org_id: int | None = None) -> ConsentRow:
    """The holder withdraws a consent: later uses are refused (``consent_not_granted``)."""
    consent, scope = _holder_consent(user=user, consent_id=consent_id, org_id=org_id,
                                     action="licenses.consent.revoke")
    return _decided(consent, scope, transition="revoke", action="licenses.consent.revoke", detail={})


# ------------------------------------------------------------------ use


class UseRefused(DomainError):
    """A use the consent does not allow; logged in :class:`LicenseUse` before it is raised."""

    code = "use_refused"
    http_status = 403


REFUSAL_STATUS = {"license_not_valid": 409}


def _refuse(code: str, message: str) -> UseRefused:
    error = UseRefused(message, code=code)
    error.http_status = REFUSAL_STATUS.get(code, 403)
    return error


@dataclass
class _Attempt:
    license_id: int | None = None
    consent_id: int | None = None
    fields: list[str] | None = None


def license_use(*, requester: Requester, consent_id: int, fields: list[str] | None, purpose: str,
                copy: bool = False) -> LicenseUseResult:
    """Use a licence under a consent: the granted fields' values (``fields`` empty: all granted fields) and, with
    ``copy``, the watermarked copy sealed by the issuing department (``copy_pdf``).

    Checks: the consent is the requester's (else :class:`NotFound`), granted and not revoked
    (``consent_not_granted``), not past its date (``consent_expired``), covers the fields
    (``consent_fields_exceeded``), and the licence is still valid (``license_not_valid``). Every attempt on an
    existing consent is logged in :class:`LicenseUse` and audited, refused ones too."""
    attempt = _Attempt()
    try:
        return _license_use(requester=requester, consent_id=consent_id, fields=fields, purpose=purpose, copy=copy,
                            attempt=attempt)
    except UseRefused as exc:
        if attempt.license_id is not None:
            _use_refusal_record(requester=requester, attempt=attempt, purpose=purpose, error=exc)
        raise
    except DomainError as exc:
        if exc.audit:
            audit_record(**exc.audit)
        raise


@transaction.atomic
def _use_refusal_record(*, requester: Requester, attempt: _Attempt, purpose: str, error: UseRefused) -> None:
    assert attempt.license_id is not None
    LicenseUse.objects.create(license_id=attempt.license_id, consent_id=attempt.consent_id,
                              user_label=requester.user_label[:200], purpose=purpose[:500],
                              fields=attempt.fields or [], allowed=False, refusal_reason=error.message[:200])
    audit_record(action="licenses.use", actor=requester.actor, outcome=AuditOutcome.DENIED,
                 target=Target(type="licenses.license", id=str(attempt.license_id)),
                 detail={"consent_id": attempt.consent_id, "code": error.code, "fields": attempt.fields or []})


@transaction.atomic
def _license_use(*, requester: Requester, consent_id: int, fields: list[str] | None, purpose: str, copy: bool,
                 attempt: _Attempt) -> LicenseUseResult:
    consent = (LicenseConsent.objects.filter(pk=consent_id, **_owned_by(requester))
               .select_related("license__license_type", "license__issuer_department").first())
    if consent is None:
        raise concealed_denial(action="licenses.use", actor=requester.actor,
                               target=Target(type="licenses.consent", id=str(consent_id)),
                               message=_("没有找到这项用证授权。"))
    licence = consent.license
    granted = list(consent.granted_fields or [])
    wanted = [f for f in dict.fromkeys(str(f).strip() for f in (fields or [])) if f] or granted
    purpose = (purpose or "").strip() or consent.purpose
    attempt.license_id, attempt.consent_id, attempt.fields = licence.pk, consent.pk, wanted
    today = timezone.localdate()
    if consent.status == ConsentStatus.REVOKED:
        raise _refuse("consent_not_granted", _("持证人已撤回该授权，不能使用该证照。"))
    if consent.status != ConsentStatus.GRANTED:
        raise _refuse("consent_not_granted", _("持证人尚未同意该授权，不能使用该证照。")
                      if consent.status == ConsentStatus.REQUESTED else _("持证人拒绝了该授权，不能使用该证照。"))
    if consent.valid_until is None or consent.valid_until < today:
        raise _refuse("consent_expired", _("授权已于 %(d)s 到期，请重新申请授权。")
                      % {"d": consent.valid_until.isoformat() if consent.valid_until else ""})
    beyond = [f for f in wanted if f not in granted]
    if beyond:
        labels = type_field_labels(licence)
        raise _refuse("consent_fields_exceeded", _("授权不包括这些字段：%(f)s。")
                      % {"f": "、".join(labels.get(f, f) for f in beyond)})
    if effective_status(licence, today=today) != LicenseStatus.VALID:
        raise _refuse("license_not_valid", _("该证照已不是有效状态，不能使用。"))
    use = LicenseUse.objects.create(license=licence, consent=consent, user_label=requester.user_label[:200],
                                    purpose=purpose[:500], fields=wanted, allowed=True)
    values = license_fields(licence, names=wanted, mask_holder_number=False)
    audit_record(action="licenses.use", actor=requester.actor,
                 target=Target(type="licenses.license", id=str(licence.pk), label=licence.identifier),
                 detail={"consent_id": consent.pk, "use_id": use.pk, "fields": wanted, "copy": copy})
    result = LicenseUseResult(
        use_id=use.pk, consent_id=consent.pk, license_identifier=licence.identifier,
        license_type_name=licence.license_type.name, issuer_name=licence.issuer_department.name,
        holder_name=str(licence.holder_name or ""), fields=values, consent_valid_until=consent.valid_until)
    if not copy:
        return result
    sealed = license_copy_sealed(content=CopyContent(
        reference=f"{licence.identifier}#use-{use.pk}", title=licence.license_type.name,
        identifier=licence.identifier, issuer_name=licence.issuer_department.name,
        issuer_department_id=licence.issuer_department_id, holder_name=result.holder_name,
        issued_on=licence.issued_on, valid_until=licence.valid_until,
        fields=[CopyField(label=f.label, value=f.value) for f in values],
        consent_valid_until=consent.valid_until, user_label=requester.user_label, purpose=purpose))
    return LicenseUseResult(**{**result.__dict__, "copy_pdf": sealed.data, "copy_sha256": sealed.sha256})


def consent_field_choices(*, requester: Requester, identifier: str) -> tuple[str, list[FieldValue]]:
    """(licence type name, the type's fields) for the request form; :class:`ValidationFailed` for a malformed
    identifier, :class:`NotFound` for an unknown licence."""
    try:
        parsed = identifier_parse(identifier)
    except IdentifierError as exc:
        raise ValidationFailed(str(exc), code=exc.code) from None
    licence = License.objects.select_related("license_type").filter(identifier=str(parsed)).first()
    if licence is None:
        raise NotFound(_("没有找到该证照，请核对证照标识。"))
    return licence.license_type.name, [FieldValue(name=n, label=label, value="")
                                       for n, label in type_field_labels(licence).items()]
