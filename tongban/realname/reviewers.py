"""Who may review real-name requests: staff holding the role ``realname_reviewer`` (实名审核员).

Staff and their roles come from ``tongban.directory.selectors.staff_context_for_user``.

Scope: the review queue is platform-wide for now — every reviewer sees every request. Narrowing it to a region
needs the applicant's region, which the identity does not hold yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tongban.directory.interface import StaffRole
from tongban.directory.selectors import staff_context_for_user

REVIEWER_ROLE = StaffRole.REALNAME_REVIEWER


@dataclass(frozen=True)
class Reviewer:
    user_id: int
    username: str
    name: str
    department_name: str


def reviewer_for_user(user: Any) -> Reviewer | None:
    """The reviewer acting through this account, or ``None`` when it is not an active staff member with the role."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    staff = staff_context_for_user(user)
    if staff is None or REVIEWER_ROLE not in staff.roles:
        return None
    return Reviewer(user_id=int(user.pk), username=user.get_username(), name=staff.name,
                    department_name=staff.department_name)
