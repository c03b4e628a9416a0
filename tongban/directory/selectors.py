"""Read access to regions, departments, halls and staff. Other apps use these functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from tongban.directory.models import Department, Hall, Region, RegionLevel, Staff, StaffRole
from tongban.directory.models.region import PREFIX_LENGTH


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

    @property
    def is_platform_catalog_admin(self) -> bool:
        return StaffRole.PLATFORM_CATALOG_ADMIN in self.roles

    @property
    def is_department_catalog_admin(self) -> bool:
        return StaffRole.DEPARTMENT_CATALOG_ADMIN in self.roles


def staff_context_for_user(user: object) -> StaffContext | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    staff = (
        Staff.objects.select_related("department__region")
        .prefetch_related("roles")
        .filter(user_id=user.pk, is_active=True)  # type: ignore[attr-defined]
        .first()
    )
    if staff is None:
        return None
    dept = staff.department
    return StaffContext(
        user_id=staff.user_id,
        staff_id=staff.pk,
        name=staff.name,
        department_id=dept.pk,
        department_name=dept.name,
        department_level=dept.level,
        region_prefix=dept.region.prefix,
        roles=frozenset(r.role for r in staff.roles.all()),
    )


def staff_exists(*, username: str) -> bool:
    return Staff.objects.filter(user__username__iexact=username).exists()


def region_get(*, code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def region_list_children(*, code: str | None) -> QuerySet[Region]:
    if code is None:
        return Region.objects.filter(parent__isnull=True)
    return Region.objects.filter(parent__code=code)


def region_list_sites() -> QuerySet[Region]:
    """Regions that have their own sub-site: the province, prefectures and counties."""
    return Region.objects.filter(level__lte=RegionLevel.COUNTY).order_by("code")


def region_ancestor_codes(region: Region) -> list[str]:
    """12-digit codes of the region and every region above it, province first."""
    return [prefix.ljust(12, "0") for lvl, prefix in
            ((lvl, region.code[:n]) for lvl, n in PREFIX_LENGTH.items()) if lvl <= region.level]


def region_subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(prefix__startswith=region.prefix)


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
