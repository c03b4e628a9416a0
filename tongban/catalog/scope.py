"""Which implementations (实施清单) a staff member may see: one rule for selectors and services alike.

Implementations are department-bound data: platform catalogue administrators (platform-wide scope, see
:class:`tongban.directory.selectors.StaffScope`) see all of them; every other staff member — department catalogue
administrators included — sees only their own department's, and edits them only with the catalogue role.
"""

from __future__ import annotations

from django.db.models import Q

from tongban.directory.selectors import StaffContext


def implementation_scope(staff: StaffContext | None) -> Q:
    """A filter on implementations that keeps those visible to ``staff`` (nothing for a non-staff account)."""
    if staff is None:
        return Q(pk__in=[])
    if staff.is_platform_catalog_admin:
        return Q()
    return Q(department_id=staff.department_id)
