"""Who manages electronic seals (电子印章): department administrators their own department's, platform
administrators every department's. Shared by the seal services and selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import Target, actor_from_user, concealed_denial, denial
from tongban.directory.scope import StaffContext, staff_audit_actor, staff_context_for_user

__all__ = ["seal_admin_context", "seal_manager"]


def seal_manager(staff: StaffContext | None) -> bool:
    """Whether the staff member manages seals (电子印章): a department or platform administrator."""
    return staff is not None and (staff.is_platform_admin or staff.is_department_admin)


def seal_admin_context(*, user: Any, action: str, department_id: int | None = None,
                       target: Target | None = None) -> StaffContext:
    """The acting seal administrator, or an audited refusal: 403 for someone who does not manage seals at all,
    404 (concealed) for a department administrator reaching another department's seal."""
    staff = staff_context_for_user(user)
    if staff is None:
        raise denial(action=action, actor=actor_from_user(user), target=target,
                     message=_("只有工作人员可以管理电子印章。"))
    actor = staff_audit_actor(staff)
    if not seal_manager(staff):
        raise denial(action=action, actor=actor, target=target,
                     message=_("只有部门管理员或平台管理员可以管理电子印章。"))
    if department_id is not None and not (staff.is_platform_admin or department_id == staff.department_id):
        raise concealed_denial(action=action, actor=actor, target=target, message=_("没有找到这枚印章。"))
    return staff
