"""Minimal staff model (工作人员): the identity issue extends it with more roles and mandatory TOTP."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    PLATFORM_CATALOG_ADMIN = "platform_catalog_admin", _("平台事项管理员")
    DEPARTMENT_CATALOG_ADMIN = "department_catalog_admin", _("部门事项管理员")


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
