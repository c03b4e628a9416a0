"""一证通办 (one-number look-up): a staff member with role 一证通办查询人员 (``license_lookup``) enters a resident ID
number or a unified social credit code and the purpose of the look-up, and sees the holder's valid licences.

The number is found through the blind index (``holder_index``), never compared in clear, and never written to the
audit log: the record names who looked, the purpose, the kind of number and its blind index, and how many licences
were found — look-ups that find nothing are recorded too. Scope: the role sees valid licences of every type for
the holder (a window needs whatever the applicant holds); the recorded purpose and the audit are the control.
Results are masked (name, number).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc

from tongban.core.audit import Target, actor_from_user, atomic_service, audit_record, denial
from tongban.core.crypto import mask_id_number, mask_name
from tongban.core.errors import Issue, ValidationFailed
from tongban.directory.interface import StaffRole
from tongban.directory.scope import staff_audit_actor, staff_context_for_user
from tongban.licenses.holding import holder_number_index
from tongban.licenses.models import HolderKind, License, LicenseStatus

MIN_PURPOSE_CHARS = 4
MAX_PURPOSE_CHARS = 200
ACTION = "licenses.lookup"


@dataclass(frozen=True)
class LookupLicense:
    identifier: str
    type_name: str
    issuer_name: str
    holder_kind_label: str
    holder_name_masked: str
    holder_number_masked: str
    issued_on: date
    valid_until: date | None


@dataclass(frozen=True)
class LookupResult:
    number_kind: str  # "person" | "organization"
    number_masked: str
    purpose: str
    licences: list[LookupLicense]


def may_lookup(user: Any) -> bool:
    staff = staff_context_for_user(user)
    return staff is not None and StaffRole.LICENSE_LOOKUP in staff.roles


def normalise_number(number: str) -> tuple[str, str]:
    """(kind, normalised number) of an ID number (lower-case x accepted) or a credit code; :class:`ValidationFailed`
    when it is neither."""
    value = "".join((number or "").split()).upper()
    if len(value) == 18 and ric.is_valid(value):
        return HolderKind.PERSON, value
    if len(value) == 18 and uscc.is_valid(value):
        return HolderKind.ORGANIZATION, value
    message = _("请输入正确的公民身份号码（18 位）或统一社会信用代码（18 位），注意校验位。")
    raise ValidationFailed(message, issues=[Issue(code="number_invalid", message=message, field="number")])


@atomic_service
def license_lookup(*, user: Any, number: str, purpose: str) -> LookupResult:
    """The valid licences of the holder of ``number``, for a staff member with role ``license_lookup``."""
    staff = staff_context_for_user(user)
    if staff is None or StaffRole.LICENSE_LOOKUP not in staff.roles:
        raise denial(action=ACTION, actor=staff_audit_actor(staff) if staff else actor_from_user(user), target=None,
                     message=_("只有一证通办查询人员可以按身份号码查询证照。"))
    purpose = " ".join((purpose or "").split())
    issues = []
    kind, value = "", ""
    try:
        kind, value = normalise_number(number)
    except ValidationFailed as exc:
        issues += exc.issues
    if len(purpose) < MIN_PURPOSE_CHARS or len(purpose) > MAX_PURPOSE_CHARS:
        issues.append(Issue(code="purpose_invalid", field="purpose",
                            message=_("请写明查询事由（4 至 200 个字），该事由将记入审计日志。")))
    if issues:
        raise ValidationFailed(issues[0].message, issues=issues)
    index = holder_number_index(value)
    today = timezone.localdate()
    rows = (License.objects.filter(holder_index=index, holder_kind=kind, status=LicenseStatus.VALID)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
            .select_related("license_type", "issuer_department").order_by("license_type__name", "-issued_on"))
    found = [LookupLicense(
        identifier=r.identifier, type_name=r.license_type.name, issuer_name=r.issuer_department.name,
        holder_kind_label=str(r.get_holder_kind_display()), holder_name_masked=mask_name(str(r.holder_name or "")),
        holder_number_masked=mask_id_number(str(r.holder_number or "")), issued_on=r.issued_on,
        valid_until=r.valid_until) for r in rows]
    audit_record(action=ACTION, actor=staff_audit_actor(staff),
                 target=Target(type="licenses.holder", id=index[:32], label=str(HolderKind(kind).label)),
                 detail={"purpose": purpose, "number_kind": kind, "holder_index": index, "found": len(found),
                         "department_id": staff.department_id})
    return LookupResult(number_kind=kind, number_masked=mask_id_number(value), purpose=purpose, licences=found)
