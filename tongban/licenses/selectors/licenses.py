"""Reads of licences (电子证照): for holders (我的证照, the case engine's resolver), for 证照管理人员 in the workbench
(scoped to their department; platform administrators see all), and by blind index for look-ups.

Validity is computed from the status row and today on every read (nothing cached): a licence revoked a moment ago
is no longer valid anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import AuditOutcome, Target, audit_record
from tongban.core.errors import NotFound
from tongban.core.rows import COUNT_LIMIT, Rows
from tongban.directory.scope import staff_audit_actor
from tongban.directory.selectors import StaffContext
from tongban.identity.selectors import person_verified_identity
from tongban.identity.services import id_number_index
from tongban.licenses.models import HolderKind, ImportBatch, License, LicenseEvent, LicenseStatus
from tongban.licenses.records import ImportReport, LicenseDetail, LicenseEventRow, LicenseRow
from tongban.licenses.rows import import_report_of, license_row
from tongban.organizations.selectors import acting_context


def _licenses() -> QuerySet[License]:
    return License.objects.select_related("license_type", "issuer_department")


def valid_now(*, today: date | None = None) -> Q:
    """Licences valid today: status 有效 and not past their last day (the expiry job may not have run yet)."""
    day = today or timezone.localdate()
    return Q(status=LicenseStatus.VALID) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def license_is_valid(license: License, *, today: date | None = None) -> bool:
    day = today or timezone.localdate()
    return license.status == LicenseStatus.VALID and (license.valid_until is None or license.valid_until >= day)


def _detail(license: License) -> LicenseDetail:
    data = json.loads(license.data or "{}")
    fields = license.license_type.fields or []
    layout_rows = (license.license_type.layout or {}).get("rows", [])
    order = [n for n in layout_rows if any(f["name"] == n for f in fields)]
    order += [f["name"] for f in fields if f["name"] not in order]
    labels = {f["name"]: f.get("label") or f["name"] for f in fields}
    versions = _licenses().filter(license_type_id=license.license_type_id,
                                  issuer_credit_code=license.issuer_credit_code,
                                  serial=license.serial).order_by("version")
    return LicenseDetail(
        row=license_row(license),
        fields=tuple((name, str(labels[name]), str(data.get(name, ""))) for name in order),
        public_fields=tuple(f["name"] for f in fields if f.get("public")),
        events=tuple(LicenseEventRow(action=e.action, from_status=e.from_status, to_status=e.to_status,
                                     reason=e.reason, actor_label=e.actor_label, created_at=e.created_at)
                     for e in LicenseEvent.objects.filter(license=license).order_by("created_at", "pk")),
        versions=tuple(license_row(v) for v in versions))


# ------------------------------------------------------------------ holders


def holder_indexes_for(*, user: Any, org_id: int | None = None) -> tuple[Q, str]:
    """(filter of the licences the person or organisation holds, their blind index or ""). For an organisation the
    caller must be allowed to act for it (``acting_context`` raises an audited NotPermitted otherwise)."""
    if org_id is not None:
        context = acting_context(user=user, org_id=org_id)
        index = id_number_index(context.credit_code)
        return Q(holder_organization_id=org_id) | Q(holder_kind=HolderKind.ORGANIZATION, holder_index=index), index
    verified = person_verified_identity(user_id=user.pk)
    if verified is None:
        return Q(holder_user_id=user.pk, holder_kind=HolderKind.PERSON), ""
    index = id_number_index(verified[1])
    return (Q(holder_user_id=user.pk) | Q(holder_index=index)) & Q(holder_kind=HolderKind.PERSON), index


def license_list_for_holder(*, user: Any, org_id: int | None = None) -> list[LicenseRow]:
    """The current version of every licence the person (or the organisation ``org_id``) holds, any status."""
    holder, _index = holder_indexes_for(user=user, org_id=org_id)
    return [license_row(lic) for lic in _licenses().filter(holder, superseded_by__isnull=True)
            .order_by("-issued_on", "-pk")]


def license_get_for_holder(*, user: Any, license_id: int, org_id: int | None = None) -> LicenseDetail:
    holder, _index = holder_indexes_for(user=user, org_id=org_id)
    license = _licenses().filter(holder, pk=license_id).first()
    if license is None:
        raise NotFound(_("没有找到这份电子证照。"), code="license_not_found")
    return _detail(license)


def license_list_valid_for_index(*, holder_index: str, type_names: Sequence[str] = ()) -> list[LicenseRow]:
    """Valid licences of the holder with this blind index (一证通办, the resolver), optionally of some types."""
    if not holder_index:
        return []
    qs = _licenses().filter(valid_now(), holder_index=holder_index)
    if type_names:
        qs = qs.filter(license_type__name__in=list(type_names))
    return [license_row(lic) for lic in qs.order_by("license_type__code", "-issued_on")]


def license_by_identifier(*, identifier: str) -> License | None:
    """The licence version with this identifier (internal: the ORM row, for the licences app's own services)."""
    text = (identifier or "").strip().upper()
    if not text:
        return None
    return _licenses().filter(identifier=text).first()


def license_row_by_identifier(*, identifier: str) -> LicenseRow | None:
    license = license_by_identifier(identifier=identifier)
    return license_row(license) if license else None


# ------------------------------------------------------------------ staff (证照管理)


def may_manage_licenses(staff: StaffContext | None) -> bool:
    """Whether the workbench shows 电子证照管理: 证照管理人员, or a platform administrator (read-only)."""
    return staff is not None and ("license_admin" in staff.roles or staff.is_platform_admin)


def _staff_scope(staff: StaffContext) -> Q:
    return Q() if staff.is_platform_admin else Q(issuer_department_id=staff.department_id)


def license_list_for_staff(*, staff: StaffContext, type_code: str = "", status: str = "",
                           holder_number: str = "", current_only: bool = True) -> Rows[LicenseRow]:
    """Licences issued by the staff member's department (all for a platform administrator), newest first;
    ``holder_number`` (ID number or credit code) is matched exactly through the blind index."""
    qs = _licenses().filter(_staff_scope(staff))
    if type_code:
        qs = qs.filter(license_type__code=type_code)
    if status:
        qs = qs.filter(status=status)
    if holder_number:
        qs = qs.filter(holder_index=id_number_index(holder_number.strip().upper()))
    if current_only:
        qs = qs.filter(superseded_by__isnull=True)
    return Rows(qs.order_by("-created_at", "-pk"), license_row, count_limit=COUNT_LIMIT)


def license_detail_for_staff(*, staff: StaffContext, license_id: int) -> LicenseDetail:
    """One licence in the staff member's scope; outside it, an audited 404."""
    license = _licenses().filter(_staff_scope(staff), pk=license_id).first()
    if license is None:
        audit_record(action="licenses.license.view", actor=staff_audit_actor(staff),
                     outcome=AuditOutcome.DENIED, target=Target(type="licenses.license", id=str(license_id)))
        raise NotFound(_("没有找到这份电子证照。"), code="license_not_found")
    return _detail(license)


def import_batch_list_for_staff(*, staff: StaffContext, limit: int = 20) -> list[ImportReport]:
    qs = ImportBatch.objects.all() if staff.is_platform_admin else ImportBatch.objects.filter(
        department_id=staff.department_id)
    return [import_report_of(b) for b in qs.order_by("-created_at", "-pk")[:limit]]


def import_batch_get_for_staff(*, staff: StaffContext, batch_id: int) -> ImportReport:
    qs = ImportBatch.objects.all() if staff.is_platform_admin else ImportBatch.objects.filter(
        department_id=staff.department_id)
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(_("没有找到这次导入。"), code="import_not_found")
    return import_report_of(batch)
