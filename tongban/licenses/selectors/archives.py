"""Reads of the electronic archive (电子档案) for the workbench and the management commands."""

from __future__ import annotations

from tongban.core.rows import COUNT_LIMIT, Rows
from tongban.directory.selectors import StaffContext
from tongban.licenses.archive_records import (
    ArchivePolicyRow,
    ArchiveRow,
    archive_row,
    archive_staff_may,
    policy_row,
)
from tongban.licenses.models import ArchivePackage, ArchivePolicy

__all__ = ["archive_list_for_staff", "archive_package_ids", "archive_policy_list"]


def archive_list_for_staff(*, staff: StaffContext | None, case_number: str = "", status: str = "") -> Rows[ArchiveRow]:
    """The packages this staff member may see, newest first: their department's, or every one for platform-wide
    staff; narrowed to a case number (exact, or its beginning) and a status. Nothing for other staff."""
    queryset = ArchivePackage.objects.none()
    if staff is not None and archive_staff_may(staff):
        queryset = (ArchivePackage.objects.select_related("department")
                    .filter(staff.scope.department_filter("department_id")).order_by("-created_at", "-pk"))
        number = (case_number or "").strip()
        if number:
            queryset = queryset.filter(case_number__startswith=number[:64])
        if status:
            queryset = queryset.filter(status=status)
    return Rows(queryset, archive_row, count_limit=COUNT_LIMIT)


def archive_package_ids(*, case_number: str | None = None) -> list[int]:
    """Ids of the packages to check or export (no permission check: for the management commands): the one of
    ``case_number``, or all of them."""
    queryset = ArchivePackage.objects.order_by("pk")
    if case_number is not None:
        queryset = queryset.filter(case_number=case_number.strip())
    return list(queryset.values_list("pk", flat=True))


def archive_policy_list() -> list[ArchivePolicyRow]:
    """Every item's retention policy (保管期限), by item code."""
    return [policy_row(p) for p in ArchivePolicy.objects.order_by("item_code")]
