"""Who may review real-name requests: staff holding the role ``realname_reviewer`` (实名审核员), and what they see.

Staff, their roles and their data scope come from ``tongban.directory.selectors.staff_context_for_user``.

Scope (分区域审核): each manual review and correction request carries ``region_code``, the 6-digit division
code of the applicant's household registration (户籍地, the first six digits of the ID number), routed at
submission to the deepest region the directory knows (county, else prefecture, else the province; codes outside
the province go to the province queue — :func:`tongban.directory.selectors.region_route_code`). A reviewer sees
the requests whose region lies in their department's region subtree: a province reviewer sees every request, a
昆明市 reviewer those routed to 5301xx, a 石林县 reviewer those of 530126. A reviewer seated at a township sees none
(routing stops at counties).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongban.directory.interface import StaffRole
from tongban.directory.selectors import StaffScope, staff_context_for_user

REVIEWER_ROLE = StaffRole.REALNAME_REVIEWER


@dataclass(frozen=True)
class Reviewer:
    user_id: int
    username: str
    name: str
    department_name: str
    scope: StaffScope
    can_manage_roles: bool = False  # for the workbench navigation
    is_realname_reviewer: bool = True

    def covers(self, region_code: str) -> bool:
        return self.scope.covers_region(region_code)


def reviewer_for_user(user: Any) -> Reviewer | None:
    """The reviewer acting through this account, or ``None`` when it is not an active staff member with the role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    staff = staff_context_for_user(user)
    if staff is None or REVIEWER_ROLE not in staff.roles:
        return None
    return Reviewer(user_id=int(user.pk), username=user.get_username(), name=staff.name,
                    department_name=staff.department_name, scope=staff.scope,
                    can_manage_roles=staff.can_manage_roles)
