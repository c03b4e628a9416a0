"""Sign-on sessions (单点登录会话): one per authorization, carrying acr/amr into ID tokens and the logout ``sid``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignOnSession(models.Model):  # 单点登录会话
    sid = models.UUIDField(_("会话标识"), default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE,
                             related_name="+")
    client = models.ForeignKey("oidc.Client", verbose_name=_("接入系统"), on_delete=models.CASCADE,
                               related_name="signons")
    acr = models.PositiveSmallIntegerField(_("认证时的实名等级"))
    amr = models.JSONField(_("认证方式"), default=list)
    auth_time = models.DateTimeField(_("认证时间"))
    browser_session = models.CharField(_("浏览器会话索引"), max_length=64, blank=True,
                                       help_text=_("浏览器会话标识的摘要，用于统一注销"))
    organization_id = models.PositiveBigIntegerField(
        _("代表的法人"), null=True, blank=True,
        help_text=_("以法人身份登录（organization 授权范围）时所代表的法人；经办人和法定代表人登录时为其选择的法人"))
    acting_role = models.CharField(_("办事身份"), max_length=16, blank=True,
                                   help_text=_("organization（法人账号本身）、legal_rep（法定代表人）或 agent（经办人）"))
    refresh_family = models.UUIDField(_("刷新令牌族"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单点登录会话")
        verbose_name_plural = _("单点登录会话")
        indexes = [models.Index(fields=["user", "ended_at"], name="oidc_signon_user_idx")]

    def __str__(self) -> str:
        return str(self.sid)
