"""Read access to regions, departments, halls and staff. Other apps use these functions.

Data scope (数据范围) of staff is one notion, :class:`StaffScope`, built by :func:`staff_context_for_user`; every
query that serves a staff member filters through it (see ``docs/adr/0010-staff-roles-and-data-scope.md``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet

from tongban.core.rows import Rows
from tongban.directory.models import Department, Hall, Region, RegionLevel, Staff, StaffRoleAssignment
from tongban.directory.models.region import PREFIX_LENGTH
from tongban.directory.scope import (
    StaffContext,
    StaffRow,
    StaffScope,
    roles_manageable_by,
    staff_audit_actor,
    staff_context_for_user,
    staff_row_of,
    staff_scope_of,
)

__all__ = [
    "StaffContext", "StaffRow", "StaffScope", "department_get", "department_list", "hall_list",
    "region_ancestor_codes", "region_get", "region_list_children", "region_list_sites", "region_route_code",
    "region_rows",
    "region_subtree", "roles_manageable_by", "staff_audit_actor", "staff_context_for_user",
    "staff_department_choices_for_admin", "staff_exists", "staff_get_for_admin", "staff_list_for_admin",
    "staff_row_of", "staff_scope_of", "staff_user_ids_with_roles",
]

GB2260_LENGTH = 6
PROVINCE_FALLBACK = "530000"  # the platform's province, before any region is loaded


def _staff_for_admin(actor: StaffContext) -> QuerySet[Staff]:
    if not actor.can_manage_roles:
        return Staff.objects.none()
    return (Staff.objects.filter(actor.admin_scope.department_filter("department_id"))
            .select_related("user", "department__region").prefetch_related("roles"))


def staff_list_for_admin(
    *, actor: StaffContext, department_id: int | None = None, role: str | None = None, query: str | None = None,
) -> Rows[StaffRow]:
    """Staff whose roles ``actor`` administers (see :attr:`StaffContext.staff_scope`), by department and name."""
    qs = _staff_for_admin(actor)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if role:
        qs = qs.filter(Exists(StaffRoleAssignment.objects.filter(staff=OuterRef("pk"), role=role)))
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(user__username__icontains=query))
    return Rows(qs.order_by("department__region__code", "department__category", "name", "pk"), staff_row_of)


def staff_get_for_admin(*, actor: StaffContext, staff_id: int) -> StaffRow | None:
    staff = _staff_for_admin(actor).filter(pk=staff_id).first()
    return staff_row_of(staff) if staff is not None else None


def staff_department_choices_for_admin(*, actor: StaffContext) -> list[tuple[int, str]]:
    """Departments that have staff within the actor's administration scope (for the list filter)."""
    if not actor.can_manage_roles:
        return []
    departments = (Department.objects.filter(actor.admin_scope.department_filter("pk"), staff__isnull=False)
                   .distinct().order_by("region__code", "category"))
    return [(d.pk, d.name) for d in departments]


def staff_user_ids_with_roles(*, department_ids: Iterable[int], roles: Iterable[str]) -> list[int]:
    """Account ids of the active staff of these departments holding any of ``roles`` (e.g. whom to notify)."""
    department_ids, roles = list(department_ids), list(roles)
    if not department_ids or not roles:
        return []
    held = StaffRoleAssignment.objects.filter(staff=OuterRef("pk"), role__in=roles)
    return sorted(Staff.objects.filter(department_id__in=department_ids, is_active=True, user__is_active=True)
                  .filter(Exists(held)).values_list("user_id", flat=True))


def staff_exists(*, username: str) -> bool:
    return Staff.objects.filter(user__username__iexact=username).exists()


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def region_list_children(*, code: str | None) -> QuerySet[Region]:
    if code is None:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(parent__code=code)


def region_rows(*, root_code: str | None, min_level: int = 2, max_level: int = 4) -> list[tuple[str, str, int, str]]:
    """``(code, name, level, parent code)`` of the regions under ``root_code`` (all when None) between two levels,
    in code order: the choices of a region picker."""
    qs = Region.objects.filter(level__gte=min_level, level__lte=max_level)
    if root_code:
        root = Region.objects.filter(code=root_code).first()
        if root is None:
            return []
        qs = qs.filter(prefix__startswith=root.prefix)
    return [(code, name, level, parent or "") for code, name, level, parent in
            qs.order_by("code").values_list("code", "name", "level", "parent__code")]


def region_list_sites() -> QuerySet[Region]:
    """Regions that have their own sub-site: the province, prefectures and counties."""
    return Region.objects.filter(level__lte=RegionLevel.COUNTY).order_by("code")


def region_ancestor_codes(region: Region) -> list[str]:
    """12-digit codes of the region and every region above it, province first."""
    return [prefix.ljust(12, "0") for lvl, prefix in
            ((lvl, region.code[:n]) for lvl, n in PREFIX_LENGTH.items()) if lvl <= region.level]


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(prefix__startswith=region.prefix)


def region_route_code(*, code: str) -> str:
    """The 6-digit GB/T 2260 code of the directory region that handles a 6-digit division code (e.g. the 户籍
    region at the start of an ID number): the county when the directory has it, else its prefecture, else the
    province. Codes outside the directory's province, or unknown, go to the province (the first root region)."""
    code = (code or "")[:GB2260_LENGTH]
    candidates: list[str] = []
    if len(code) == GB2260_LENGTH and code.isascii() and code.isdigit():
        candidates = [code + "000000", code[:4] + "00000000", code[:2] + "0000000000"]
    known = dict(Region.objects.filter(code__in=candidates, level__lte=RegionLevel.COUNTY)
                 .values_list("code", "level"))
    for candidate in candidates:
        if candidate in known:
            return candidate[:GB2260_LENGTH]
    root = Region.objects.filter(parent__isnull=True).order_by("code").values_list("code", flat=True).first()
    return (root or PROVINCE_FALLBACK)[:GB2260_LENGTH]


def department_list(*, region_code: str | None = None, category: str | None = None) -> QuerySet[Department]:
    qs = Department.objects.select_related("region")
    if region_code:
        qs = qs.filter(region__code=region_code)
    if category:
        qs = qs.filter(category=category)
    return qs


def department_get(*, department_id: int) -> Department | None:
    return Department.objects.select_related("region").filter(pk=department_id).first()


def hall_list(*, region_codes: list[str] | None = None, within: str | None = None) -> QuerySet[Hall]:
    """Halls in the given regions, or anywhere inside the region ``within`` (its whole subtree)."""
    qs = Hall.objects.select_related("region").prefetch_related("windows__departments")
    if region_codes is not None:
        qs = qs.filter(region__code__in=region_codes)
    if within is not None:
        region = region_get(code=within)
        qs = qs.filter(region__prefix__startswith=region.prefix) if region else qs.none()
    return qs.order_by("region__code", "name")
