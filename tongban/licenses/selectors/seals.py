"""Reading electronic seals (电子印章) and their usage logs (用章记录), scoped to the acting staff member: a
department administrator sees their department's seals, a platform administrator every seal. A seal outside the
scope answers like a missing one (404, audited as a denial by :func:`seal_get_for_staff`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from tongban.core.audit import Target, atomic_service
from tongban.core.errors import NotFound
from tongban.directory.scope import StaffContext
from tongban.licenses.models import Seal, SealStatus, SealUsage
from tongban.licenses.pki import certificate_summary
from tongban.licenses.seal_access import seal_admin_context, seal_manager
from tongban.licenses.seal_records import SealDetail, SealRow, seal_row
from tongban.licenses.workflow import SEAL_ADMIN, seal_transitions_from

__all__ = [
    "SealDetail", "SealRow", "seal_admin_context", "seal_get_for_staff", "seal_image_for_staff",
    "seal_list_for_staff", "seal_manager", "seal_manager_check", "seal_row", "seal_usage_list_for_staff",
]


@atomic_service
def seal_manager_check(*, user: Any, action: str = "licenses.seal.list") -> StaffContext:
    """The acting seal administrator for the seal pages, or an audited refusal (403)."""
    return seal_admin_context(user=user, action=action, target=Target(type="licenses.seal"))


def _scoped(staff: StaffContext) -> QuerySet[Seal]:
    seals = Seal.objects.select_related("department")
    if staff.is_platform_admin:
        return seals
    if staff.is_department_admin:
        return seals.filter(department_id=staff.department_id)
    return seals.none()


def seal_list_for_staff(*, staff: StaffContext, status: str | None = None, query: str = "") -> list[SealRow]:
    """The seals in the staff member's scope, newest first, with their number of uses."""
    seals = _scoped(staff).annotate(uses=Count("usages"))
    if status in SealStatus.values:
        seals = seals.filter(status=status)
    if query:
        seals = seals.filter(Q(name__icontains=query) | Q(department__name__icontains=query))
    return [seal_row(s, usage_count=s.uses) for s in seals.order_by("-created_at", "-pk")]


def _get(*, user: Any, seal_id: int, action: str) -> tuple[StaffContext, Seal]:
    target = Target(type="licenses.seal", id=str(seal_id))
    staff = seal_admin_context(user=user, action=action, target=target)
    seal = Seal.objects.select_related("department", "authority", "created_by").filter(pk=seal_id).first()
    if seal is None:
        raise NotFound(_("没有找到这枚印章。"), code="seal_not_found")
    seal_admin_context(user=user, action=action, department_id=seal.department_id, target=target)
    return staff, seal


@atomic_service
def seal_get_for_staff(*, user: Any, seal_id: int) -> SealDetail:
    """One seal with its certificate and the transitions the staff member may make now."""
    _staff, seal = _get(user=user, seal_id=seal_id, action="licenses.seal.view")
    uses = SealUsage.objects.filter(seal_id=seal.pk).count()
    return SealDetail(seal=seal_row(seal, usage_count=uses), certificate=certificate_summary(seal.certificate_pem),
                      authority_name=seal.authority.name,
                      transitions=seal_transitions_from(seal.status, actor=SEAL_ADMIN),
                      created_by=seal.created_by.get_username() if seal.created_by else "")


@atomic_service
def seal_image_for_staff(*, user: Any, seal_id: int) -> bytes:
    """The seal image (PNG) for a staff member who manages the seal."""
    _staff, seal = _get(user=user, seal_id=seal_id, action="licenses.seal.view")
    return bytes(seal.image_png)


@atomic_service
def seal_usage_list_for_staff(*, user: Any, seal_id: int) -> QuerySet[SealUsage, Any]:
    """The seal's usage log (用章记录), newest first, as plain dicts (``purpose``, ``purpose_label`` is not
    included: map with :class:`SealUsage.Purpose`)."""
    _staff, seal = _get(user=user, seal_id=seal_id, action="licenses.seal.view")
    return (SealUsage.objects.filter(seal_id=seal.pk).order_by("-created_at", "-pk")
            .values("id", "purpose", "reference", "document_sha256", "actor_label", "created_at"))
