"""Agents (经办人): natural persons the legal representative authorises to act for the organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.organizations.models.organization import Organization


class AgentScope(models.TextChoices):  # 授权范围
    APPLY = "apply", _("申请办理事项")
    VIEW_CASES = "view_cases", _("查看办件")
    MANAGE_LICENSES = "manage_licenses", _("管理证照")
    PAY = "pay", _("缴纳费用")


class AgentAuthorization(models.Model):  # 经办人授权
    organization = models.ForeignKey(Organization, verbose_name=_("法人"), on_delete=models.PROTECT,
                                     related_name="agent_authorizations")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人账号"), on_delete=models.PROTECT,
                              related_name="+")
    scopes = models.JSONField(_("授权范围"), default=list)
    valid_until = models.DateTimeField(_("有效期至"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("授权人"), on_delete=models.PROTECT,
                                   related_name="+")
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("撤销人"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        constraints = [models.UniqueConstraint(fields=["organization", "agent"], condition=models.Q(revoked_at=None),
                                               name="agentauth_one_open_per_agent")]

    def __str__(self) -> str:
        return f"agent:{self.agent_id}@org:{self.organization_id}"
