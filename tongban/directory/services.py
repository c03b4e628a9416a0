"""Writes to the directory: regions, departments, halls and staff."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc

from tongban.core.audit import (
    SYSTEM,
    Actor,
    Target,
    actor_from_user,
    atomic_service,
    audit_record,
    concealed_denial,
    denial,
)
from tongban.core.errors import ValidationFailed
from tongban.directory.models import (
    Department,
    Hall,
    Region,
    RegionLevel,
    Staff,
    StaffRole,
    StaffRoleAssignment,
    Window,
)
from tongban.directory.models.department import REGION_LEVEL_TO_EXERCISE
from tongban.directory.models.region import PREFIX_LENGTH
from tongban.directory.models.staff import PLATFORM_ROLES, SEPARATED_ADMIN_ROLES
from tongban.directory.scope import (
    StaffContext,
    StaffRow,
    roles_manageable_by,
    staff_audit_actor,
    staff_context_for_user,
    staff_row_of,
)
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
    department = Department.objects.select_related("region").get(pk=department_id)
    roles = set(roles)
    unknown = roles - set(StaffRole.values)
    if unknown:
        raise ValidationFailed(_("角色不存在。"), code="unknown_role")
    _roles_check(roles, at_province=department.region.level == RegionLevel.PROVINCE)
    user = user_model.objects.create_user(username=username, password=password, display_name=name,
                                          kind=AccountKind.STAFF)
    staff = Staff.objects.create(user=user, department=department, name=name)
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


# ------------------------------------------------------------------ roles (角色) and their administration


def _roles_check(roles: set[str], *, at_province: bool) -> None:
    """Rules on the roles one account holds together, whoever grants them (ADR 0010)."""
    if len(roles & SEPARATED_ADMIN_ROLES) > 1:
        raise ValidationFailed(_("系统管理员、安全管理员和审计管理员必须由不同的人担任（三员分立），不能授予同一账号。"),
                               code="separation_of_duties")
    if roles & SEPARATED_ADMIN_ROLES and StaffRole.PLATFORM_ADMIN in roles:
        raise ValidationFailed(_("平台管理员不能同时担任系统管理员、安全管理员或审计管理员（三员分立）。"),
                               code="separation_of_duties")
    if roles & PLATFORM_ROLES and not at_province:
        raise ValidationFailed(_("平台管理角色只能授予省级部门的工作人员。"), code="platform_role_outside_province")


@dataclass(frozen=True)
class _RoleActor:
    """Who changes roles: the system (loaders, commands: no scope) or a staff member with their context."""

    audit: Actor
    staff: StaffContext | None
    is_system: bool


def _role_actor(actor: Any) -> _RoleActor:
    if isinstance(actor, Actor):
        return _RoleActor(audit=actor, staff=None, is_system=actor.kind == SYSTEM.kind)
    staff = staff_context_for_user(actor)
    return _RoleActor(audit=staff_audit_actor(staff) if staff else actor_from_user(actor), staff=staff,
                      is_system=False)


def _staff_for_role_change(acting: _RoleActor, *, staff_id: int, action: str, lock: bool = True) -> Staff:
    """The staff row, locked, if the actor administers it: 403 (audited) for an actor who administers nobody,
    404 (audited) for a staff member outside their scope, so that a bare id reveals nothing."""
    target = Target(type="directory.staff", id=str(staff_id))
    if not acting.is_system and (acting.staff is None or not acting.staff.can_manage_roles):
        raise denial(action=action, actor=acting.audit, target=target,
                     message=_("只有平台管理员、安全管理员和部门管理员可以管理工作人员角色。"))
    qs = Staff.objects.select_related("user", "department__region")
    if lock:
        qs = qs.select_for_update(of=("self",))
    if acting.staff is not None:
        qs = qs.filter(acting.staff.admin_scope.department_filter("department_id"))
    staff = qs.filter(pk=staff_id).first()
    if staff is None:
        raise concealed_denial(action=action, actor=acting.audit, target=target, message=_("没有找到这名工作人员。"))
    return staff


def _require_manageable(acting: _RoleActor, staff: Staff, roles: set[str], *, action: str) -> None:
    if acting.staff is None:
        return
    if staff.pk == acting.staff.staff_id:
        raise denial(action=action, actor=acting.audit, target=_staff_target(staff),
                     message=_("不能修改自己的角色，请由其他管理员办理。"))
    allowed = roles_manageable_by(acting.staff, staff_row_of(staff))
    refused = sorted(roles - allowed)
    if refused:
        raise denial(action=action, actor=acting.audit, target=_staff_target(staff),
                     message=_("您无权授予或撤销以下角色：%(r)s。") % {
                         "r": "、".join(str(StaffRole(role).label) for role in refused)})


def _staff_target(staff: Staff) -> Target:
    return Target(type="directory.staff", id=str(staff.pk), label=staff.name)


def _role_reason(acting: _RoleActor, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason and not acting.is_system:
        raise ValidationFailed(_("请填写调整角色的原因。"), code="reason_required")
    if len(reason) > ROLE_REASON_MAX:
        raise ValidationFailed(_("原因不能超过%(n)d个字。") % {"n": ROLE_REASON_MAX}, code="reason_too_long")
    return reason


ROLE_REASON_MAX = 200


def _apply_roles(acting: _RoleActor, staff: Staff, *, grant: set[str], revoke: set[str], reason: str) -> None:
    held = set(staff.roles.values_list("role", flat=True))
    _roles_check((held | grant) - revoke, at_province=staff.department.region.level == RegionLevel.PROVINCE)
    for role in sorted(grant - held):
        StaffRoleAssignment.objects.create(staff=staff, role=role)
        audit_record(action="directory.staff.role_grant", actor=acting.audit, target=_staff_target(staff),
                     detail={"role": role, "reason": reason})
    gone = revoke & held
    if gone:
        StaffRoleAssignment.objects.filter(staff=staff, role__in=gone).delete()
    for role in sorted(gone):
        audit_record(action="directory.staff.role_revoke", actor=acting.audit, target=_staff_target(staff),
                     detail={"role": role, "reason": reason})


@atomic_service
def staff_role_grant(*, actor: Any, staff_id: int, role: str, reason: str = "") -> None:
    """Give a staff member a role.

    ``actor`` is :data:`SYSTEM` (loaders, commands) or the acting user, whose right to grant that role to that
    person is checked (:func:`tongban.directory.selectors.roles_manageable_by`); a reason is then required. The
    three separated administrators are never combined on one account, nor with platform_admin.
    """
    if role not in StaffRole.values:
        raise ValidationFailed(_("角色不存在。"), code="unknown_role")
    acting = _role_actor(actor)
    staff = _staff_for_role_change(acting, staff_id=staff_id, action="directory.staff.role_grant")
    _require_manageable(acting, staff, {role}, action="directory.staff.role_grant")
    _apply_roles(acting, staff, grant={role}, revoke=set(), reason=_role_reason(acting, reason))


@atomic_service
def staff_role_revoke(*, actor: Any, staff_id: int, role: str, reason: str = "") -> None:
    """Take a role away (effective at the staff member's next request: roles are read on every request)."""
    if role not in StaffRole.values:
        raise ValidationFailed(_("角色不存在。"), code="unknown_role")
    acting = _role_actor(actor)
    staff = _staff_for_role_change(acting, staff_id=staff_id, action="directory.staff.role_revoke")
    _require_manageable(acting, staff, {role}, action="directory.staff.role_revoke")
    _apply_roles(acting, staff, grant=set(), revoke={role}, reason=_role_reason(acting, reason))


@dataclass(frozen=True)
class RoleChange:
    granted: tuple[str, ...]
    revoked: tuple[str, ...]


@atomic_service
def staff_roles_update(*, actor: Any, staff_id: int, roles: Iterable[str], reason: str) -> RoleChange:
    """Set the roles the actor administers for this staff member to ``roles`` (all changes or none).

    Roles the actor does not administer keep their state; asking to change one of them is refused (audited).
    Each grant and each revocation is audited with the reason.
    """
    wanted = set(roles)
    if wanted - set(StaffRole.values):
        raise ValidationFailed(_("角色不存在。"), code="unknown_role")
    acting = _role_actor(actor)
    staff = _staff_for_role_change(acting, staff_id=staff_id, action="directory.staff.role_update")
    held = set(staff.roles.values_list("role", flat=True))
    grant, revoke = wanted - held, held - wanted
    if acting.staff is not None:
        manageable = roles_manageable_by(acting.staff, staff_row_of(staff)) if staff.pk != acting.staff.staff_id \
            else frozenset()
        revoke &= manageable  # roles outside the actor's reach are not part of the form: they stay
    if not grant and not revoke:
        raise ValidationFailed(_("角色没有变化。"), code="no_change")
    _require_manageable(acting, staff, grant | revoke, action="directory.staff.role_update")
    _apply_roles(acting, staff, grant=grant, revoke=revoke, reason=_role_reason(acting, reason))
    return RoleChange(granted=tuple(sorted(grant)), revoked=tuple(sorted(revoke)))


@atomic_service
def staff_open_for_admin(*, user: Any, staff_id: int) -> tuple[StaffContext, StaffRow]:
    """A staff member's page for the role administration (角色管理): the acting administrator and the row.

    403 (audited) for someone who administers nobody; 404 (audited) for a staff member outside their scope or
    missing, so that a bare id reveals nothing.
    """
    acting = _role_actor(user)
    staff = _staff_for_role_change(acting, staff_id=staff_id, action="directory.staff.view", lock=False)
    assert acting.staff is not None  # _staff_for_role_change refused everyone else
    return acting.staff, staff_row_of(staff)


@atomic_service
def staff_authorize(
    *, user: Any, action: str, permitted: Callable[[StaffContext], bool], message: str, target: Target | None = None,
) -> StaffContext:
    """The acting staff member if ``permitted`` holds for them; otherwise an audited refusal (403).

    For pages and services of other apps that need a role check before anything else is read.
    """
    staff = staff_context_for_user(user)
    if staff is None or not permitted(staff):
        raise denial(action=action, actor=staff_audit_actor(staff) if staff else actor_from_user(user),
                     target=target, message=message)
    return staff
