"""Issuing licences (证照签发) and changing their state (证照状态管理).

* :func:`license_issue` — validate the surface data against the type, take the next serial of (type, issuer,
  year) under a row lock, render the PDF, seal it with the issuer's electronic seal (PAdES, area "seals"), store
  it, write the licence with its first event, audit it and emit ``license.issued``.
* :func:`license_transition` — 撤销 / 注销 / 转出 / 吊销 by a 证照管理人员 of the issuing department, with a reason.
* :func:`license_expire_due` — the system's 到期失效 of valid licences past their last day (periodic job).
* :func:`license_reissue` — 换发: a new version with the same serial; the old version is 注销 and points to it.

Every change goes through :func:`tongban.licenses.workflow.license_next_status`, writes a :class:`LicenseEvent`
and an audit record, and emits ``license.status_changed``. Nothing is cached: resolver, verification and consent
read the status row each time, so a revoked licence is refused everywhere at once.

Holder index: ``tongban.identity.services.id_number_index`` over the ID number for persons, and the same blind
index function over the unified social credit code for organisations (the two never collide: different lengths
and alphabets).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from tongban.core.audit import SYSTEM, Actor, Target, atomic_service, audit_record, concealed_denial, denial
from tongban.core.errors import Conflict, Issue, IssueList, NotFound, ValidationFailed
from tongban.core.outbox import outbox_emit
from tongban.directory import selectors as directory
from tongban.directory.scope import staff_audit_actor, staff_context_for_user
from tongban.directory.selectors import StaffContext
from tongban.files.services import file_read, file_store_generated
from tongban.identity.services import id_number_index
from tongban.identity.validators import validate_id_number
from tongban.licenses import workflow
from tongban.licenses.identifiers import SERIAL_RE, identifier_make
from tongban.licenses.models import (
    HolderKind,
    License,
    LicenseCounter,
    LicenseEvent,
    LicenseSource,
    LicenseStatus,
    LicenseType,
)
from tongban.licenses.records import LicenseRow, LicenseTypeRow
from tongban.licenses.render import LicenseSurface, license_render
from tongban.licenses.rows import license_row
from tongban.licenses.signing import pdf_seal
from tongban.licenses.types import type_row, validity_until

FILE_PURPOSE = "licenses.license"
FIELD_MAX = 500
REASON_MAX = 500
SEAL_KINDS = ("license", "official")  # 证照专用章 first, else the 公章


def holder_index(*, holder_kind: str, holder_number: str) -> str:
    """The blind index a licence is found by: of the ID number (persons) or the credit code (organisations)."""
    return id_number_index(holder_number.strip().upper())


# ------------------------------------------------------------------ validation


def _check_holder(issues: IssueList, *, holder_kind: str, holder_name: str, holder_number: str,
                  type_row_: LicenseTypeRow) -> str:
    if holder_kind != type_row_.holder_kind:
        issues.add("holder_kind_mismatch", _("“%(t)s”的持证主体应为%(k)s。") % {
            "t": type_row_.name, "k": type_row_.holder_kind_label}, "holder_kind")
    if not holder_name.strip():
        issues.add("holder_name_required", _("请填写持证主体名称。"), "holder_name")
    elif len(holder_name) > 200:
        issues.add("holder_name_too_long", _("持证主体名称不能超过200个字。"), "holder_name")
    number = holder_number.strip().upper()
    if holder_kind == HolderKind.ORGANIZATION:
        if not uscc.is_valid(number):
            issues.add("holder_number_invalid", _("统一社会信用代码“%(c)s”不正确（长度、字符或校验位）。") % {
                "c": number[:40]}, "holder_number")
    else:
        try:
            number = validate_id_number(number, field="holder_number")
        except ValidationFailed as invalid:
            issues.issues.extend(invalid.issues)
    return number


def _check_data(issues: IssueList, *, type_row_: LicenseTypeRow, data: Mapping[str, Any], holder_name: str,
                holder_number: str) -> dict[str, str]:
    """The surface data cleaned: known fields only, text, holder fields filled from the holder when absent."""
    cleaned: dict[str, str] = {}
    for spec in type_row_.fields:
        value = data.get(spec.name)
        text = "" if value is None else str(value).strip()
        if not text and spec.name == "name":
            text = holder_name.strip()
        if not text and spec.name in ("id_number", "credit_code"):
            text = holder_number
        if spec.required and not text:
            issues.add("field_required", _("请填写“%(l)s”。") % {"l": spec.label}, f"data.{spec.name}")
        elif len(text) > FIELD_MAX:
            issues.add("field_too_long", _("“%(l)s”不能超过%(n)d个字。") % {"l": spec.label, "n": FIELD_MAX},
                       f"data.{spec.name}")
        if text:
            cleaned[spec.name] = text
    return cleaned


def _fail(issues: IssueList) -> ValidationFailed:
    first = issues.issues[0]
    message = first.message if len(issues.issues) == 1 else _("证照信息有%(n)d处不正确：%(m)s") % {
        "n": len(issues.issues), "m": "；".join(i.message for i in issues.issues)}
    return ValidationFailed(message, code=first.code, issues=list(issues.issues))


# ------------------------------------------------------------------ serials


def _counter(license_type: LicenseType, issuer_code: str, year: int) -> LicenseCounter:
    queryset = LicenseCounter.objects.select_for_update()
    counter = queryset.filter(license_type=license_type, issuer_credit_code=issuer_code, year=year).first()
    if counter is not None:
        return counter
    try:
        with transaction.atomic():
            LicenseCounter.objects.create(license_type=license_type, issuer_credit_code=issuer_code, year=year)
    except IntegrityError:
        pass  # another transaction created it first: lock theirs
    return queryset.get(license_type=license_type, issuer_credit_code=issuer_code, year=year)


def serial_allocate(*, license_type: LicenseType, issuer_code: str, year: int) -> str:
    """The next serial ``{year}{6 digits}`` of (type, issuer, year), taken under the counter's row lock: no gaps
    and no duplicates among allocated serials (a number already used by an imported licence is passed over)."""
    counter = _counter(license_type, issuer_code, year)
    while True:
        counter.last += 1
        serial = f"{year}{counter.last:06d}"
        if not License.objects.filter(license_type=license_type, issuer_credit_code=issuer_code,
                                      serial=serial).exists():
            break
    LicenseCounter.objects.filter(pk=counter.pk).update(last=counter.last)
    return serial


# ------------------------------------------------------------------ the signed file


def _surface(license_type: LicenseTypeRow, *, identifier: str, data: dict[str, str], holder_kind: str,
             holder_name: str, holder_number: str, issuer_name: str, issued_on: date, valid_from: date,
             valid_until: date | None, version: int) -> LicenseSurface:
    return LicenseSurface(
        identifier=identifier, type_name=license_type.name, layout=license_type.layout,
        fields=[{"name": f.name, "label": f.label} for f in license_type.fields], data=data,
        holder_kind=holder_kind, holder_name=holder_name, holder_number=holder_number, issuer_name=issuer_name,
        issued_on=issued_on, valid_from=valid_from, valid_until=valid_until, version=version)


def _sealed_file(surface: LicenseSurface, *, issuer_department_id: int, owner_user_id: int,
                 actor: Actor) -> tuple[int, str, int]:
    """Render, seal and store: (file id, SHA-256 of the sealed file, seal id)."""
    sealed = pdf_seal(department_id=issuer_department_id, pdf=license_render(surface), reference=surface.identifier,
                      purpose="license", reason=_("签发电子证照：%(t)s") % {"t": surface.type_name},
                      actor_label=actor.label, kinds=SEAL_KINDS)
    info = file_store_generated(owner_user_id=owner_user_id, data=sealed.data, kind="pdf",
                                display_name=f"{surface.type_name}-{surface.identifier.split('.')[-3]}.pdf",
                                purpose=FILE_PURPOSE)
    return info.id, sealed.sha256, sealed.seal_id


def _event(license: License, *, action: str, from_status: str, to_status: str, reason: str, actor: Actor) -> None:
    LicenseEvent.objects.create(license=license, action=action, from_status=from_status, to_status=to_status,
                                reason=reason[:REASON_MAX], actor_label=actor.label[:200])


def _payload(license: License) -> dict[str, Any]:
    return {"license_id": license.pk, "identifier": license.identifier, "license_type": license.license_type.code,
            "license_type_name": license.license_type.name, "status": license.status,
            "issuer_department_id": license.issuer_department_id, "holder_user_id": license.holder_user_id,
            "holder_organization_id": license.holder_organization_id, "case_id": license.case_id,
            "valid_until": license.valid_until.isoformat() if license.valid_until else None}


def _target(license: License) -> Target:
    return Target(type="licenses.license", id=str(license.pk), label=f"{license.license_type.name} {license.identifier}")


# ------------------------------------------------------------------ issue


@atomic_service
def license_issue(
    *, license_type_code: str, issuer_department_id: int, holder_kind: str, holder_name: str, holder_number: str,
    data: Mapping[str, Any], holder_user_id: int | None = None, holder_organization_id: int | None = None,
    case_id: int | None = None, valid_from: date | None = None, valid_until: date | None = None,
    source: str = LicenseSource.CASE, actor: Actor, serial: str = "", issued_on: date | None = None,
) -> LicenseRow:
    """签发 one licence (version 001). All problems with the input are reported at once (:class:`ValidationFailed`
    with one issue per field); ``serial`` is given only by an import of an existing licence (else allocated);
    without ``valid_until`` the type's validity rule applies. Raises ``Conflict(seal_unavailable)`` when the
    issuing department has no active seal, ``Conflict(serial_taken)`` for an imported serial already used."""
    license_type = (LicenseType.objects.select_related("defining_department").prefetch_related("issuing_departments")
                    .filter(code=(license_type_code or "").strip().upper(), active=True).first())
    if license_type is None:
        raise ValidationFailed(_("证照类型“%(c)s”不存在或已停用。") % {"c": license_type_code},
                               code="license_type_unknown", issues=[Issue(
                                   "license_type_unknown", _("证照类型“%(c)s”不存在或已停用。") % {"c": license_type_code},
                                   "license_type")])
    row = type_row(license_type)
    department = directory.department_get(department_id=issuer_department_id)
    if department is None or department.pk not in row.issuing_department_ids:
        raise Conflict(_("%(d)s不是“%(t)s”的颁发部门。") % {
            "d": department.name if department else _("该部门"), "t": row.name}, code="not_issuer")
    if source not in LicenseSource.values:
        raise ValueError(f"unknown licence source {source!r}")
    issues = IssueList()
    number = _check_holder(issues, holder_kind=holder_kind, holder_name=holder_name, holder_number=holder_number,
                           type_row_=row)
    cleaned = _check_data(issues, type_row_=row, data=data or {}, holder_name=holder_name, holder_number=number)
    today = timezone.localdate()
    start = valid_from or today
    until = valid_until if valid_until is not None else validity_until(row.validity, start)
    if until is not None and until < start:
        issues.add("valid_until_before_start", _("有效期止不能早于有效期起。"), "valid_until")
    elif until is not None and until < today:
        issues.add("valid_until_past", _("有效期已届满（%(d)s），不能签发或导入。") % {"d": until.isoformat()},
                   "valid_until")
    serial = (serial or "").strip().upper()
    if serial and not SERIAL_RE.match(serial):
        issues.add("serial_invalid", _("顺序号只能由数字和大写字母组成，最长20位。"), "serial")
    if issues:
        raise _fail(issues)
    if serial:
        if License.objects.filter(license_type=license_type, issuer_credit_code=department.credit_code,
                                  serial=serial).exists():
            raise Conflict(_("顺序号%(s)s已被使用。") % {"s": serial}, code="serial_taken")
    else:
        serial = serial_allocate(license_type=license_type, issuer_code=department.credit_code, year=today.year)
    identifier = identifier_make(type_code=license_type.code, issuer_code=department.credit_code, serial=serial)
    issued = issued_on or (start if source == LicenseSource.IMPORT else today)
    holder_name = holder_name.strip()
    surface = _surface(row, identifier=identifier, data=cleaned, holder_kind=holder_kind, holder_name=holder_name,
                       holder_number=number, issuer_name=department.name, issued_on=issued, valid_from=start,
                       valid_until=until, version=1)
    file_id, sha256, seal_id = _sealed_file(surface, issuer_department_id=department.pk,
                                            owner_user_id=holder_user_id or 0, actor=actor)
    license = License.objects.create(
        license_type=license_type, identifier=identifier, serial=serial, version=1, issuer_department=department,
        issuer_credit_code=department.credit_code, holder_kind=holder_kind, holder_name=holder_name,
        holder_number=number, holder_index=holder_index(holder_kind=holder_kind, holder_number=number),
        holder_user_id=holder_user_id, holder_organization_id=holder_organization_id,
        data=json.dumps(cleaned, ensure_ascii=False, sort_keys=True), status=LicenseStatus.VALID,
        issued_on=issued, valid_from=start, valid_until=until, source=source, case_id=case_id, seal_id=seal_id,
        pdf_file_id=file_id, pdf_sha256=sha256)
    _event(license, action="issue", from_status="", to_status=LicenseStatus.VALID,
           reason=str(LicenseSource(source).label), actor=actor)
    audit_record(action="licenses.license.issue", actor=actor, target=_target(license), detail={
        "license_type": license_type.code, "issuer_department_id": department.pk, "serial": serial, "version": 1,
        "source": source, "case_id": case_id, "pdf_sha256": sha256, "seal_id": seal_id})
    outbox_emit(topic="license.issued", payload=_payload(license), aggregate_type="license",
                aggregate_id=str(license.pk), department_ids=[department.pk])
    return license_row(license)


# ------------------------------------------------------------------ state changes


def _license_admin(user: Any, *, action: str, license_id: int, lock: bool = True) -> tuple[StaffContext, License]:
    """The licence for a 证照管理人员 of its issuing department; outside scope 404, without the role 403 (audited)."""
    staff = staff_context_for_user(user)
    actor = staff_audit_actor(staff) if staff is not None else Actor(kind="anonymous")
    target = Target(type="licenses.license", id=str(license_id))
    if staff is None:
        raise denial(action=action, actor=actor, target=target, message=_("只有工作人员可以管理电子证照。"))
    queryset = License.objects.select_related("license_type", "issuer_department")
    license = (queryset.select_for_update(of=("self",)) if lock else queryset).filter(pk=license_id).first()
    if license is None or not staff.scope.covers_department(license.issuer_department_id):
        raise concealed_denial(action=action, actor=actor, target=target, message=_("没有找到这份电子证照。"))
    if workflow.LICENSE_ADMIN not in staff.roles or staff.department_id != license.issuer_department_id:
        raise denial(action=action, actor=actor, target=_target(license),
                     message=_("只有颁发部门的证照管理人员可以变更证照状态。"))
    return staff, license


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("请写明理由。"), code="reason_required",
                               issues=[Issue("reason_required", _("请写明理由。"), "reason")])
    if len(text) > REASON_MAX:
        raise ValidationFailed(_("理由不能超过%(n)d个字。") % {"n": REASON_MAX}, code="reason_too_long",
                               issues=[Issue("reason_too_long", _("理由不能超过%(n)d个字。") % {"n": REASON_MAX},
                                             "reason")])
    return text


def _change(license: License, *, transition: str, token: str, reason: str, actor: Actor,
            superseded_by: License | None = None) -> None:
    new = workflow.license_next_status(status=license.status, transition=transition, actor=token)
    old = license.status
    license.status = new
    license.status_reason = reason[:REASON_MAX]
    license.status_changed_at = timezone.now()
    fields = ["status", "status_reason", "status_changed_at"]
    if superseded_by is not None:
        license.superseded_by = superseded_by
        fields.append("superseded_by")
    license.save(update_fields=fields)
    _event(license, action=transition, from_status=old, to_status=new, reason=reason, actor=actor)
    audit_record(action=f"licenses.license.{transition}", actor=actor, target=_target(license),
                 detail={"from": old, "to": new, "reason": reason[:REASON_MAX]})
    outbox_emit(topic="license.status_changed", payload={**_payload(license), "from_status": old,
                                                         "transition": transition},
                aggregate_type="license", aggregate_id=str(license.pk),
                department_ids=[license.issuer_department_id])


@atomic_service
def license_transition(*, user: Any, license_id: int, transition: str, reason: str) -> LicenseRow:
    """撤销 (revoke) / 注销 (cancel) / 转出 (transfer_out) / 吊销 (withdraw) by a 证照管理人员 of the issuing
    department, with a reason. The system's transitions (expire, supersede) are refused here."""
    staff, license = _license_admin(user, action=f"licenses.license.{transition}", license_id=license_id)
    if transition not in workflow.LICENSE_TRANSITIONS:
        raise ValidationFailed(_("不支持的操作。"), code="transition_unknown")
    text = _reason(reason)
    _change(license, transition=transition, token=workflow.LICENSE_ADMIN, reason=text,
            actor=staff_audit_actor(staff))
    return license_row(license)


