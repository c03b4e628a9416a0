"""Staff (工作人员) as permission checks see them: :class:`StaffContext` with its data scope :class:`StaffScope`,
and the rules on who administers whose roles. Selectors and services of the directory share these; other apps
import them through :mod:`tongban.directory.selectors`. See ``docs/adr/0010-staff-roles-and-data-scope.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from tongban.core.audit import Actor
from tongban.directory.models import RegionLevel, Staff, StaffRole
from tongban.directory.models.staff import BUSINESS_ROLES, PLATFORM_ROLES, SEPARATED_ADMIN_ROLES


@dataclass(frozen=True)
class StaffScope:
    """数据范围 of one staff member: the whole platform, or their department's region subtree.

    * ``platform_wide``: the staff member holds a platform role (:data:`PLATFORM_ROLES`) and sits in a
      province-level department (省级平台部门) — they see every region and every department.
    * otherwise: region-bound data (real-name requests, organisations) within the subtree of their department's
      region, i.e. every region code starting with ``region_prefix`` (a county prefix covers only that county, a
      prefecture prefix its counties too); department-bound data (implementations, staff) of ``department_id`` only.
    """

    department_id: int
    region_prefix: str
    platform_wide: bool = False

    def covers_region(self, code: str) -> bool:
        """Whether a region code (6-digit GB/T 2260 or 12-digit statistical code) lies in the scope."""
        return self.platform_wide or (bool(code) and code.startswith(self.region_prefix))

    def covers_department(self, department_id: int) -> bool:
        return self.platform_wide or department_id == self.department_id

    def region_filter(self, field: str) -> Q:
        """A filter on a region-code field (``field`` names a 6- or 12-digit code) that keeps rows in scope."""
        return Q() if self.platform_wide else Q(**{f"{field}__startswith": self.region_prefix})

    def department_filter(self, field: str) -> Q:
        """A filter on a department foreign key (``field``, e.g. ``department_id``) that keeps rows in scope."""
        return Q() if self.platform_wide else Q(**{field: self.department_id})


@dataclass(frozen=True)
class StaffContext:
    """What the permission checks need to know about an acting staff member."""

    user_id: int
    staff_id: int
    name: str
    department_id: int
    department_name: str
    department_level: str
    region_prefix: str
    roles: frozenset[str]
    scope: StaffScope
    at_province: bool = False
    department_category: str = ""

    @property
    def is_platform_catalog_admin(self) -> bool:
        return StaffRole.PLATFORM_CATALOG_ADMIN in self.roles and self.scope.platform_wide

    @property
    def is_department_catalog_admin(self) -> bool:
        return StaffRole.DEPARTMENT_CATALOG_ADMIN in self.roles

    @property
    def is_platform_admin(self) -> bool:
        return StaffRole.PLATFORM_ADMIN in self.roles and self.scope.platform_wide

    @property
    def is_security_admin(self) -> bool:
        return StaffRole.SECURITY_ADMIN in self.roles and self.scope.platform_wide

    @property
    def is_realname_reviewer(self) -> bool:
        return StaffRole.REALNAME_REVIEWER in self.roles

    @property
    def is_department_admin(self) -> bool:
        return StaffRole.DEPARTMENT_ADMIN in self.roles

    @property
    def can_manage_roles(self) -> bool:
        """May open the role management page (角色管理)."""
        return self.is_platform_admin or self.is_security_admin or self.is_department_admin

    @property
    def admin_scope(self) -> StaffScope:
        """Whose accounts this staff member administers: everyone for platform and security administrators,
        their own department for a department administrator (nobody otherwise: callers check can_manage_roles)."""
        if self.is_platform_admin or self.is_security_admin:
            return StaffScope(department_id=self.department_id, region_prefix="", platform_wide=True)
        return StaffScope(department_id=self.department_id, region_prefix=self.region_prefix)


def staff_audit_actor(staff: StaffContext) -> Actor:
    """The acting staff member as the audit log records them."""
    return Actor(kind="staff", id=str(staff.staff_id), label=f"{staff.name}（{staff.department_name}）")


def staff_scope_of(*, roles: frozenset[str] | set[str], region_prefix: str, region_level: int,
                   department_id: int) -> StaffScope:
    """The data scope for a staff member with these roles in a department seated at that region."""
    platform_wide = bool(set(roles) & PLATFORM_ROLES) and region_level == RegionLevel.PROVINCE
    return StaffScope(department_id=department_id, region_prefix=region_prefix, platform_wide=platform_wide)


def staff_context_for_user(user: object) -> StaffContext | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    staff = (
        Staff.objects.select_related("department__region")
        .prefetch_related("roles")
        .filter(user_id=user.pk, is_active=True, user__is_active=True)  # type: ignore[attr-defined]
        .first()
    )
    if staff is None:
        return None
    dept = staff.department
    roles = frozenset(r.role for r in staff.roles.all())
    return StaffContext(
        user_id=staff.user_id,
        staff_id=staff.pk,
        name=staff.name,
        department_id=dept.pk,
        department_name=dept.name,
        department_level=dept.level,
        region_prefix=dept.region.prefix,
        roles=roles,
        scope=staff_scope_of(roles=roles, region_prefix=dept.region.prefix, region_level=dept.region.level,
                             department_id=dept.pk),
        at_province=dept.region.level == RegionLevel.PROVINCE,
        department_category=dept.category,
    )


# ------------------------------------------------------------------ role management (角色管理)


@dataclass(frozen=True)
class StaffRow:
    """One staff member as the role management pages show them."""

    id: int
    user_id: int
    username: str
    name: str
    department_id: int
    department_name: str
    region_name: str
    at_province: bool
    is_active: bool
    roles: tuple[str, ...]

    @property
    def role_labels(self) -> tuple[str, ...]:
        return tuple(str(StaffRole(role).label) for role in self.roles)


def staff_row_of(staff: Staff) -> StaffRow:
    held = {assignment.role for assignment in staff.roles.all()}
    return StaffRow(
        id=staff.pk, user_id=staff.user_id, username=staff.user.get_username(), name=staff.name,
        department_id=staff.department_id, department_name=staff.department.name,
        region_name=staff.department.region.name, at_province=staff.department.region.level == RegionLevel.PROVINCE,
        is_active=staff.is_active, roles=tuple(role for role in StaffRole.values if role in held))


def roles_manageable_by(actor: StaffContext, staff: StaffRow) -> frozenset[str]:
    """The roles ``actor`` may grant to or revoke from ``staff`` (ADR 0010):

    * nobody changes their own roles;
    * a platform administrator: every role except the three separated administrators;
    * a security administrator (安全管理员, who manages authorisation under 等保三级): the three separated roles;
    * a department administrator: the business roles of staff of their own department;
    * platform and separated roles only for staff of a province-level department.
    """
    if staff.id == actor.staff_id or staff.user_id == actor.user_id:
        return frozenset()
    roles: set[str] = set()
    if actor.is_platform_admin:
        roles |= set(StaffRole.values) - SEPARATED_ADMIN_ROLES
    if actor.is_security_admin:
        roles |= SEPARATED_ADMIN_ROLES
    if actor.is_department_admin and staff.department_id == actor.department_id:
        roles |= BUSINESS_ROLES
    if not staff.at_province:
        roles -= PLATFORM_ROLES
    return frozenset(roles)
