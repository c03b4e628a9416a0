"""Writes to the directory: regions, departments, halls and staff."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from tongban.core.audit import SYSTEM, Actor, Target, atomic_service, audit_record
from tongban.core.errors import ValidationFailed
from tongban.directory.models import Department, Hall, Region, Staff, StaffRole, StaffRoleAssignment, Window
from tongban.directory.models.department import REGION_LEVEL_TO_EXERCISE
from tongban.directory.models.region import PREFIX_LENGTH
from tongban.directory.models.staff import SEPARATED_ADMIN_ROLES
from tongban.identity.interface import AccountKind


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str


@transaction.atomic
def region_load(*, rows: Sequence[RegionRow]) -> int:
    """Insert or rename regions from a division table (GB/T 2260 / 统计用区划代码). Returns rows written."""
    existing = {r.code: r for r in Region.objects.all()}
    written = 0
    for row in sorted(rows, key=lambda r: (r.level, r.code)):
        if len(row.code) != 12 or not row.code.isdigit() or row.level not in PREFIX_LENGTH:
            raise ValidationFailed(_("区划代码 %(c)s 不是12位数字或层级不正确。") % {"c": row.code}, code="bad_region")
        parent = existing.get(row.parent_code) if row.parent_code else None
        if row.parent_code and parent is None:
            raise ValidationFailed(_("区划 %(c)s 的上级 %(p)s 不存在。") % {"c": row.code, "p": row.parent_code},
                                   code="bad_region_parent")
        region = existing.get(row.code)
        if region is None:
            region = Region(code=row.code, name=row.name, level=row.level, parent=parent)
            region.save()
            existing[row.code] = region
            written += 1
        elif (region.name, region.level, region.parent_id) != (row.name, row.level, parent.pk if parent else None):
            region.name, region.level, region.parent = row.name, row.level, parent
            region.save()
            written += 1
    return written


def demo_credit_code(region_code: str, serial: int, *, enterprise: bool = False) -> str:
    """A well-formed but fictitious unified social credit code for a demo body (GB 32100 + GB 11714)."""
    org = f"{(int(region_code[:6]) * 7 + serial * 7919) % 10**8:08d}"
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    check = 11 - sum(int(d) * w for d, w in zip(org, weights, strict=True)) % 11
    org += {10: "X", 11: "0"}.get(check, str(check))
    body = ("91" if enterprise else "11") + region_code[:6] + org
    return body + str(uscc.calc_check_digit(body))


def credit_code_validate(code: str) -> str:
    """GB 32100 unified social credit code, normalised; raises ValidationFailed with a Chinese message."""
    try:
        return str(uscc.validate(code))
    except Exception:  # stdnum raises several ValidationError subclasses
        raise ValidationFailed(_("统一社会信用代码“%(c)s”不正确（长度、字符或校验位）。") % {"c": code},
                               code="bad_credit_code") from None


@atomic_service
def department_upsert(
    *, actor: Actor = SYSTEM, name: str, credit_code: str, category: str, region_code: str, nature: str,
    is_demo: bool = False,
) -> Department:
    credit_code = credit_code_validate(credit_code)
    region = Region.objects.get(code=region_code)
    parent = None
    if region.parent_id is not None:
        parent = Department.objects.filter(region_id=region.parent_id, category=category).first()
    department, created = Department.objects.update_or_create(
        credit_code=credit_code,
        defaults={"name": name, "category": category, "region": region, "nature": nature, "parent": parent,
                  "level": REGION_LEVEL_TO_EXERCISE[region.level], "is_demo": is_demo},
    )
    audit_record(action="directory.department.create" if created else "directory.department.update", actor=actor,
                 target=Target(type="directory.department", id=credit_code, label=name))
    return department


@dataclass(frozen=True)
class WindowSpec:
    number: str
    name: str
    categories: tuple[str, ...]


@atomic_service
def hall_upsert(
    *, actor: Actor = SYSTEM, name: str, kind: str, region_code: str, address: str, hours: str, phone: str,
    windows: Iterable[WindowSpec], is_demo: bool = False,
) -> Hall:
    region = Region.objects.get(code=region_code)
    hall, created = Hall.objects.update_or_create(
        name=name, defaults={"kind": kind, "region": region, "address": address, "hours": hours, "phone": phone,
                             "is_demo": is_demo})
    for spec in windows:
        window, _created = Window.objects.update_or_create(
            hall=hall, number=spec.number, defaults={"name": spec.name, "is_comprehensive": not spec.categories})
        window.departments.set(Department.objects.filter(region=region, category__in=spec.categories))
    audit_record(action="directory.hall.create" if created else "directory.hall.update", actor=actor,
                 target=Target(type="directory.hall", id=str(hall.pk), label=name))
    return hall


@atomic_service
def staff_create(
    *, actor: Actor = SYSTEM, username: str, password: str, name: str, department_id: int, roles: Iterable[str],
) -> Staff:
    """A staff account in a department with the given roles (the identity issue adds TOTP and more roles)."""
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(_("用户名 %(u)s 已被使用。") % {"u": username}, code="duplicate_username")
    user = user_model.objects.create_user(username=username, password=password, display_name=name,
                                          kind=AccountKind.STAFF)
    staff = Staff.objects.create(user=user, department_id=department_id, name=name)
    roles = set(roles)
    if len(roles & SEPARATED_ADMIN_ROLES) > 1:
        raise ValidationFailed(_("系统管理员、安全管理员和审计管理员必须由不同的人担任（三员分立）。"),
                               code="separation_of_duties")
    StaffRoleAssignment.objects.bulk_create(StaffRoleAssignment(staff=staff, role=role) for role in roles)
    audit_record(action="directory.staff.create", actor=actor, target=Target(type="directory.staff",
                 id=str(staff.pk), label=name), detail={"roles": sorted(set(roles))})
    return staff


def department_bulk_create_for_load(*, categories: Sequence[str], credit_code: Callable[[str, int], str]) -> int:
    """Benchmark and load-test data: one department per category in every prefecture and county without one.

    Bulk inserts (no per-row audit): only ``generate_catalog_load`` calls it, never a request.
    """
    regions = list(Region.objects.filter(level__in=[2, 3]))
    existing = set(Department.objects.values_list("region_id", "category"))
    rows = [
        Department(name=f"{region.name}{category}（生成）", category=category, region=region,
                   level=REGION_LEVEL_TO_EXERCISE[region.level], credit_code=credit_code(region.code, 500 + index),
                   is_demo=True)
        for region in regions for index, category in enumerate(categories) if (region.pk, category) not in existing
    ]
    Department.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@atomic_service
def staff_role_grant(*, actor: Actor, staff_id: int, role: str) -> None:
    """Give a staff member a role. The three separated administrators are never combined on one account."""
    if role not in StaffRole.values:
        raise ValidationFailed(_("角色不存在。"), code="unknown_role")
    staff = Staff.objects.select_for_update().get(pk=staff_id)
    held = set(staff.roles.values_list("role", flat=True))
    if role in SEPARATED_ADMIN_ROLES and held & (SEPARATED_ADMIN_ROLES - {role}):
        raise ValidationFailed(_("系统管理员、安全管理员和审计管理员必须由不同的人担任（三员分立），不能授予同一账号。"),
                               code="separation_of_duties")
    StaffRoleAssignment.objects.get_or_create(staff=staff, role=role)
    audit_record(action="directory.staff.role_grant", actor=actor,
                 target=Target(type="directory.staff", id=str(staff.pk), label=staff.name), detail={"role": role})


@atomic_service
def staff_role_revoke(*, actor: Actor, staff_id: int, role: str) -> None:
    deleted, _rows = StaffRoleAssignment.objects.filter(staff_id=staff_id, role=role).delete()
    if deleted:
        audit_record(action="directory.staff.role_revoke", actor=actor,
                     target=Target(type="directory.staff", id=str(staff_id)), detail={"role": role})