def license_expire_due(*, today: date | None = None) -> int:
    """到期失效: every valid licence whose last day is before ``today``; one transaction per licence, rows
    locked and re-checked (idempotent, safe beside a concurrent change). Returns how many expired."""
    day = today or timezone.localdate()
    ids = list(License.objects.filter(status=LicenseStatus.VALID, valid_until__lt=day)
               .order_by("pk").values_list("pk", flat=True)[:5000])
    count = 0
    for license_id in ids:
        with transaction.atomic():
            license = (License.objects.select_for_update(of=("self",)).select_related("license_type")
                       .filter(pk=license_id, status=LicenseStatus.VALID, valid_until__lt=day).first())
            if license is None:
                continue
            assert license.valid_until is not None
            _change(license, transition="expire", token=workflow.SYSTEM, actor=SYSTEM,
                    reason=_("有效期至%(d)s，已届满。") % {"d": license.valid_until.isoformat()})
            count += 1
    return count


@atomic_service
def license_reissue(*, user: Any, license_id: int, reason: str, data: Mapping[str, Any] | None = None,
                    valid_from: date | None = None, valid_until: date | None = None) -> LicenseRow:
    """换发: a new version of the licence (same type, issuer and serial, version + 1) with the surface data updated
    by ``data``, sealed anew; the old version becomes 注销 with ``superseded_by`` pointing to the new one."""
    staff, old = _license_admin(user, action="licenses.license.reissue", license_id=license_id)
    text = _reason(reason)
    actor = staff_audit_actor(staff)
    workflow.license_next_status(status=old.status, transition="supersede", actor=workflow.SYSTEM)
    license_type = (LicenseType.objects.select_related("defining_department").prefetch_related("issuing_departments")
                    .get(pk=old.license_type_id))
    row = type_row(license_type)
    issues = IssueList()
    merged = {**json.loads(old.data or "{}"), **{k: v for k, v in (data or {}).items() if v is not None}}
    cleaned = _check_data(issues, type_row_=row, data=merged, holder_name=old.holder_name,
                          holder_number=old.holder_number)
    today = timezone.localdate()
    start = valid_from or today
    until = valid_until if valid_until is not None else validity_until(row.validity, start)
    if until is not None and until < max(start, today):
        issues.add("valid_until_past", _("有效期止不能早于今天或有效期起。"), "valid_until")
    if issues:
        raise _fail(issues)
    version = (License.objects.filter(license_type_id=old.license_type_id, issuer_credit_code=old.issuer_credit_code,
                                      serial=old.serial).order_by("-version").values_list("version", flat=True)
               .first() or old.version) + 1
    identifier = identifier_make(type_code=license_type.code, issuer_code=old.issuer_credit_code, serial=old.serial,
                                 version=version)
    surface = _surface(row, identifier=identifier, data=cleaned, holder_kind=old.holder_kind,
                       holder_name=old.holder_name, holder_number=old.holder_number,
                       issuer_name=old.issuer_department.name, issued_on=today, valid_from=start, valid_until=until,
                       version=version)
    file_id, sha256, seal_id = _sealed_file(surface, issuer_department_id=old.issuer_department_id,
                                            owner_user_id=old.holder_user_id or 0, actor=actor)
    new = License.objects.create(
        license_type=license_type, identifier=identifier, serial=old.serial, version=version,
        issuer_department_id=old.issuer_department_id, issuer_credit_code=old.issuer_credit_code,
        holder_kind=old.holder_kind, holder_name=old.holder_name, holder_number=old.holder_number,
        holder_index=old.holder_index, holder_user_id=old.holder_user_id,
        holder_organization_id=old.holder_organization_id, data=json.dumps(cleaned, ensure_ascii=False, sort_keys=True),
        status=LicenseStatus.VALID, issued_on=today, valid_from=start, valid_until=until, source=LicenseSource.REISSUE,
        case_id=old.case_id, seal_id=seal_id, pdf_file_id=file_id, pdf_sha256=sha256)
    _event(new, action="reissue", from_status="", to_status=LicenseStatus.VALID, reason=text, actor=actor)
    audit_record(action="licenses.license.reissue", actor=actor, target=_target(new), detail={
        "previous": old.identifier, "version": version, "reason": text, "pdf_sha256": sha256, "seal_id": seal_id})
    outbox_emit(topic="license.issued", payload={**_payload(new), "previous": old.identifier},
                aggregate_type="license", aggregate_id=str(new.pk), department_ids=[new.issuer_department_id])
    _change(old, transition="supersede", token=workflow.SYSTEM, actor=actor,
            reason=_("换发为第%(v)03d版：%(r)s") % {"v": version, "r": text}, superseded_by=new)
    return license_row(new)


def license_pdf(*, license_id: int) -> bytes:
    """The sealed PDF of a licence version, as stored (callers check who may read it)."""
    file_id = License.objects.filter(pk=license_id).values_list("pdf_file_id", flat=True).first()
    if not file_id:
        raise NotFound(_("没有找到这份电子证照文件。"), code="license_file_not_found")
    _info, data = file_read(file_id=file_id)
    return data
