"""Electronic seals (电子印章): making a seal, and its activation, suspension and revocation.

A seal is made by an administrator of its department (部门管理员) or a platform administrator: the credit code is
the department's, the image is drawn from the department's name and the seal's kind
(:mod:`tongban.licenses.seal_image`), the certificate issued by the platform root (:mod:`tongban.licenses.pki`);
it starts 待启用 and signs nothing until activated. Every status change goes through the seal transition table
(:func:`tongban.licenses.workflow.seal_next_status`), suspension and revocation with a reason, and is audited. A
revoked seal stays revoked: a new seal (with a new key and certificate) takes its place; certificates are never
reused. The usage log (用章记录) is written by :func:`tongban.licenses.signing.pdf_seal`.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, Target, atomic_service, audit_record
from tongban.core.errors import Conflict, Issue, IssueList, NotFound, ValidationFailed
from tongban.directory.scope import staff_audit_actor
from tongban.directory.selectors import department_get
from tongban.licenses import pki
from tongban.licenses.models import Seal, SealKind, SealStatus
from tongban.licenses.seal_access import seal_admin_context
from tongban.licenses.seal_image import seal_image_png
from tongban.licenses.seal_records import SealRow, seal_row
from tongban.licenses.workflow import SEAL_ADMIN, seal_next_status

__all__ = ["seal_create", "seal_default_name", "seal_ensure_for_department", "seal_transition"]

NAME_MAX = 100
REASON_MAX = 500
REASON_REQUIRED = frozenset({"suspend", "revoke"})


def _target(seal: Seal) -> Target:
    return Target(type="licenses.seal", id=str(seal.pk), label=seal.name)


def seal_default_name(*, department_name: str, kind: str) -> str:
    """公章 carry the department's name; other kinds add theirs (…证照专用章)."""
    if kind == SealKind.OFFICIAL:
        return department_name[:NAME_MAX]
    return f"{department_name}{SealKind(kind).label}"[:NAME_MAX]


def _kind_text(kind: str) -> str:
    return "" if kind == SealKind.OFFICIAL else str(SealKind(kind).label)


def _make(*, department: Any, name: str, kind: str, created_by_id: int | None) -> Seal:
    ca = pki.ca_ensure()
    issued = pki.seal_certificate_issue(ca=ca, seal_name=name, department_name=department.name,
                                        credit_code=department.credit_code)
    return Seal.objects.create(
        department_id=department.pk, name=name, kind=kind, credit_code=department.credit_code,
        status=SealStatus.PENDING, image_png=seal_image_png(department_name=department.name, kind_text=_kind_text(kind)),
        certificate_pem=issued.certificate_pem, private_key_pem=issued.private_key_pem,
        certificate_serial=issued.serial_hex, authority=ca, not_before=issued.not_before, not_after=issued.not_after,
        created_by_id=created_by_id)


@atomic_service
def seal_create(*, user: Any, department_id: int, name: str, kind: str) -> SealRow:
    """Make a seal for a department (status 待启用). Department administrators of that department and platform
    administrators only (others: audited 403; another department: audited 404)."""
    action = "licenses.seal.create"
    staff = seal_admin_context(user=user, action=action, department_id=int(department_id),
                               target=Target(type="directory.department", id=str(department_id)))
    department = department_get(department_id=int(department_id))
    if department is None:
        raise NotFound(_("没有找到这个部门。"), code="department_not_found")
    name = " ".join((name or "").split())
    problems = IssueList()
    if not name:
        problems.add("name_required", _("请填写印章名称。"), "name")
    elif len(name) > NAME_MAX:
        problems.add("name_too_long", _("印章名称不能超过%(n)d个字。") % {"n": NAME_MAX}, "name")
    if kind not in SealKind.values:
        problems.add("kind_invalid", _("请选择印章类型。"), "kind")
    if not department.credit_code:
        problems.add("credit_code_missing", _("该部门没有统一社会信用代码，不能制作印章。"), "department")
    if problems:
        raise ValidationFailed(problems.issues[0].message, issues=problems.issues)
    if Seal.objects.filter(department_id=department.pk, name=name).exclude(status=SealStatus.REVOKED).exists():
        raise ValidationFailed(_("本部门已有同名的印章。"), code="seal_name_taken",
                               issues=[Issue(code="seal_name_taken", message=_("本部门已有同名的印章。"), field="name")])
    seal = _make(department=department, name=name, kind=kind, created_by_id=user.pk)
    audit_record(action=action, actor=staff_audit_actor(staff), target=_target(seal),
                 detail={"department_id": department.pk, "kind": kind, "certificate_serial": seal.certificate_serial,
                         "authority_id": seal.authority_id})
    return seal_row(seal)


