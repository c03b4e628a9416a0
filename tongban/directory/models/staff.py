"""Staff (工作人员), their roles and data scope (their department and its region subtree).

TOTP is mandatory for staff (tongban.identity.totp); the three separated administrators of MLPS level 3 (系统、
安全、审计管理员) can never be held by one account (enforced by ``directory.services.staff_role_grant``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("窗口受理人员")
    REVIEWER = "reviewer", _("审核人员")
    APPROVER = "approver", _("审批人员")
    REALNAME_REVIEWER = "realname_reviewer", _("实名审核人员")
    DEPARTMENT_CATALOG_ADMIN = "department_catalog_admin", _("部门事项管理员")
    LICENSE_ADMIN = "license_admin", _("证照管理人员")
    LICENSE_LOOKUP = "license_lookup", _("一证通办查询人员")
    DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
    PLATFORM_CATALOG_ADMIN = "platform_catalog_admin", _("平台事项管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# 等保三级“三员分立”: no account may hold two of these, nor one of these with platform_admin (ADR 0010).
SEPARATED_ADMIN_ROLES = frozenset({StaffRole.SYSTEM_ADMIN, StaffRole.SECURITY_ADMIN, StaffRole.AUDIT_ADMIN})
# Roles whose data scope is the whole platform; held only by staff of a province-level department.
PLATFORM_ROLES = frozenset({StaffRole.PLATFORM_ADMIN, StaffRole.PLATFORM_CATALOG_ADMIN}) | SEPARATED_ADMIN_ROLES
# Business roles (业务角色) that a department administrator manages for the staff of their own department.
BUSINESS_ROLES = frozenset({StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.APPROVER,
                            StaffRole.DEPARTMENT_CATALOG_ADMIN, StaffRole.LICENSE_ADMIN, StaffRole.LICENSE_LOOKUP})


class Staff(models.Model):  # 工作人员
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT,
                                related_name="staff")
    department = models.ForeignKey("directory.Department", verbose_name=_("所属部门"), on_delete=models.PROTECT,
                                   related_name="staff")
    name = models.CharField(_("姓名"), max_length=100)
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.name


class StaffRoleAssignment(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=40, choices=StaffRole.choices)

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique")]

    def __str__(self) -> str:
        return f"{self.staff_id}:{self.role}"
