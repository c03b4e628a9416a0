"""Who manages webhook subscriptions (事件订阅) and which: platform administrators every department's, department
administrators their own department's (department-bound data scope, ADR 0010)."""

from __future__ import annotations

from tongban.directory.selectors import StaffContext, StaffScope

__all__ = ["may_manage_webhooks", "webhook_scope"]


def may_manage_webhooks(staff: StaffContext | None) -> bool:
    return staff is not None and (staff.is_platform_admin or staff.is_department_admin)


def webhook_scope(staff: StaffContext) -> StaffScope:
    """Platform-wide for a platform administrator; otherwise the staff member's own department."""
    if staff.is_platform_admin:
        return StaffScope(department_id=staff.department_id, region_prefix="", platform_wide=True)
    return StaffScope(department_id=staff.department_id, region_prefix=staff.region_prefix)