def _apply(seal: Seal, *, transition: str, reason: str) -> str:
    previous = seal.status
    target = seal_next_status(status=seal.status, transition=transition, actor=SEAL_ADMIN)
    if target == SealStatus.ACTIVE and seal.not_after <= timezone.now():
        raise Conflict(_("印章证书已过期，不能启用。请制作新的印章。"), code="seal_certificate_expired")
    seal.status = target
    seal.status_reason = reason
    seal.status_changed_at = timezone.now()
    seal.save(update_fields=["status", "status_reason", "status_changed_at"])
    return previous


@atomic_service
def seal_transition(*, user: Any, seal_id: int, transition: str, reason: str) -> SealRow:
    """启用 (activate), 停用 (suspend) or 注销 (revoke) a seal; suspension and revocation need a reason."""
    action = f"licenses.seal.{transition}" if transition in {"activate", "suspend", "revoke"} else "licenses.seal.transition"
    target = Target(type="licenses.seal", id=str(seal_id))
    seal_admin_context(user=user, action=action, target=target)
    seal = Seal.objects.select_for_update().filter(pk=seal_id).first()
    if seal is None:
        raise NotFound(_("没有找到这枚印章。"), code="seal_not_found")
    staff = seal_admin_context(user=user, action=action, department_id=seal.department_id, target=target)
    reason = " ".join((reason or "").split())
    if transition in REASON_REQUIRED and not reason:
        message = _("请写明停用或注销印章的理由。")
        raise ValidationFailed(message, code="reason_required",
                               issues=[Issue(code="reason_required", message=message, field="reason")])
    if len(reason) > REASON_MAX:
        message = _("理由不能超过%(n)d个字。") % {"n": REASON_MAX}
        raise ValidationFailed(message, code="reason_too_long",
                               issues=[Issue(code="reason_too_long", message=message, field="reason")])
    previous = _apply(seal, transition=transition, reason=reason)
    audit_record(action=action, actor=staff_audit_actor(staff), target=_target(seal),
                 detail={"from": previous, "to": seal.status, "reason": reason[:300]})
    seal = Seal.objects.select_related("department").get(pk=seal.pk)
    return seal_row(seal)


@atomic_service
def seal_ensure_for_department(*, department_id: int, kind: str = SealKind.OFFICIAL) -> int:
    """System use (demo loader, set-up): the id of the department's active seal of ``kind``, made and activated
    first when there is none. Audited as the system."""
    if kind not in SealKind.values:
        raise ValueError(f"unknown seal kind {kind!r}")
    existing = (Seal.objects.filter(department_id=department_id, kind=kind, status=SealStatus.ACTIVE)
                .order_by("pk").values_list("pk", flat=True).first())
    if existing is not None:
        return int(existing)
    department = department_get(department_id=int(department_id))
    if department is None:
        raise NotFound(_("没有找到这个部门。"), code="department_not_found")
    name = seal_default_name(department_name=department.name, kind=kind)
    seal = _make(department=department, name=name, kind=kind, created_by_id=None)
    audit_record(action="licenses.seal.create", actor=SYSTEM, target=_target(seal),
                 detail={"department_id": department.pk, "kind": kind, "certificate_serial": seal.certificate_serial,
                         "authority_id": seal.authority_id})
    _apply(seal, transition="activate", reason=_("系统初始化自动启用"))
    audit_record(action="licenses.seal.activate", actor=SYSTEM, target=_target(seal),
                 detail={"from": SealStatus.PENDING, "to": seal.status, "reason": seal.status_reason})
    return seal.pk
